import { Injectable, Logger } from '@nestjs/common';
import { OciErrors, type ImageTarget, type ImportPlan, type PlannedBlob, type PlannedImage, type PlannedManifest } from '@berth/oci';
import { ImmutabilityService, immutableTagMessage } from '../policies/immutability.service';
import { ManifestRepository } from '../registry/manifest.repository';
import { ManifestService } from '../registry/manifest.service';
import { UploadService } from '../registry/upload.service';
import type { ImportResult, ImportedTag } from './import.dto';
import type { ImportProgress } from './import-progress';

/** The plan as staged beside the members (`plan.json`), so any replica can commit it once names are given. */
export interface StagedPlan {
  format: ImportPlan['format'];
  images: PlannedImage[];
  manifests: PlannedManifest[];
  /** Each with the staged file that holds its bytes. */
  blobs: (PlannedBlob & { path: string })[];
  notes: string[];
}

export function serializeStagedPlan(plan: StagedPlan): Buffer {
  return Buffer.from(JSON.stringify({ ...plan, manifests: plan.manifests.map((m) => ({ ...m, body: m.body.toString('base64') })) }));
}

export function parseStagedPlan(bytes: Buffer): StagedPlan {
  const plan = JSON.parse(bytes.toString('utf8')) as Omit<StagedPlan, 'manifests'> & { manifests: (Omit<PlannedManifest, 'body'> & { body: string })[] };
  return { ...plan, manifests: plan.manifests.map((m) => ({ ...m, body: Buffer.from(m.body, 'base64') })) };
}

/** Thrown when the import failed after some tags were already written (a race with another push). */
export class PartialImportError extends Error {
  constructor(
    cause: unknown,
    readonly tags: ImportedTag[],
  ) {
    super(`${cause instanceof Error ? cause.message : String(cause)} (already tagged before this failure: ${tags.map((t) => `${t.repository}:${t.tag}`).join(', ')})`, { cause });
    this.name = 'PartialImportError';
  }
}

/**
 * Lands a staged plan through the registry's own paths, so that quotas, immutability, permissions already
 * checked and garbage collection's locking apply as to a push: every blob as an upload completes
 * (UploadService.commitStaged), every manifest by digest through ManifestService.push, children before
 * the indexes listing them, and tags last. A failure before the tags removes the manifests this import
 * created (blobs stay unreferenced, for garbage collection), so users see nothing of a failed import.
 */
@Injectable()
export class ImportCommitter {
  private readonly logger = new Logger(ImportCommitter.name);

  constructor(
    private readonly uploads: UploadService,
    private readonly manifestService: ManifestService,
    private readonly manifests: ManifestRepository,
    private readonly immutability: ImmutabilityService,
  ) {}

  async commit(plan: StagedPlan, targets: Map<number, ImageTarget[]>, progress: ImportProgress): Promise<ImportResult> {
    const images = plan.images.filter((image) => (targets.get(image.index) ?? []).length > 0);
    const manifestsByDigest = new Map(plan.manifests.map((m) => [m.digest, m]));
    const created: { repository: string; digest: string }[] = [];
    try {
      await this.commitBlobs(plan, images, targets, progress);
      for (const image of images) {
        for (const repository of repositoriesOf(targets.get(image.index)!)) {
          for (const digest of image.manifests) {
            const manifest = manifestsByDigest.get(digest)!;
            const existed = await this.manifests.findByDigest(repository, digest, false);
            await this.manifestService.push(repository, digest, manifest.body, manifest.mediaType);
            if (!existed) created.push({ repository, digest });
          }
        }
        progress.imagesDone++;
      }
      await this.refuseImmutableTags(images, targets);
    } catch (err) {
      await this.removeCreated(created);
      throw err;
    }
    const tags: ImportedTag[] = [];
    try {
      for (const image of images) {
        const manifest = manifestsByDigest.get(image.digest)!;
        for (const target of targets.get(image.index)!) {
          await this.manifestService.push(target.repository, target.tag, manifest.body, manifest.mediaType);
          tags.push({ repository: target.repository, tag: target.tag, digest: image.digest, mediaType: image.mediaType });
        }
      }
    } catch (err) {
      if (tags.length === 0) {
        await this.removeCreated(created);
        throw err;
      }
      throw new PartialImportError(err, tags);
    }
    return { tags, notes: plan.notes };
  }

  /** Every blob once into every repository whose images use it; the first commit moves the staged file into place. */
  private async commitBlobs(plan: StagedPlan, images: PlannedImage[], targets: Map<number, ImageTarget[]>, progress: ImportProgress): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    for (const image of images) {
      for (const repository of repositoriesOf(targets.get(image.index)!)) {
        for (const digest of image.blobs) wanted.set(digest, (wanted.get(digest) ?? new Set()).add(repository));
      }
    }
    for (const blob of plan.blobs) {
      const repositories = wanted.get(blob.digest);
      if (!repositories) continue;
      for (const repository of repositories) await this.uploads.commitStaged(repository, { digest: blob.digest, size: blob.size, uncompressedSize: blob.uncompressedSize }, blob.path);
      if (blob.role === 'layer') progress.layersDone++;
    }
  }

  /**
   * The registry refuses to move an immutable tag one push at a time; asked for every tag before the first
   * is written, so that an import refused for one tag writes none.
   */
  private async refuseImmutableTags(images: PlannedImage[], targets: Map<number, ImageTarget[]>): Promise<void> {
    for (const image of images) {
      for (const { repository, tag } of targets.get(image.index)!) {
        const current = await this.manifests.findByTag(repository, tag, false);
        if (!current || current.digest === image.digest) continue;
        const hit = await this.immutability.protecting(repository, tag);
        if (hit) throw OciErrors.denied(`cannot overwrite ${repository}:${tag}: ${immutableTagMessage(tag, hit)}`, { tag, rule: hit.rule.id });
      }
    }
  }

  /** Newest first (indexes before their children); only manifests still untagged, so nothing another push tagged meanwhile goes. */
  private async removeCreated(created: { repository: string; digest: string }[]): Promise<void> {
    for (const { repository, digest } of [...created].reverse()) {
      try {
        if ((await this.manifests.tagsOf(repository, digest)).length === 0) await this.manifestService.remove(repository, digest);
      } catch (err) {
        this.logger.warn(`could not remove ${repository}@${digest} after a failed import: ${String(err)}`);
      }
    }
  }
}

function repositoriesOf(targets: ImageTarget[]): string[] {
  return [...new Set(targets.map((t) => t.repository))];
}
