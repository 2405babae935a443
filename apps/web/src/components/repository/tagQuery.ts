import type { LocationQuery, LocationQueryRaw } from 'vue-router';

/** The tag list's state, kept in the URL (`?q=alp&variant=alpine&sort=-version&page=2&page_size=50`) so it survives a reload. */
export const TAG_SORTS = ['-pushed_at', 'pushed_at', '-version', 'version', '-pulled_at', 'name', '-name'] as const;
export type TagSort = (typeof TAG_SORTS)[number];
/** The catalogue key of each sort (`repository.tags.sort.<key>`). */
export const SORT_KEYS: Record<TagSort, string> = {
  '-pushed_at': 'newest',
  pushed_at: 'oldest',
  '-version': 'versionDesc',
  version: 'versionAsc',
  '-pulled_at': 'pulled',
  name: 'nameAsc',
  '-name': 'nameDesc',
};
export const PAGE_SIZES = [20, 50, 100] as const;

export interface TagQuery {
  q: string;
  variant: string;
  sort: TagSort;
  page: number;
  pageSize: number;
}

const DEFAULTS: TagQuery = { q: '', variant: '', sort: '-pushed_at', page: 1, pageSize: 20 };

function first(value: LocationQuery[string]): string {
  const item = Array.isArray(value) ? value[0] : value;
  return typeof item === 'string' ? item : '';
}

function positive(value: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 1 ? Math.min(n, max) : fallback;
}

export function readTagQuery(query: LocationQuery): TagQuery {
  const sort = first(query.sort);
  return {
    q: first(query.q),
    variant: first(query.variant),
    sort: (TAG_SORTS as readonly string[]).includes(sort) ? (sort as TagSort) : DEFAULTS.sort,
    page: positive(first(query.page), DEFAULTS.page),
    pageSize: positive(first(query.page_size), DEFAULTS.pageSize, 100),
  };
}

/** Only what differs from the defaults, so a plain tags link stays plain. */
export function writeTagQuery(state: TagQuery): LocationQueryRaw {
  const out: LocationQueryRaw = {};
  if (state.q) out.q = state.q;
  if (state.variant) out.variant = state.variant;
  if (state.sort !== DEFAULTS.sort) out.sort = state.sort;
  if (state.page !== DEFAULTS.page) out.page = String(state.page);
  if (state.pageSize !== DEFAULTS.pageSize) out.page_size = String(state.pageSize);
  return out;
}

/** What deleting `selected` tags gives back: an artifact goes untagged only when every one of its tags is selected. */
export function freeableByTags(selected: ReadonlySet<string>, artifacts: readonly { tags: string[]; freeableBytes: number }[]): { images: number; bytes: number } {
  let images = 0;
  let bytes = 0;
  for (const artifact of artifacts) {
    if (artifact.tags.length > 0 && artifact.tags.every((tag) => selected.has(tag))) {
      images++;
      bytes += artifact.freeableBytes;
    }
  }
  return { images, bytes };
}
