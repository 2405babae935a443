import { z } from 'zod';
import { pageFields, toPaging } from '../api/pagination';

const count = z.int().nonnegative();

export const GC_STATUSES = ['running', 'succeeded', 'failed', 'stopped'] as const;
export const GC_PHASES = ['starting', 'untagged', 'mark', 'sweep', 'uploads', 'orphans', 'done'] as const;

/** A garbage collection run: what started it, where it is, what it freed. */
export const GcRunView = z.object({
  id: z.string(),
  trigger: z.enum(['manual', 'schedule', 'cli']),
  triggeredBy: z.string().nullable(),
  dryRun: z.boolean(),
  deleteUntagged: z.boolean(),
  workers: count,
  status: z.enum(GC_STATUSES),
  phase: z.enum(GC_PHASES),
  done: count.describe('Items done in the current phase'),
  total: count.describe('Items in the current phase'),
  bytesFreed: count.describe('Bytes freed so far (a dry run: that would be freed)'),
  blobsDeleted: count,
  manifestsDeleted: count,
  uploadsDeleted: count,
  orphansDeleted: count.describe('Files in storage the database did not know'),
  rescued: count.describe('Blobs referenced or uploaded again while GC was deciding about them, and kept'),
  stopRequested: z.boolean(),
  error: z.string().nullable(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  durationMs: count.nullable(),
});
export type GcRunView = z.output<typeof GcRunView>;

export const GcLogLine = z.object({ at: z.string(), level: z.enum(['info', 'warn', 'error']), message: z.string() });

export const GcRunDetail = GcRunView.extend({ log: z.array(GcLogLine) });
export type GcRunDetail = z.output<typeof GcRunDetail>;

export const StartGcBody = z.strictObject({
  dryRun: z.boolean().default(false),
  deleteUntagged: z.boolean().default(false),
  workers: z.int().min(1).max(64).optional().describe('Parallel sweepers; BERTH_GC_WORKERS when absent'),
});
export type StartGcBody = z.output<typeof StartGcBody>;

/** GC on a cron schedule; `cron: null` means by hand only. */
export const GcSchedule = z.object({
  cron: z.string().nullable(),
  nextRunAt: z.date().nullable(),
  deleteUntagged: z.boolean(),
  workers: z.int().min(1).max(64),
  graceSeconds: count.describe('Blobs and files touched more recently are never collected (BERTH_GC_GRACE_SECONDS)'),
  uploadMaxAgeSeconds: count.describe('Upload sessions idle longer are swept (BERTH_GC_UPLOAD_MAX_AGE_SECONDS)'),
});
export type GcSchedule = z.output<typeof GcSchedule>;

export const UpdateGcScheduleBody = z.strictObject({
  cron: z.string().trim().min(1).max(100).nullable(),
  deleteUntagged: z.boolean().default(false),
  workers: z.int().min(1).max(64).optional(),
});
export type UpdateGcScheduleBody = z.output<typeof UpdateGcScheduleBody>;

export const GcRunsQuery = z.object(pageFields).transform(toPaging);
export type GcRunsQuery = z.output<typeof GcRunsQuery>;
