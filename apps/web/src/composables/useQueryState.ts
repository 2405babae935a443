import { computed, onBeforeUnmount, ref, watch, type ComputedRef, type Ref } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';

export type QueryChanges = Record<string, string | number | boolean | null | undefined>;

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

export interface QueryState {
  text: (key: string) => ComputedRef<string>;
  page: ComputedRef<number>;
  update: (changes: QueryChanges) => Promise<unknown>;
  replace: (changes: QueryChanges) => Promise<unknown>;
}

/**
 * List state (filter, sort, page) lives in the URL so a reload or a shared link shows the same list.
 * `update` pushes a history entry (filters, sort, paging); `replace` does not (typing in a filter box).
 * Both go back to page 1 unless `changes` names a page; page 1 and empty values stay out of the URL.
 */
export function useQueryState(): QueryState {
  const route = useRoute();
  const router = useRouter();
  return {
    text: (key) => computed(() => queryText(route.query, key)),
    page: computed(() => queryPage(route.query)),
    update: (changes) => router.push({ query: withChanges(route.query, changes, true) }),
    replace: (changes) => router.replace({ query: withChanges(route.query, changes, true) }),
  };
}

/**
 * A filter box for `key` of the query: `typed` replaces the URL value once typing pauses for `delay` ms
 * (no history entry per keystroke), `submit` pushes it at once; back/forward (or another box) changing
 * the value refills the box. `text` is what the box shows, `value` what the URL holds.
 */
export function useQueryFilter(
  state: QueryState,
  key: string,
  delay: number,
): { text: Ref<string>; value: ComputedRef<string>; typed: (input: string) => void; submit: () => void } {
  const value = state.text(key);
  const text = ref(value.value);
  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(value, (current) => {
    if (current !== text.value.trim()) text.value = current;
  });
  function typed(input: string): void {
    text.value = input;
    clearTimeout(timer);
    timer = setTimeout(() => void state.replace({ [key]: input.trim() }), delay);
  }
  function submit(): void {
    clearTimeout(timer);
    if (text.value.trim() !== value.value) void state.update({ [key]: text.value.trim() });
  }
  onBeforeUnmount(() => clearTimeout(timer));
  return { text, value, typed, submit };
}
