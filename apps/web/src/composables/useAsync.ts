import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';

export interface AsyncState<T> {
  data: ShallowRef<T | undefined>;
  error: Ref<unknown>;
  loading: Ref<boolean>;
  /** Runs the loader; a newer run wins over an older one still in flight. */
  run: () => Promise<void>;
}

/** Loading, error and data for one loader, so every page shows the same three states. */
export function useAsync<T>(loader: () => Promise<T>): AsyncState<T> {
  const data = shallowRef<T>();
  const error = ref<unknown>();
  const loading = ref(false);
  let generation = 0;
  async function run(): Promise<void> {
    const mine = ++generation;
    loading.value = true;
    error.value = undefined;
    try {
      const value = await loader();
      if (mine === generation) data.value = value;
    } catch (err) {
      if (mine === generation) error.value = err;
    } finally {
      if (mine === generation) loading.value = false;
    }
  }
  return { data, error, loading, run };
}
