import { z } from 'zod';
import { pageFields, toPaging } from '../api/pagination';
import { Badge } from '../repositories/repository.dto';

export const SEARCH_KINDS = ['project', 'repository', 'tag'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export const SearchQuery = z
  .object({
    ...pageFields,
    /** Part of a project, repository or tag name (case does not matter). */
    q: z.string().trim().min(1).max(255),
    /** Only hits of this kind. */
    kind: z.enum(SEARCH_KINDS).optional(),
  })
  .transform(toPaging);
export type SearchQuery = z.output<typeof SearchQuery>;

// ---- Responses -------------------------------------------------------------------------------------

const ProjectHit = z.object({
  kind: z.literal('project'),
  /** The project's name. */
  name: z.string(),
  project: z.string(),
  badge: Badge.nullable(),
  /** The first 200 characters of the project's description. */
  excerpt: z.string(),
});

const RepositoryHit = z.object({
  kind: z.literal('repository'),
  /** The repository's full name, `<project>/<path>`. */
  name: z.string(),
  project: z.string(),
  repository: z.string(),
  /** The repository's own badge, else its project's. */
  badge: Badge.nullable(),
  pullCount: z.number(),
  starCount: z.number(),
  pushedAt: z.date().nullable(),
  /** The first 200 characters of the repository's description. */
  excerpt: z.string(),
});

const TagHit = z.object({
  kind: z.literal('tag'),
  /** `<repository>:<tag>`, as `docker pull` takes it. */
  name: z.string(),
  project: z.string(),
  repository: z.string(),
  tag: z.string(),
  /** The manifest the tag points at. */
  digest: z.string(),
  /** The repository's badge (its own, else its project's). */
  badge: Badge.nullable(),
  /** Pulls by this tag. */
  pullCount: z.number(),
  /** When the tag was last pushed (moved). */
  pushedAt: z.date(),
});

/**
 * One search result: a project, a repository or a tag, told apart by `kind`. Results come exact name
 * matches first, then prefix matches, then the rest; then projects, repositories, tags; then by name.
 */
export const SearchHit = z.discriminatedUnion('kind', [ProjectHit, RepositoryHit, TagHit]);
export type SearchHit = z.output<typeof SearchHit>;

// ---- Docker's v1 search API (/v1/search) --------------------------------------------------------------

/** A malformed or out-of-range `n` or `page` means its default (or the nearest bound), as Docker Hub is lenient too. */
const lenientInt = (fallback: number, min: number, max: number) =>
  z.unknown().optional().transform((raw) => {
    const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    return Number.isSafeInteger(n) && n >= min ? Math.min(n, max) : fallback;
  });

export const DockerSearchQuery = z.object({
  q: z.string().trim().min(1).max(255),
  /** Results per page: 25 unless asked, at most 100. */
  n: lenientInt(25, 1, 100),
  page: lenientInt(1, 1, 100_000),
});
export type DockerSearchQuery = z.output<typeof DockerSearchQuery>;

/** Docker Hub's v1 search answer, which docker and podman decode. */
export interface DockerSearchResults {
  query: string;
  num_results: number;
  num_pages: number;
  page: number;
  page_size: number;
  results: { name: string; description: string; star_count: number; pull_count: number; is_official: boolean; is_automated: boolean }[];
}
