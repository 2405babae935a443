import { isDigest } from '../digest';
import type { Platform } from '../platform';
import { ArchiveError } from './archive-error';
import { isStorableText } from '../text';

/** `rootfs.diff_ids` of an image config, checked to be a list of digests. */
export function diffIdsOf(config: Record<string, unknown>, what: string): string[] {
  const rootfs = config.rootfs as Record<string, unknown> | undefined;
  const ids = rootfs && typeof rootfs === 'object' ? rootfs.diff_ids : undefined;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && isDigest(id))) {
    throw new ArchiveError('invalid-metadata', `${what} has no rootfs.diff_ids list of digests: it is not an image config`);
  }
  return ids as string[];
}

/** The layers' uncompressed digests must be the config's diff IDs, in order: otherwise the image would not run as built. */
export function checkDiffIds(expected: string[], layers: { diffId: string; name: string }[], image: string): void {
  if (expected.length !== layers.length) {
    throw new ArchiveError('diff-ids-mismatch', `diff_ids mismatch: ${image} has ${layers.length} layers, but its config lists ${expected.length} diff IDs`);
  }
  layers.forEach((layer, i) => {
    if (layer.diffId !== expected[i]) {
      throw new ArchiveError(
        'diff-ids-mismatch',
        `diff_ids mismatch: layer ${i + 1} of ${image} ("${layer.name}") has uncompressed digest ${layer.diffId}, but its config lists ${expected[i]}`,
      );
    }
  });
}

/** os/architecture/variant of an image config, or undefined when it names no os and architecture. */
export function platformOfConfig(config: Record<string, unknown>): Platform | undefined {
  const { os, architecture, variant } = config;
  if (typeof os !== 'string' || typeof architecture !== 'string' || !os || !architecture) return undefined;
  // Stored (jsonb) with the manifest: a value PostgreSQL cannot hold leaves the platform unknown.
  if (![os, architecture, typeof variant === 'string' ? variant : ''].every(isStorableText)) return undefined;
  return typeof variant === 'string' && variant ? { os, architecture, variant } : { os, architecture };
}
