import { onScopeDispose, ref, shallowRef, type Ref, type ShallowRef } from 'vue';

export interface Polling {
  /** True from start() until the tick says stop, fails, or stop() is called. */
  active: Ref<boolean>;
  /** Why the last tick failed; polling stops on a failure (start() again to retry). */
  error: Ref<unknown>;
  start: () => void;
  stop: () => void;
}

/**
 * Calls `tick` every `intervalMs` while it answers true: one call at a time (the next waits for the
 * previous answer), the first after one interval, and none after the component is gone.
 */
export function usePolling(tick: () => Promise<boolean>, intervalMs: number): Polling {
  const active = ref(false);
  const error = ref<unknown>();
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function step(mine: number): Promise<void> {
    if (mine !== generation) return;
    try {
      const again = await tick();
      if (mine !== generation) return;
      if (again) timer = setTimeout(() => void step(mine), intervalMs);
      else active.value = false;
    } catch (err) {
      if (mine !== generation) return;
      error.value = err;
      active.value = false;
    }
  }

  function stop(): void {
    generation++;
    clearTimeout(timer);
    active.value = false;
  }

  function start(): void {
    stop();
    const mine = generation;
    active.value = true;
    error.value = undefined;
    timer = setTimeout(() => void step(mine), intervalMs);
  }

  onScopeDispose(stop);
  return { active, error, start, stop };
}

export interface RunFollower<R> {
  /** The run followed last, as the server last described it. */
  run: ShallowRef<R | undefined>;
  polling: Polling;
  /** Follows `run` until it is no longer running; `finished` is called once with its final state. */
  follow: (run: R) => void;
  /** Polls the followed run again after a failed poll. */
  resume: () => void;
}

export interface RunFollowerOptions<R> {
  /** How often the run is asked for; 1000 ms unless given. */
  intervalMs?: number;
  /** Whether the run still goes on; `status === 'running'` unless given (an import has several such states). */
  isRunning?: (run: R) => boolean;
}

/** Follows a background run (retention, garbage collection, an import) by asking for it every `intervalMs` until it ends. */
export function useRunFollower<R extends { id: string; status: string }>(
  load: (id: string) => Promise<R>,
  finished: (run: R) => void,
  { intervalMs = 1000, isRunning = (run: R) => run.status === 'running' }: RunFollowerOptions<R> = {},
): RunFollower<R> {
  const run = shallowRef<R>();
  const polling = usePolling(async () => {
    const current = run.value;
    if (!current) return false;
    const next = await load(current.id);
    if (run.value?.id !== current.id) return false;
    run.value = next;
    if (isRunning(next)) return true;
    finished(next);
    return false;
  }, intervalMs);

  function follow(start: R): void {
    run.value = start;
    if (isRunning(start)) polling.start();
    else {
      polling.stop();
      finished(start);
    }
  }

  return { run, polling, follow, resume: () => run.value && polling.start() };
}
