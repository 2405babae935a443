import { isStorableText } from '../text';
import { ArchiveError } from './archive-error';

/** Which layout the archive had. */
export type ArchiveFormat = 'docker-classic' | 'docker-hybrid' | 'oci';

/** A blob to commit, once per digest, and the member whose staged bytes it is. */
export interface PlannedBlob {
  digest: string;
  size: number;
  /** The member name (its staged file is the reader's business). */
  member: string;
  /** True when the staged file is the gzip copy of an uncompressed tar member. */
  compressed: boolean;
  role: 'config' | 'layer' | 'blob';
  /** Layers: the size once decompressed (remembered, so an export need not inflate the layer to learn it). */
  uncompressedSize?: number;
}

/** A manifest to push, in push order (children before the indexes that list them). */
export interface PlannedManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
  /** The digest the archive had for it, when layers were compressed and the manifest rewritten. */
  rewrittenFrom?: string;
}

/** One image of the archive as the user sees it: what gets a name (an entry of manifest.json or index.json). */
export interface PlannedImage {
  /** 0-based position, the key names are given by. */
  index: number;
  kind: 'image' | 'index';
  digest: string;
  mediaType: string;
  /** The names the archive gives it, as written (`docker.io/team/app:1.0`, or a bare tag `1.0`). */
  sourceNames: string[];
  /** `linux/amd64`, one per platform of an index. */
  platforms: string[];
  /** Bytes it occupies once imported: manifests plus blobs as stored, each counted once. */
  size: number;
  layers: number;
  /** Every manifest it needs, children first, itself last. */
  manifests: string[];
  /** Every blob it needs (configs and layers of all its platforms). */
  blobs: string[];
  rewrittenFrom?: string;
}

export interface ImportPlan {
  format: ArchiveFormat;
  images: PlannedImage[];
  manifests: PlannedManifest[];
  blobs: PlannedBlob[];
  /** Things the user should know (a manifest rewritten, so its digest changed). */
  notes: string[];
}

/** Collects blobs and manifests once per digest, keeping the first-seen order. */
export class PlanBuilder {
  readonly blobs = new Map<string, PlannedBlob>();
  readonly manifests = new Map<string, PlannedManifest>();
  readonly notes: string[] = [];

  addBlob(blob: PlannedBlob): void {
    if (!this.blobs.has(blob.digest)) this.blobs.set(blob.digest, blob);
  }

  addManifest(manifest: PlannedManifest): void {
    if (!this.manifests.has(manifest.digest)) this.manifests.set(manifest.digest, manifest);
  }

  /** Manifest plus its unique blobs' stored sizes. */
  sizeOf(manifestBytes: number, blobDigests: Iterable<string>): number {
    let total = manifestBytes;
    for (const digest of new Set(blobDigests)) total += this.blobs.get(digest)?.size ?? 0;
    return total;
  }

  finish(format: ArchiveFormat, images: PlannedImage[]): ImportPlan {
    if (images.length === 0) throw new ArchiveError('no-index', 'the archive lists no images');
    // The plan is stored (jsonb): a name PostgreSQL cannot hold is no usable reference anyway (the image then asks
    // for one), and a platform that cannot be stored is shown as unknown.
    const stored = images.map((image) => ({
      ...image,
      sourceNames: image.sourceNames.filter(isStorableText),
      platforms: image.platforms.map((platform) => (isStorableText(platform) ? platform : 'unknown')),
    }));
    return { format, images: stored, manifests: [...this.manifests.values()], blobs: [...this.blobs.values()], notes: this.notes };
  }
}
