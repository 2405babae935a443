import { z } from 'zod';
import { parseImageReference, parsePlatform, type Platform } from '@berth/oci';

export const EXPORT_FORMATS = ['docker', 'oci'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** At most this many references in one archive. */
export const MAX_EXPORT_REFERENCES = 100;

/** A reference as the caller wrote it, parsed: `team-a/app:1.0` or `team-b/tool@sha256:…`. */
export interface ExportReference {
  text: string;
  /**
   * What docker's grammar reads as a registry host. The service accepts this Berth's own host and
   * otherwise reads it back as the project (project names may contain dots: `my.team/app:1.0`).
   */
  registry?: string;
  /** The full repository name, project first. */
  repository: string;
  tag?: string;
  digest?: string;
}

const format = z.enum(EXPORT_FORMATS).optional().describe('docker (docker load, skopeo docker-archive:) or oci (an OCI image layout, blobs as stored). Default: docker for images and for an index with a platform, oci otherwise.');

const platform = z
  .string()
  .max(100)
  .transform((text, ctx): Platform => {
    const parsed = parsePlatform(text);
    if (parsed) return parsed;
    ctx.addIssue({ code: 'custom', message: 'must be os/architecture[/variant], e.g. linux/arm64' });
    return z.NEVER;
  })
  .optional()
  .describe("One platform of an image index, e.g. linux/arm64 (required to export an index as docker)");

const reference = z
  .string()
  .max(600)
  .transform((text, ctx): ExportReference => {
    try {
      const parsed = parseImageReference(text.trim());
      if (parsed.tag && parsed.digest) throw new Error('give a tag or a digest, not both');
      if (!parsed.tag && !parsed.digest) throw new Error('add a tag (:1.0) or a digest (@sha256:…)');
      return { text: text.trim(), repository: parsed.repository, ...(parsed.registry ? { registry: parsed.registry } : {}), ...(parsed.tag ? { tag: parsed.tag } : {}), ...(parsed.digest ? { digest: parsed.digest } : {}) };
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `"${text.slice(0, 200)}": ${(err as Error).message}` });
      return z.NEVER;
    }
  });

/** GET …/-/artifacts/<reference>/archive */
export const ArtifactArchiveQuery = z.object({
  format,
  platform,
  /** false: name images `team-a/app:1.0` in the archive instead of `<registry host>/team-a/app:1.0`. */
  registry_host: z.stringbool().default(true).describe('Name images <registry host>/<project>/<repository>:<tag> (default) or, when false, without the host'),
});
export type ArtifactArchiveQuery = z.output<typeof ArtifactArchiveQuery>;

/** GET /exports?ref=…&ref=…: the same as the POST body, for a download link a browser can follow. */
export const ExportQuery = z.object({
  ref: z
    .union([z.string(), z.array(z.string())])
    .transform((value) => [value].flat())
    .pipe(z.array(reference).min(1).max(MAX_EXPORT_REFERENCES))
    .describe('A reference <project>/<repository>:<tag> or <project>/<repository>@<digest>; repeat for several images'),
  format,
  platform,
  registry_host: z.stringbool().default(true).describe('Name images <registry host>/<project>/<repository>:<tag> (default) or, when false, without the host'),
});
export type ExportQuery = z.output<typeof ExportQuery>;

/** POST /exports */
export const ExportBody = z.strictObject({
  references: z.array(reference).min(1).max(MAX_EXPORT_REFERENCES).describe('<project>/<repository>:<tag> or <project>/<repository>@<digest>, one per image'),
  format,
  platform,
  registryHost: z.boolean().default(true).describe('Name images <registry host>/<project>/<repository>:<tag> (default) or, when false, without the host'),
});
export type ExportBody = z.output<typeof ExportBody>;
