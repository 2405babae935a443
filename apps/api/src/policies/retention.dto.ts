import { validateRetentionRules } from '@berth/oci';
import { z } from 'zod';
import { cronProblem } from '../jobs/cron';
import { RepositorySelector, TagSelector } from './selector.dto';

export const MAX_RETENTION_RULES = 50;

const count = z.number().int().min(1).max(10_000);
const days = z.number().int().min(1).max(36_500);

/** What a rule keeps of the artifacts it selects; what no rule keeps in a covered repository is deleted. */
export const RetentionAction = z.discriminatedUnion('kind', [
  /** The `count` most recently pushed (a tag push counts as a push of its artifact). */
  z.strictObject({ kind: z.literal('latest_pushed'), count }),
  /** The `count` most recently pulled (never pulled last). */
  z.strictObject({ kind: z.literal('latest_pulled'), count }),
  z.strictObject({ kind: z.literal('pushed_within_days'), days }),
  z.strictObject({ kind: z.literal('pulled_within_days'), days }),
  z.strictObject({ kind: z.literal('always') }),
]);

/**
 * One retention rule: in the repositories it selects (which the policy then covers), of the artifacts with a
 * tag it selects (and the untagged ones when `tags.untagged`), keep those `action` says.
 */
export const RetentionRule = z.strictObject({
  repositories: RepositorySelector.default({ include: ['**'], exclude: [] }),
  tags: TagSelector.extend({ untagged: z.boolean().default(false) }),
  action: RetentionAction,
  disabled: z.boolean().default(false),
});
export type RetentionRule = z.output<typeof RetentionRule>;

export const RetentionPolicyBody = z
  .strictObject({
    rules: z.array(RetentionRule).max(MAX_RETENTION_RULES),
    /** A five-field cron expression in UTC (`0 3 * * *`, `@daily`) for scheduled real runs; null for none. */
    schedule: z.string().trim().min(1).max(100).nullable(),
  })
  .superRefine((body, ctx) => {
    if (body.schedule !== null) {
      const problem = cronProblem(body.schedule);
      if (problem) ctx.addIssue({ code: 'custom', path: ['schedule'], message: problem });
    }
    // The evaluator's own checks, for anything the shapes above let through.
    for (const problem of validateRetentionRules(body.rules)) ctx.addIssue({ code: 'custom', path: ['rules'], message: problem });
  });
export type RetentionPolicyBody = z.output<typeof RetentionPolicyBody>;

export const StartRetentionRunBody = z.strictObject({
  /** True: list what would be deleted and delete nothing. */
  dryRun: z.boolean(),
});
export type StartRetentionRunBody = z.output<typeof StartRetentionRunBody>;

// ---- Responses -------------------------------------------------------------------------------------

export const RetentionPolicyView = z.object({
  rules: z.array(RetentionRule),
  schedule: z.string().nullable(),
  /** When the schedule runs next; null without a schedule. */
  nextRunAt: z.date().nullable(),
  /** Null while the project has never saved a policy. */
  updatedAt: z.date().nullable(),
  updatedBy: z.string().nullable(),
});
export type RetentionPolicyView = z.output<typeof RetentionPolicyView>;

export const RETENTION_TRIGGERS = ['manual', 'schedule'] as const;
export const RETENTION_STATUSES = ['running', 'succeeded', 'failed'] as const;

export const RetentionRunView = z.object({
  id: z.string(),
  trigger: z.enum(RETENTION_TRIGGERS),
  /** The user who started a manual run; null for scheduled runs. */
  triggeredBy: z.string().nullable(),
  dryRun: z.boolean(),
  status: z.enum(RETENTION_STATUSES),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  durationMs: z.number().nullable(),
  /** Deleted, or that would be in a dry run: artifacts (with index children and referrers that went with them) and their tags. */
  artifactsDeleted: z.number(),
  tagsDeleted: z.number(),
  /**
   * Up to this many bytes become free once garbage collection runs: blobs that only the deleted artifacts
   * referenced, counted per repository when it was processed.
   */
  bytesFreed: z.number(),
});
export type RetentionRunView = z.output<typeof RetentionRunView>;

export const RetentionRunArtifact = z.object({
  digest: z.string(),
  tags: z.array(z.string()),
  pushedAt: z.date(),
  pulledAt: z.date().nullable(),
});

export const RetentionRunRepository = z.object({
  repository: z.string(),
  bytesFreed: z.number(),
  artifacts: z.array(RetentionRunArtifact),
  /**
   * Artifacts no rule keeps that were left because they were pushed within garbage collection's grace window
   * (BERTH_GC_GRACE_SECONDS; a push may still be in flight), with the index children and referrers they hold.
   * A later run deletes them once they are older. Empty in runs recorded before this was reported.
   */
  spared: z.array(RetentionRunArtifact),
});
export type RetentionRunRepository = z.output<typeof RetentionRunRepository>;

export const RetentionRunDetail = RetentionRunView.extend({
  /** Repositories where something was (or would be) deleted, or spared by the grace window, by name. */
  repositories: z.array(RetentionRunRepository),
  /** Problems by repository; the run went on past them. */
  errors: z.array(z.string()),
});
export type RetentionRunDetail = z.output<typeof RetentionRunDetail>;
