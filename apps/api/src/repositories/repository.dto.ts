import { z } from 'zod';
import { pageFields, toPaging } from '../api/pagination';

/** Descriptions are markdown documents; 1 MiB of UTF-8 is far more than any README needs. */
export const REPOSITORY_DESCRIPTION_MAX_BYTES = 1024 * 1024;

export const REPOSITORY_SORTS = ['name', '-name', 'pushed_at', '-pushed_at', 'pulls', '-pulls'] as const;
export type RepositorySort = (typeof REPOSITORY_SORTS)[number];

export const RepositoryListQuery = z
  .object({
    ...pageFields,
    q: z.string().max(255).optional(),
    sort: z.enum(REPOSITORY_SORTS).default('name'),
  })
  .transform(toPaging);
export type RepositoryListQuery = z.output<typeof RepositoryListQuery>;

export const UpdateRepositoryBody = z.strictObject({
  description: z
    .string()
    .refine((text) => Buffer.byteLength(text, 'utf8') <= REPOSITORY_DESCRIPTION_MAX_BYTES, { message: `must be at most ${REPOSITORY_DESCRIPTION_MAX_BYTES} bytes of UTF-8` }),
});
export type UpdateRepositoryBody = z.output<typeof UpdateRepositoryBody>;
