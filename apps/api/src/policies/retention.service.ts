import { Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ProjectAccessRow } from '../access/access.repository';
import type { UserPrincipal } from '../access/principal';
import type { PageQuery } from '../api/pagination';
import type { AuditEvent } from '../audit/audit.repository';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { offsetOf, Page } from '../common/paging';
import { inTransaction } from '../database/queryable';
import { JobScheduler, JobTargetGone } from '../jobs/job-scheduler';
import { ProjectAccessService } from '../projects/project-access.service';
import { RetentionExecutor } from './retention-executor';
import type { RetentionPolicyBody, RetentionPolicyView, RetentionRunDetail, RetentionRunView, StartRetentionRunBody } from './retention.dto';
import { RetentionRepository, RetentionRunRow, RunOutcome } from './retention.repository';

const ID = /^[1-9][0-9]{0,18}$/;
const JOB_PREFIX = 'retention:';
const SCHEDULER_ACTOR: Pick<AuditEvent, 'actor' | 'actorKind'> = { actor: 'scheduler', actorKind: 'system' };

/**
 * Tag retention in the console: the policy of a project (rules and an optional cron schedule) and its
 * runs. Reading needs pull; changing the policy and starting runs need manage_policies. A run executes in
 * the background of the replica that started it (one at a time per project); scheduled runs come from
 * the JobScheduler, on whichever replica claims them.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly retention: RetentionRepository,
    private readonly executor: RetentionExecutor,
    private readonly scheduler: JobScheduler,
    private readonly access: ProjectAccessService,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register(JOB_PREFIX, (key) => this.runScheduled(key));
  }

  /** Runs stop between repositories from here on; onApplicationShutdown waits for them. */
  onModuleDestroy(): void {
    this.stopping = true;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.running.values());
  }

  async getPolicy(principal: UserPrincipal, projectName: string): Promise<RetentionPolicyView> {
    const project = await this.access.require(principal, projectName, 'pull');
    return this.policyView(project);
  }

  async putPolicy(principal: UserPrincipal, projectName: string, body: RetentionPolicyBody): Promise<RetentionPolicyView> {
    const project = await this.access.require(principal, projectName, 'manage_policies');
    await inTransaction(this.dataSource, async (tx) => {
      await this.retention.savePolicy(project.id, body, principal.username, tx);
      if (body.schedule === null) await this.scheduler.remove(jobKey(project.id), tx);
      else await this.scheduler.set(jobKey(project.id), body.schedule, {}, principal.username, tx);
    });
    await this.audit.recordNow({
      ...actorOf(principal),
      action: 'retention.update',
      resource: `retention policy of project ${project.name}`,
      projectId: project.id,
      success: true,
      details: { rules: body.rules.length, schedule: body.schedule },
    });
    return this.policyView(project);
  }

  /** Starts a run in the background and answers at once with its row (status running). */
  async startRun(principal: UserPrincipal, projectName: string, body: StartRetentionRunBody): Promise<RetentionRunView> {
    const project = await this.access.require(principal, projectName, 'manage_policies');
    const policy = await this.retention.policy(project.id);
    if (!policy || policy.rules.every((r) => r.disabled)) {
      throw DomainError.precondition(`project ${project.name} has no enabled retention rules; save a policy first`);
    }
    const start = await inTransaction(this.dataSource, (tx) => this.retention.startRun(project.id, { trigger: 'manual', triggeredBy: principal.username, dryRun: body.dryRun }, tx));
    if ('running' in start) {
      throw DomainError.conflict(`a retention run of project ${project.name} is running already; wait for it to finish`, { runId: start.running });
    }
    void this.launch(start.started, project, actorOf(principal));
    return runView(start.started);
  }

  async listRuns(principal: UserPrincipal, projectName: string, query: PageQuery): Promise<Page<RetentionRunView>> {
    const project = await this.access.require(principal, projectName, 'pull');
    const { items, total } = await this.retention.listRuns(project.id, offsetOf(query), query.pageSize);
    return { items: items.map(runView), total, page: query.page, pageSize: query.pageSize };
  }

  async getRun(principal: UserPrincipal, projectName: string, id: string): Promise<RetentionRunDetail> {
    const project = await this.access.require(principal, projectName, 'pull');
    const row = ID.test(id) ? await this.retention.findRun(project.id, id) : undefined;
    if (!row) throw DomainError.notFound(`retention run ${id.slice(0, 20)} not found in project ${project.name}`);
    // Runs recorded before `spared` was reported have none.
    return { ...runView(row), repositories: row.repositories.map((r) => ({ ...r, spared: r.spared ?? [] })), errors: row.errors };
  }

  /** Resolves when the runs this process started have finished (for tests). */
  async idle(): Promise<void> {
    await Promise.allSettled(this.running.values());
  }

  /** The scheduler's handler for `retention:<projectId>`: a real run, unless the project has no enabled rules or a run is going. */
  private async runScheduled(key: string): Promise<void> {
    const projectId = key.slice(JOB_PREFIX.length);
    const project = ID.test(projectId) ? await this.retention.projectById(projectId) : undefined;
    if (!project) throw new JobTargetGone(`project ${projectId.slice(0, 20)} no longer exists`);
    const policy = await this.retention.policy(project.id);
    if (!policy || policy.rules.every((r) => r.disabled)) {
      this.logger.log(`scheduled retention of project ${project.name} skipped: no enabled rules`);
      return;
    }
    const start = await inTransaction(this.dataSource, (tx) => this.retention.startRun(project.id, { trigger: 'schedule', triggeredBy: null, dryRun: false }, tx));
    if ('running' in start) {
      this.logger.warn(`scheduled retention of project ${project.name} skipped: run ${start.running} is going already`);
      return;
    }
    await this.launch(start.started, project, SCHEDULER_ACTOR);
  }

  private launch(run: RetentionRunRow, project: { id: string; name: string }, actor: Pick<AuditEvent, 'actor' | 'actorKind'>): Promise<void> {
    const work = (async () => {
      let outcome: RunOutcome;
      try {
        outcome = await this.executor.execute({ id: run.id, project, dryRun: run.dryRun, actor, stopping: () => this.stopping });
        await this.retention.finishRun(run.id, outcome);
      } catch (err) {
        this.logger.error({ msg: `retention run ${run.id} of project ${project.name} failed`, err });
        await this.retention.failRun(run.id, 'internal error (see the server log)').catch(() => undefined);
        outcome = { status: 'failed', artifactsDeleted: 0, tagsDeleted: 0, bytesFreed: 0, repositories: [], errors: [] };
      }
      await this.audit
        .recordNow({
          ...actor,
          action: 'retention.run',
          resource: `retention run ${run.id} of project ${project.name}`,
          projectId: project.id,
          success: outcome.status === 'succeeded',
          details: {
            trigger: run.trigger,
            dryRun: run.dryRun,
            artifactsDeleted: outcome.artifactsDeleted,
            tagsDeleted: outcome.tagsDeleted,
            bytesFreed: outcome.bytesFreed,
            errors: outcome.errors.length,
          },
        })
        .catch((err) => this.logger.warn({ msg: `could not record retention run ${run.id} in the audit log`, err }));
    })().finally(() => this.running.delete(run.id));
    this.running.set(run.id, work);
    return work;
  }

  private async policyView(project: ProjectAccessRow): Promise<RetentionPolicyView> {
    const [policy, schedule] = await Promise.all([this.retention.policy(project.id), this.scheduler.get(jobKey(project.id))]);
    return {
      rules: policy?.rules ?? [],
      schedule: policy?.schedule ?? null,
      nextRunAt: schedule?.nextRunAt ?? null,
      updatedAt: policy?.updatedAt ?? null,
      updatedBy: policy?.updatedBy ?? null,
    };
  }
}

function jobKey(projectId: string): string {
  return `${JOB_PREFIX}${projectId}`;
}

function runView(row: RetentionRunRow): RetentionRunView {
  return {
    id: row.id,
    trigger: row.trigger,
    triggeredBy: row.triggeredBy,
    dryRun: row.dryRun,
    status: row.status,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
    artifactsDeleted: row.artifactsDeleted,
    tagsDeleted: row.tagsDeleted,
    bytesFreed: row.bytesFreed,
  };
}
