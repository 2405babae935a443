import { computed } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';

function first(value: LocationQuery[string] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v ?? undefined;
}

/**
 * A list's page and filters kept in the URL query, so a reload or a shared link shows the same list.
 * Page 1 and empty filters stay out of the URL; changing a filter goes back to page 1.
 */
export function useQueryState<K extends string>(keys: readonly K[]) {
  const route = useRoute();
  const router = useRouter();
  const page = computed(() => {
    const n = Number(first(route.query.page));
    return Number.isInteger(n) && n > 0 ? n : 1;
  });
  const filters = computed(() => Object.fromEntries(keys.map((k) => [k, first(route.query[k]) ?? ''])) as Record<K, string>);

  function update(changes: Record<string, string | number | undefined>): void {
    const query: LocationQuery = { ...route.query };
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === '' || (key === 'page' && Number(value) === 1)) delete query[key];
      else query[key] = String(value);
    }
    void router.replace({ query });
  }

  return {
    page,
    filters,
    setPage: (p: number) => update({ page: p }),
    setFilters: (values: Partial<Record<K, string>>) => update({ ...values, page: undefined }),
  };
}
