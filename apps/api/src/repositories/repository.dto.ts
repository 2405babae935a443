import { z } from 'zod';
import { pageFields, toPaging } from '../api/pagination';

/** Descriptions are markdown documents; 1 MiB of UTF-8 is far more than any README needs. */
export const REPOSITORY_DESCRIPTION_MAX_BYTES = 1024 * 1024;

/** Official: curated by the platform team; verified: published by a known team. Set by system administrators. */
export const BADGES = ['official', 'verified'] as const;
export const Badge = z.enum(BADGES);
export type Badge = z.output<typeof Badge>;

/** `updated` is `pushed_at` under the name the console shows ("last updated"). */
export const REPOSITORY_SORTS = ['name', '-name', 'pushed_at', '-pushed_at', 'updated', '-updated', 'pulls', '-pulls', 'stars', '-stars'] as const;
export type RepositorySort = (typeof REPOSITORY_SORTS)[number];

export const RepositoryListQuery = z
  .object({
    ...pageFields,
    /** Part of the repository name. */
    q: z.string().max(255).optional(),
    sort: z.enum(REPOSITORY_SORTS).default('name'),
    /** Only repositories with this effective badge (their own, else their project's). */
    badge: Badge.optional(),
    /** `true`: only the repositories the caller has starred (signed-in callers only: 401 otherwise). */
    starred: z.stringbool().optional(),
  })
  .transform(toPaging);
export type RepositoryListQuery = z.output<typeof RepositoryListQuery>;

export const UpdateRepositoryBody = z
  .strictObject({
    description: z
      .string()
      .refine((text) => Buffer.byteLength(text, 'utf8') <= REPOSITORY_DESCRIPTION_MAX_BYTES, { message: `must be at most ${REPOSITORY_DESCRIPTION_MAX_BYTES} bytes of UTF-8` })
      .optional(),
    /** System administrators only; null removes the repository's own badge (its project's still shows). */
    badge: Badge.nullable().optional(),
  })
  .refine((body) => body.description !== undefined || body.badge !== undefined, { message: 'give a description, a badge, or both' });
export type UpdateRepositoryBody = z.output<typeof UpdateRepositoryBody>;

// ---- Responses -------------------------------------------------------------------------------------

/** A repository as the console lists it. */
export const RepositorySummary = z.object({
  /** `<project>/<path>`. */
  name: z.string(),
  /** The first 200 characters of the description. */
  excerpt: z.string(),
  /** The badge to show: the repository's own, else its project's. */
  badge: Badge.nullable(),
  /** The repository's own badge, without its project's. */
  ownBadge: Badge.nullable(),
  starCount: z.number(),
  /** Whether the caller has starred it (always false for anonymous callers). */
  starred: z.boolean(),
  /** Manifests stored in the repository (images, indexes and the artifacts attached to them). */
  artifactCount: z.number(),
  tagCount: z.number(),
  pullCount: z.number(),
  /** Last push (shown as "last updated"); null before the first. */
  pushedAt: z.date().nullable(),
});
export type RepositorySummary = z.output<typeof RepositorySummary>;

/** One repository, with its whole description and what it stores. */
export const RepositoryView = RepositorySummary.extend({
  description: z.string(),
  /** Bytes of the distinct blobs (configs, layers) its manifests reference. */
  storageBytes: z.number(),
  /** Of those, the bytes no other repository's manifest references: what garbage collection would free if it were deleted. */
  freeableBytes: z.number(),
});
export type RepositoryView = z.output<typeof RepositoryView>;
