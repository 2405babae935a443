import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Queryable, inTransaction } from '../database/queryable';
import { nextRunOf } from './cron';
import { JobScheduleRepository, JobScheduleRow } from './job-schedule.repository';

export const JOB_SCHEDULER_OPTIONS = Symbol('JOB_SCHEDULER_OPTIONS');

export interface JobSchedulerOptions {
  /** How often each replica looks for due jobs. */
  intervalMs: number;
  /** At most this many due jobs are claimed per poll. */
  batch?: number;
}

/** What runs a job: `key` is the full key (`retention:42`), `options` what `set` stored with it. */
export type JobHandler = (key: string, options: unknown) => Promise<void>;

/** Thrown by a handler whose target no longer exists (a deleted project): the schedule is removed. */
export class JobTargetGone extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobTargetGone';
  }
}

export interface JobSchedule {
  cron: string;
  nextRunAt: Date;
  options: unknown;
}

/** A job that fails to reschedule (its cron no longer parses) is retried this much later, not every poll. */
const RETRY_BROKEN_MS = 24 * 3_600_000;

/**
 * Cron schedules kept in `job_schedule`, run by whichever replica claims them. Every replica polls;
 * a poll locks the due rows with `FOR UPDATE SKIP LOCKED`, moves each one's `next_run_at` to its next
 * cron time and commits, and only then runs the handlers: the database decides who runs a job, so
 * a job runs once per due time across replicas with no leader, no lock held while it runs and no
 * schema beyond the one table (a job queue such as pg-boss would add its own schema and workers for
 * what is a handful of rows). A replica that dies mid-run does not retry: the job runs again at its
 * next time, which suits idempotent jobs such as retention and garbage collection.
 */
@Injectable()
export class JobScheduler implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(JobScheduler.name);
  private readonly handlers = new Map<string, JobHandler>();
  /** Jobs running in this process, by key: a key still running when it comes due again is skipped. */
  private readonly running = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;
  private polling: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schedules: JobScheduleRepository,
    @Inject(JOB_SCHEDULER_OPTIONS) private readonly options: JobSchedulerOptions,
  ) {}

  /** Runs `handler` for every key that starts with `prefix` (`gc`, `retention:`); the longest matching prefix wins. */
  register(prefix: string, handler: JobHandler): void {
    if (this.handlers.has(prefix)) throw new Error(`a job handler for "${prefix}" is registered already`);
    this.handlers.set(prefix, handler);
  }

  /** Creates or replaces the schedule of `key`; an invalid cron expression is INVALID. */
  async set(key: string, cron: string, options: unknown = {}, actor: string | null = null, db: Queryable = this.dataSource): Promise<JobSchedule> {
    const nextRunAt = nextRunOf(cron);
    await this.schedules.upsert({ key, cron, nextRunAt, options }, actor, db);
    return { cron, nextRunAt, options };
  }

  async get(key: string, db: Queryable = this.dataSource): Promise<JobSchedule | undefined> {
    const row = await this.schedules.find(key, db);
    return row && { cron: row.cron, nextRunAt: row.nextRunAt, options: row.options };
  }

  /** True when there was a schedule to remove. */
  remove(key: string, db: Queryable = this.dataSource): Promise<boolean> {
    return this.schedules.remove(key, db);
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  /** Stops polling; jobs already running are waited for at shutdown, after their owners were told to stop. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.running.values());
  }

  /**
   * One poll: claims the due jobs and starts them (without waiting for them to finish). Returns the keys
   * started. The timer calls this; tests may too.
   */
  async runDue(): Promise<string[]> {
    const now = new Date();
    const claimed = await inTransaction(this.dataSource, async (tx) => {
      const due = await this.schedules.lockDue(this.options.batch ?? 10, tx);
      // From the later of this clock and the due time: a replica whose clock lags the database's must not
      // set the same due time again (it would run twice).
      for (const row of due) await this.schedules.setNextRun(row.key, this.nextAfter(row, new Date(Math.max(now.getTime(), new Date(row.nextRunAt).getTime()))), tx);
      return due;
    });
    return claimed.filter((row) => this.start(row)).map((row) => row.key);
  }

  /** Resolves when the jobs running in this process have finished (for tests and shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled(this.running.values());
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.runDue()
        .catch((err) => this.logger.warn({ msg: 'could not poll the job schedule', err }))
        .finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private nextAfter(row: JobScheduleRow, now: Date): Date {
    try {
      return nextRunOf(row.cron, now);
    } catch (err) {
      this.logger.error({ msg: `job ${row.key} has an unusable schedule; retrying in a day`, cron: row.cron, err });
      return new Date(now.getTime() + RETRY_BROKEN_MS);
    }
  }

  private start(row: JobScheduleRow): boolean {
    const handler = this.handlerOf(row.key);
    if (!handler) {
      this.logger.warn(`no handler for scheduled job ${row.key}; skipped`);
      return false;
    }
    if (this.running.has(row.key)) {
      this.logger.warn(`scheduled job ${row.key} is still running from its last time; skipped`);
      return false;
    }
    const run = (async () => {
      try {
        await handler(row.key, row.options);
      } catch (err) {
        if (err instanceof JobTargetGone) {
          this.logger.log(`removing the schedule of ${row.key}: ${err.message}`);
          await this.schedules.remove(row.key).catch((e) => this.logger.warn({ msg: `could not remove the schedule of ${row.key}`, err: e }));
        } else {
          this.logger.error({ msg: `scheduled job ${row.key} failed`, err });
        }
      } finally {
        this.running.delete(row.key);
      }
    })();
    this.running.set(row.key, run);
    return true;
  }

  private handlerOf(key: string): JobHandler | undefined {
    let best: string | undefined;
    for (const prefix of this.handlers.keys()) if (key.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
    return best === undefined ? undefined : this.handlers.get(best);
  }
}
