import { Inject, Injectable, Logger } from '@nestjs/common';
import { evaluateRetention, findImmutableRule, sparedByGrace, validateRetentionRules, type ImmutabilityRule, type RetentionArtifact, type RetentionRule } from '@berth/oci';
import { DataSource } from 'typeorm';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { AuditEvent } from '../audit/audit.repository';
import { AuditService } from '../audit/audit.service';
import { isDomainError } from '../common/domain-error';
import { BERTH_CONFIG, BerthConfig } from '../config/config';
import { inTransaction, Queryable } from '../database/queryable';
import { RegistryChangeFeed } from '../registry/registry-change-feed';
import { ImmutabilityService } from './immutability.service';
import type { RetentionRunRepository } from './retention.dto';
import { RetentionRepository, RunOutcome } from './retention.repository';

export interface RunRequest {
  id: string;
  project: { id: string; name: string };
  dryRun: boolean;
  /** Who the audit log names for deletions. */
  actor: Pick<AuditEvent, 'actor' | 'actorKind'>;
  /** Asked between repositories: true stops the run (the server is shutting down). */
  stopping: () => boolean;
}

/** What one repository loses: the artifacts (with what goes along with them) and the bytes only they use. */
interface Plan {
  ids: string[];
  artifacts: RetentionArtifact[];
  /** What the rules would delete but the GC grace window keeps (pushed too recently): shown, never deleted. */
  spared: RetentionArtifact[];
}

/** A run found a deletion the policy does not allow; the repository is left as it is. */
class UnsafeDeletion extends Error {}

/**
 * Executes one retention run: for each repository of the project, in name order, reads its artifacts in
 * one query, evaluates the policy (with the project's immutability rules) and deletes what no rule keeps.
 * A real run works in one transaction per repository, holding the repository's lock while it re-reads,
 * re-evaluates and deletes, so a push landing meanwhile is judged too; what goes is expanded like a console
 * delete (`deletionSet`) and checked again against the evaluation and the immutability rules before
 * anything is deleted. A failing repository is recorded and skipped; blobs are left to garbage collection.
 */
@Injectable()
export class RetentionExecutor {
  private readonly logger = new Logger(RetentionExecutor.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly retention: RetentionRepository,
    private readonly artifacts: ArtifactRepository,
    private readonly immutability: ImmutabilityService,
    private readonly changes: RegistryChangeFeed,
    private readonly audit: AuditService,
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
  ) {}

  async execute(run: RunRequest): Promise<RunOutcome> {
    const outcome: RunOutcome = { status: 'succeeded', artifactsDeleted: 0, tagsDeleted: 0, bytesFreed: 0, repositories: [], errors: [] };
    const policy = await this.retention.policy(run.project.id);
    const rules: RetentionRule[] = policy?.rules ?? [];
    const problems = validateRetentionRules(rules);
    if (problems.length > 0) return { ...outcome, status: 'failed', errors: [`the policy cannot be used: ${problems.join('; ')}`] };
    const immutable = await this.immutability.rules(run.project.name);
    const repositories = await this.retention.repositories(run.project.name);
    const now = new Date();
    let evaluated = 0;
    for (const [i, repository] of repositories.entries()) {
      await this.retention.heartbeat(run.id);
      if (run.stopping()) {
        outcome.errors.push(`stopped by a server shutdown before ${repository.name} (${repositories.length - i} of ${repositories.length} repositories not processed)`);
        outcome.status = 'failed';
        break;
      }
      try {
        const done = run.dryRun
          ? await this.dryRun(run.project.name, repository, rules, immutable, now)
          : await this.realRun(run, repository, rules, now);
        evaluated++;
        if (!done) continue;
        outcome.repositories.push(done.report);
        outcome.artifactsDeleted += done.report.artifacts.length;
        outcome.tagsDeleted += done.tags;
        outcome.bytesFreed += done.report.bytesFreed;
      } catch (err) {
        outcome.errors.push(`${repository.name}: ${describe(err)}`);
        if (!(err instanceof UnsafeDeletion) && !isDomainError(err)) this.logger.error({ msg: `retention run ${run.id} failed in ${repository.name}`, err });
      }
    }
    if (repositories.length > 0 && evaluated === 0) outcome.status = 'failed';
    return outcome;
  }

  private async dryRun(
    project: string,
    repository: { id: string; name: string },
    rules: RetentionRule[],
    immutable: ImmutabilityRule[],
    now: Date,
  ): Promise<{ report: RetentionRunRepository; tags: number } | undefined> {
    const plan = await this.plan(project, repository, rules, immutable, now, this.dataSource);
    if (plan.ids.length === 0 && plan.spared.length === 0) return undefined;
    const bytesFreed = plan.ids.length === 0 ? 0 : await this.artifacts.freeableBytes(plan.ids);
    return { report: reportOf(repository.name, plan, bytesFreed), tags: plan.artifacts.reduce((n, a) => n + a.tags.length, 0) };
  }

