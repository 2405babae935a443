import { Module } from '@nestjs/common';
import { z } from 'zod';
import { ConfigError } from '../config/config';
import { JobScheduleRepository } from './job-schedule.repository';
import { JOB_SCHEDULER_OPTIONS, JobScheduler, JobSchedulerOptions } from './job-scheduler';

const DEFAULT_INTERVAL_MS = 30_000;

/** BERTH_SCHEDULER_INTERVAL_MS: how often each replica looks for due jobs (default 30 s; tests use less). */
export function schedulerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): JobSchedulerOptions {
  const raw = env.BERTH_SCHEDULER_INTERVAL_MS;
  if (raw === undefined || raw.trim() === '') return { intervalMs: DEFAULT_INTERVAL_MS };
  const parsed = z.coerce.number().int().min(10).max(3_600_000).safeParse(raw);
  if (!parsed.success) throw new ConfigError(`Invalid configuration:\n  BERTH_SCHEDULER_INTERVAL_MS=${JSON.stringify(raw)}: must be an integer from 10 to 3600000`);
  return { intervalMs: parsed.data };
}

/** The cron scheduler every feature with a schedule (retention, garbage collection) registers its handler with. */
@Module({
  providers: [JobScheduleRepository, JobScheduler, { provide: JOB_SCHEDULER_OPTIONS, useFactory: () => schedulerOptionsFromEnv() }],
  exports: [JobScheduler],
})
export class JobsModule {}
