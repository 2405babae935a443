import { ref, watch } from 'vue';
import type { ArtifactSummary } from '@/api/types';

export type ArtifactKind = ArtifactSummary['kind'];
export type PullClient = 'docker' | 'podman' | 'nerdctl' | 'helm' | 'oras';

export interface PullOption {
  client: PullClient;
  command: string;
}

/** The clients that can pull each kind of artifact, the usual one first (as Harbor and Docker Hub offer them). */
const CLIENTS: Record<ArtifactKind, PullClient[]> = {
  image: ['docker', 'podman', 'nerdctl'],
  index: ['docker', 'podman', 'nerdctl'],
  'helm-chart': ['helm', 'oras'],
  signature: ['oras'],
  sbom: ['oras'],
  attestation: ['oras'],
  other: ['oras'],
};

function isDigest(reference: string): boolean {
  return reference.includes(':');
}

/** `host/name:tag` or `host/name@sha256:...`. */
function imageReference(host: string, name: string, reference: string): string {
  return `${host}/${name}${isDigest(reference) ? '@' : ':'}${reference}`;
}

/**
 * The pull commands for an artifact of `kind` at `reference` (a tag or a digest), one per client that
 * can pull it. Helm pulls a chart by its version (the tag), or by digest when it has no tag.
 */
export function pullCommands(host: string, name: string, reference: string, kind: ArtifactKind = 'image'): PullOption[] {
  return CLIENTS[kind].map((client) => {
    switch (client) {
      case 'helm':
        return { client, command: isDigest(reference) ? `helm pull oci://${host}/${name}@${reference}` : `helm pull oci://${host}/${name} --version ${reference}` };
      case 'oras':
        return { client, command: `oras pull ${imageReference(host, name, reference)}` };
      default:
        return { client, command: `${client} pull ${imageReference(host, name, reference)}` };
    }
  });
}

const STORAGE_KEY = 'berth.pullClient';
const stored = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;

/** The client last picked in any pull command box; remembered in this browser. */
export const preferredClient = ref<PullClient | null>(stored === 'docker' || stored === 'podman' || stored === 'nerdctl' || stored === 'helm' || stored === 'oras' ? stored : null);
watch(preferredClient, (client) => {
  if (client && typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, client);
});

/** The preferred client's option when it can pull this kind, else the usual one. */
export function preferredOption(options: PullOption[], preferred: PullClient | null = preferredClient.value): PullOption | undefined {
  return options.find((o) => o.client === preferred) ?? options[0];
}
