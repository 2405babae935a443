import { z } from 'zod';
import { MAX_REPOSITORY_NAME_LENGTH, MAX_TAG_LENGTH } from '@berth/oci';

export const IMPORT_STATUSES = ['uploading', 'analyzing', 'awaiting_names', 'importing', 'succeeded', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];
export const ARCHIVE_FORMATS = ['docker-classic', 'docker-hybrid', 'oci'] as const;
export const ARCHIVE_WRAPPINGS = ['none', 'gzip', 'zstd'] as const;

const count = z.int().nonnegative();

/** One target of an image: `repository` relative to the project (`app`) or full (`team-a/app`). */
export const ImportName = z.strictObject({
  /** Position of the image in the job's `images`. */
  index: z.int().min(0),
  repository: z.string().trim().min(1).max(MAX_REPOSITORY_NAME_LENGTH),
  tag: z.string().min(1).max(MAX_TAG_LENGTH),
});
export type ImportName = z.output<typeof ImportName>;

/** POST …/imports/{id}/names: targets for the images of a job awaiting names; several entries for one image give it several tags. */
export const ImportNamesBody = z.strictObject({ images: z.array(ImportName).min(1).max(1000) });
export type ImportNamesBody = z.output<typeof ImportNamesBody>;

/** POST …/imports: the archive is the body; naming comes in the query. */
export const StartImportQuery = z.object({
  /** Repository for images the archive does not name (relative to the project, or full). */
  repository: z.string().trim().min(1).max(MAX_REPOSITORY_NAME_LENGTH).optional(),
  /** Tag for images the archive does not name (default `latest`, or the tag an OCI layout gives). */
  tag: z.string().min(1).max(MAX_TAG_LENGTH).optional(),
  /** JSON of ImportNamesBody.images: targets replacing the archive's names of the images listed. */
  names: z
    .string()
    .max(64 * 1024)
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON: [{"index":0,"repository":"app","tag":"1.0"}]' });
        return z.NEVER;
      }
    })
    .pipe(z.array(ImportName).max(1000).optional()),
  /** Stop at awaiting_names even when every image has a name, so the names can be checked first. */
  review: z.stringbool().default(false),
  /**
   * `repository`/`tag` only for images the archive leaves unnamed (the console's suggestion from a repository
   * page). Without it they are what the caller asks: they rename a one-image archive's image, and an
   * archive that names each of its several images is refused rather than imported under other names.
   */
  only_unnamed: z.stringbool().default(false),
});
export type StartImportQuery = z.output<typeof StartImportQuery>;

// ---- Responses -------------------------------------------------------------------------------------

export const ImportTarget = z.object({ repository: z.string(), tag: z.string() });
export type ImportTarget = z.output<typeof ImportTarget>;

/** An image of the archive (an entry of manifest.json or index.json) and where it goes. */
export const ImportImage = z.object({
  index: count,
  kind: z.enum(['image', 'index']),
  mediaType: z.string(),
  /** The digest it will have here. */
  digest: z.string(),
  /** The digest the archive gave it, when uncompressed layers were compressed and the manifest rewritten. */
  rewrittenFrom: z.string().nullable(),
  /** Names as the archive writes them (`docker.io/team/app:1.0`, or a bare tag from an OCI layout). */
  sourceNames: z.array(z.string()),
  /** A tag the archive gives an image it does not give a repository (OCI `ref.name` such as `1.0`). */
  suggestedTag: z.string().nullable(),
  /** Where it will be (or was) tagged; empty while the image awaits a name. */
  targets: z.array(ImportTarget),
  platforms: z.array(z.string()).describe('`linux/amd64`; one per platform of an index'),
  size: count.describe('Bytes once imported: manifests and blobs as stored, each once'),
  layers: count,
});
export type ImportImage = z.output<typeof ImportImage>;

export const ImportedTag = z.object({ repository: z.string(), tag: z.string(), digest: z.string(), mediaType: z.string() });
export type ImportedTag = z.output<typeof ImportedTag>;

export const ImportResult = z.object({
  tags: z.array(ImportedTag),
  /** Facts worth knowing, such as a manifest whose digest changed because its layers were compressed. */
  notes: z.array(z.string()),
});
export type ImportResult = z.output<typeof ImportResult>;

/** An archive import as lists show it. */
export const ImportJobSummary = z.object({
  id: z.string(),
  project: z.string(),
  status: z.enum(IMPORT_STATUSES),
  createdBy: z.string().nullable(),
  bytesRead: count.describe('Bytes of the upload received so far'),
  bytesTotal: count.nullable().describe('The upload\'s Content-Length, when it sent one'),
  imagesTotal: count,
  imagesDone: count,
  layersTotal: count,
  layersDone: count,
  format: z.enum(ARCHIVE_FORMATS).nullable(),
  /** gzip or zstd around the tar. */
  compression: z.enum(ARCHIVE_WRAPPINGS).nullable(),
  /** Why it failed, in the archive's or the registry's terms. */
  error: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  finishedAt: z.date().nullable(),
});
export type ImportJobSummary = z.output<typeof ImportJobSummary>;

/** An archive import with its plan (the images and their targets) and, once done, the tags it wrote. */
export const ImportJob = ImportJobSummary.extend({
  images: z.array(ImportImage),
  result: ImportResult.nullable(),
});
export type ImportJob = z.output<typeof ImportJob>;
