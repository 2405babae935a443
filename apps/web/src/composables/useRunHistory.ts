import { computed, ref, watch, type ComputedRef, type Ref, type ShallowRef, type WatchSource } from 'vue';
import { ApiError } from '@/api/client';
import { useAsync, type AsyncState } from './useAsync';
import { useRunFollower, type Polling } from './usePolling';
import { useQueryState } from './useQueryState';

interface Run {
  id: string;
  status: string;
}

export interface RunPage<V> {
  items: V[];
  total: number;
}

export interface RunHistoryOptions<V extends Run, D extends Run> {
  /** One page of the runs, newest first. */
  list: (page: number, pageSize: number) => Promise<RunPage<V>>;
  /** One run as it is now: asked for every second while it runs. */
  load: (id: string) => Promise<D>;
  /** What the runs belong to (the project): when it changes the history reloads and the followed run is forgotten. */
  key?: WatchSource<unknown>;
  /** 20 unless given. */
  pageSize?: number;
}

export interface RunHistory<V extends Run, D extends Run> {
  /** The history's page, from the URL. */
  page: ComputedRef<number>;
  pageSize: number;
  setPage: (page: number) => void;
  history: AsyncState<RunPage<V>>;
  /** The run followed last: started here, named by a 409, or found running at the top of the history. */
  current: ShallowRef<V | D | undefined>;
  running: ComputedRef<boolean>;
  polling: Polling;
  /** Polls the followed run again after a failed poll. */
  resume: () => void;
  starting: Ref<boolean>;
  startError: Ref<unknown>;
  /** Starts a run with `post` unless one is starting or running, follows it, and reloads the history. */
  start: (post: () => Promise<V | D>) => Promise<void>;
}

/**
 * The history of a kind of background run (retention, garbage collection), paged in the URL, and the one run
 * that goes at a time: followed until it ends (the history then reloads), whoever started it.
 */
export function useRunHistory<V extends Run, D extends Run>({ list, load, key, pageSize = 20 }: RunHistoryOptions<V, D>): RunHistory<V, D> {
  const state = useQueryState();
  const page = state.page;
  const history = useAsync(() => list(page.value, pageSize));
  watch(key ? [key, page] : page, () => void history.run(), { immediate: true });

  const follower = useRunFollower<V | D>(load, () => void history.run());
  const current = follower.run;
  const running = computed(() => current.value?.status === 'running');
  // The page stays mounted when the URL moves to another project: forget this one's run.
  if (key) {
    watch(key, () => {
      follower.polling.stop();
      current.value = undefined;
    });
  }

  // A run started elsewhere (another tab, the schedule, the CLI) is followed too: runs are newest first, one at a time.
  watch(history.data, (data) => {
    const latest = page.value === 1 ? data?.items[0] : undefined;
    if (latest?.status === 'running' && current.value?.id !== latest.id) follower.follow(latest);
  });

  const starting = ref(false);
  const startError = ref<unknown>();

  async function start(post: () => Promise<V | D>): Promise<void> {
    if (starting.value || running.value) return;
    starting.value = true;
    startError.value = undefined;
    try {
      follower.follow(await post());
    } catch (err) {
      startError.value = err;
      // 409: one is running already; the answer names it, so follow that one.
      const runId = err instanceof ApiError && err.status === 409 ? (err.body?.details as { runId?: unknown } | undefined)?.runId : undefined;
      if (typeof runId === 'string') {
        const other = await load(runId).catch(() => undefined);
        if (other) follower.follow(other);
      }
    } finally {
      starting.value = false;
    }
    void history.run();
  }

  return {
    page,
    pageSize,
    setPage: (value) => void state.update({ page: value }),
    history,
    current,
    running,
    polling: follower.polling,
    resume: follower.resume,
    starting,
    startError,
    start,
  };
}
