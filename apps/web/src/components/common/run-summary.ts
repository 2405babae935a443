/** What every background run (retention, garbage collection) says of itself, as the shared run table and dialog show it. */
export interface RunSummary {
  id: string;
  trigger: 'manual' | 'schedule' | 'cli';
  triggeredBy: string | null;
  dryRun: boolean;
  status: 'running' | 'succeeded' | 'failed' | 'stopped';
  startedAt: string;
  durationMs: number | null;
  bytesFreed: number;
}

/** Who started a run: its user, else `scheduler` for a scheduled run, else a dash (a command-line run may name no one). */
export function startedBy(run: Pick<RunSummary, 'trigger' | 'triggeredBy'>, scheduler: string): string {
  return run.triggeredBy ?? (run.trigger === 'schedule' ? scheduler : '–');
}
