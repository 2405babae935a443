import { ArchiveError } from './archive-error';
import { ArchiveContents, ArchiveIndex, checkNamedDigests } from './contents';
import { planDockerArchive } from './docker-archive';
import { planOciLayout } from './oci-layout';
import type { ImportPlan } from './plan-builder';

export type { ImportPlan, PlannedBlob, PlannedImage, PlannedManifest } from './plan-builder';

/**
 * Resolves what the reader staged into images, manifests and blobs, checking the archive on the way: every
 * referenced blob present, every digest-named member hashing to its name, descriptor sizes, and every image
 * config's diff IDs matching its layers. manifest.json wins when both it and index.json are present
 * (Docker 25+ writes both, and only manifest.json names the tags).
 */
export function buildImportPlan(contents: ArchiveContents): ImportPlan {
  const index = new ArchiveIndex(contents);
  checkNamedDigests(index);
  if (index.has('manifest.json')) return planDockerArchive(index);
  if (index.has('index.json')) return planOciLayout(index);
  throw new ArchiveError(
    'no-index',
    'the archive has no manifest.json or index.json at its top level: it is not a docker save archive or an OCI image layout',
  );
}
