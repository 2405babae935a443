/** Addresses of the archive download route (GET …/-/artifacts/<reference>/archive). */
import { platformLabel } from '@/utils/format';

export interface ArchivePlatform {
  os: string | null;
  architecture: string | null;
  variant: string | null;
  attestation: boolean;
}

const segments = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/**
 * The download of a tag or digest: as it is by default (docker for an image), one platform of an index as
 * a docker archive, or every platform as an OCI archive.
 */
export function archiveUrl(project: string, repo: string, reference: string, choice: { platform?: string; format?: 'docker' | 'oci' } = {}): string {
  const query = new URLSearchParams();
  if (choice.format) query.set('format', choice.format);
  if (choice.platform) query.set('platform', choice.platform);
  const qs = query.toString();
  return `/api/v1/projects/${encodeURIComponent(project)}/repositories/${segments(repo)}/-/artifacts/${encodeURIComponent(reference)}/archive${qs ? `?${qs}` : ''}`;
}

/** The platforms an index can be exported as one docker image: real ones (no attestations), each once. */
export function exportablePlatforms(platforms: readonly ArchivePlatform[]): string[] {
  const labels: string[] = [];
  for (const platform of platforms) {
    const label = platform.attestation ? null : platformLabel(platform);
    if (label && !labels.includes(label)) labels.push(label);
  }
  return labels;
}
