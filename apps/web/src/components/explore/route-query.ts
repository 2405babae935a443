import { computed, type ComputedRef } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';

type QueryChanges = Record<string, string | number | boolean | null | undefined>;

/** A single text value of the URL query ('' when absent or repeated oddly). */
export function queryText(query: LocationQuery, key: string): string {
  const value = query[key];
  return typeof value === 'string' ? value : '';
}

/** `page` from the URL, 1 when absent or not a positive integer. */
export function queryPage(query: LocationQuery): number {
  const page = Number.parseInt(queryText(query, 'page'), 10);
  return Number.isFinite(page) && page > 0 ? page : 1;
}

/** The query with `changes` applied: empty, null, undefined and false values are dropped. */
export function withChanges(query: LocationQuery, changes: QueryChanges, resetPage: boolean): LocationQuery {
  const next: LocationQuery = { ...query };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === null || value === '' || value === false) delete next[key];
    else next[key] = String(value);
  }
  if (resetPage && !('page' in changes)) delete next.page;
  if (next.page === '1') delete next.page;
  return next;
}

/**
 * List state (filter, sort, page) lives in the URL so a reload or a shared link shows the same list.
 * `update` pushes a history entry (filters, sort, paging); `replace` does not (typing in a filter box).
 */
export function useQueryState(): {
  text: (key: string) => ComputedRef<string>;
  page: ComputedRef<number>;
  update: (changes: QueryChanges) => Promise<unknown>;
  replace: (changes: QueryChanges) => Promise<unknown>;
} {
  const route = useRoute();
  const router = useRouter();
  return {
    text: (key) => computed(() => queryText(route.query, key)),
    page: computed(() => queryPage(route.query)),
    update: (changes) => router.push({ query: withChanges(route.query, changes, true) }),
    replace: (changes) => router.replace({ query: withChanges(route.query, changes, true) }),
  };
}
