import type { Badge } from '@/api/types';

/** The orders the repository lists offer (the API also takes the reverse of each). */
export const REPOSITORY_SORTS = ['name', '-pulls', '-stars', '-updated'] as const;
export type RepositorySort = (typeof REPOSITORY_SORTS)[number];

export const BADGES: readonly Badge[] = ['official', 'verified'];