  private async realRun(
    run: RunRequest,
    repository: { id: string; name: string },
    rules: RetentionRule[],
    now: Date,
  ): Promise<{ report: RetentionRunRepository; tags: number } | undefined> {
    const done = await inTransaction(this.dataSource, async (tx) => {
      await this.artifacts.lockRepository(repository.id, tx);
      // Read again under the lock: a rule added since the run started protects what it names.
      const current = await this.immutability.rules(run.project.name, tx);
      const plan = await this.plan(run.project.name, repository, rules, current, now, tx);
      if (plan.ids.length === 0) return plan.spared.length === 0 ? undefined : { report: reportOf(repository.name, plan, 0), tags: 0 };
      const bytesFreed = await this.artifacts.freeableBytes(plan.ids, tx);
      const tags = await this.artifacts.deleteManifests(plan.ids, tx);
      // Every replica drops what it cached for this repository once the transaction commits.
      await this.changes.publish(repository.name, tx);
      return { report: reportOf(repository.name, plan, bytesFreed), tags: tags.length };
    });
    if (!done || done.report.artifacts.length === 0) return done;
    this.changes.changedLocally(repository.name);
    await this.audit.recordNow({
      ...run.actor,
      action: 'retention.delete',
      resource: repository.name,
      projectId: run.project.id,
      success: true,
      details: { run: run.id, deleted: done.report.artifacts.map((a) => a.digest), tags: done.report.artifacts.flatMap((a) => a.tags) },
    });
    return done;
  }

  /** What the policy deletes in one repository, expanded and checked as a console delete would be. */
  private async plan(
    project: string,
    repository: { id: string; name: string },
    rules: RetentionRule[],
    immutable: ImmutabilityRule[],
    now: Date,
    db: Queryable,
  ): Promise<Plan> {
    const artifacts = await this.retention.artifacts(repository.id, db);
    // Nothing pushed within GC's grace window goes, nor what such a push names: a multi-platform push sends its
    // children untagged before the index, and a re-pushed index may name old children.
    const keepPushedAfter = new Date(now.getTime() - this.config.gc.graceMs);
    const decisions = evaluateRetention({ project, repositories: [{ name: repository.name, artifacts }], rules, immutable, now, keepPushedAfter });
    const byId = new Map(artifacts.map((a) => [a.id, a]));
    const spared = sparedByGrace(decisions).map((d) => byId.get(d.id)!);
    const doomed = decisions.filter((d) => !d.keep);
    if (doomed.length === 0) return { ids: [], artifacts: [], spared };
    const kept = new Set(decisions.filter((d) => d.keep).map((d) => d.id));
    const ids = new Set<string>();
    // Indexes first: their children and referrers come with them, and need no expansion of their own.
    const roots = [...doomed].sort((a, b) => byId.get(b.id)!.children.length - byId.get(a.id)!.children.length);
    for (const root of roots) {
      if (ids.has(root.id)) continue;
      for (const { id, digest } of await this.artifacts.deletionSet(repository.id, root, db)) {
        if (kept.has(id)) throw new UnsafeDeletion(`deleting ${root.digest} would take ${digest}, which the policy keeps; nothing deleted here`);
        ids.add(id);
      }
    }
    const going = artifacts.filter((a) => ids.has(a.id));
    for (const artifact of going) {
      for (const tag of artifact.tags) {
        const rule = findImmutableRule(project, repository.name, tag, immutable);
        if (rule) throw new UnsafeDeletion(`${artifact.digest} carries the immutable tag ${tag} (rule ${rule.id}); nothing deleted here`);
      }
    }
    return { ids: going.map((a) => a.id), artifacts: going, spared };
  }
}

function reportOf(repository: string, plan: Plan, bytesFreed: number): RetentionRunRepository {
  return {
    repository,
    bytesFreed,
    artifacts: plan.artifacts.map(reportedArtifact),
    spared: plan.spared.map(reportedArtifact),
  };
}

function reportedArtifact(a: RetentionArtifact): RetentionRunRepository['artifacts'][number] {
  return { digest: a.digest, tags: a.tags, pushedAt: a.pushedAt, pulledAt: a.pulledAt };
}

/** What a run shows its readers: its own and domain messages; anything else is logged and named only generically. */
function describe(err: unknown): string {
  if (err instanceof UnsafeDeletion || isDomainError(err)) return err.message;
  return 'internal error (see the server log)';
}
