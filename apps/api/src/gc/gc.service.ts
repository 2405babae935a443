import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StorageDriver } from '@berth/storage';
import type { UserPrincipal } from '../access/principal';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import type { Page } from '../common/paging';
import { BERTH_CONFIG, BerthConfig } from '../config/config';
import { JobScheduler } from '../jobs/job-scheduler';
import { RegistryChangeFeed } from '../registry/registry-change-feed';
import { STORAGE_DRIVER } from '../storage/storage.module';
import { GarbageCollector, GcOptions } from './garbage-collector';
import { GcRunRepository } from './gc-run.repository';
import type { GcRunDetail, GcRunsQuery, GcRunView, GcSchedule, StartGcBody, UpdateGcScheduleBody } from './gc.dto';

const SCHEDULE_KEY = 'gc';

interface ScheduledOptions {
  deleteUntagged?: boolean;
  workers?: number;
}

/** Garbage collection for the console and the scheduler: start, follow, stop, history, schedule. Admins only. */
@Injectable()
export class GcService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(GcService.name);
  private readonly collector: GarbageCollector;
  /** Runs of this process, so shutdown can stop them cleanly instead of leaving a `running` row. */
  private readonly here = new Map<string, Promise<void>>();

  constructor(
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
    @Inject(STORAGE_DRIVER) storage: StorageDriver,
    dataSource: DataSource,
    changes: RegistryChangeFeed,
    private readonly runs: GcRunRepository,
    private readonly scheduler: JobScheduler,
    private readonly audit: AuditService,
  ) {
    this.collector = new GarbageCollector(dataSource, storage, config.gc, (repository, db) => changes.publish(repository, db));
  }

  onModuleInit(): void {
    this.scheduler.register(SCHEDULE_KEY, async (_key, options) => {
      const o = (options ?? {}) as ScheduledOptions;
      const started = await this.launch({
        dryRun: false,
        deleteUntagged: o.deleteUntagged ?? false,
        workers: o.workers ?? this.config.gc.workers,
        trigger: 'schedule',
        triggeredBy: null,
      });
      if (!started) this.logger.warn('scheduled garbage collection skipped: another run holds the lock');
      else await started.done;
    });
  }

  async start(actor: UserPrincipal, body: StartGcBody): Promise<GcRunDetail> {
    requireAdmin(actor);
    const options: GcOptions = {
      dryRun: body.dryRun,
      deleteUntagged: body.deleteUntagged,
      workers: body.workers ?? this.config.gc.workers,
      trigger: 'manual',
      triggeredBy: actor.username,
    };
    const started = await this.launch(options);
    if (!started) {
      const running = await this.runs.running();
      throw DomainError.conflict(`garbage collection is already running${running ? ` (run ${running.id})` : ''}`, running ? { runId: running.id } : undefined);
    }
    await this.audit.recordNow({ ...actorOf(actor), action: 'gc.start', resource: `gc/${started.runId}`, success: true, details: { ...body } });
    return this.get(actor, started.runId);
  }

  async list(actor: UserPrincipal, query: GcRunsQuery): Promise<Page<GcRunView>> {
    requireAdmin(actor);
    await this.collector.closeAbandoned();
    return this.runs.list(query);
  }

  async get(actor: UserPrincipal, id: string): Promise<GcRunDetail> {
    requireAdmin(actor);
    await this.collector.closeAbandoned();
    const run = await this.runs.find(id);
    if (!run) throw DomainError.notFound(`garbage collection run ${id.slice(0, 40)} not found`);
    return run;
  }

  async stop(actor: UserPrincipal, id: string): Promise<GcRunDetail> {
    requireAdmin(actor);
    const run = await this.get(actor, id);
    if (run.status !== 'running') throw DomainError.precondition(`garbage collection run ${id} has already ended (${run.status})`);
    await this.runs.requestStop(id);
    await this.audit.recordNow({ ...actorOf(actor), action: 'gc.stop', resource: `gc/${id}`, success: true });
    return this.get(actor, id);
  }

  async schedule(actor: UserPrincipal): Promise<GcSchedule> {
    requireAdmin(actor);
    const current = await this.scheduler.get(SCHEDULE_KEY);
    const options = (current?.options ?? {}) as ScheduledOptions;
    return {
      cron: current?.cron ?? null,
      nextRunAt: current?.nextRunAt ?? null,
      deleteUntagged: options.deleteUntagged ?? false,
      workers: options.workers ?? this.config.gc.workers,
      graceSeconds: Math.round(this.config.gc.graceMs / 1000),
      uploadMaxAgeSeconds: Math.round(this.config.gc.uploadMaxAgeMs / 1000),
    };
  }

  async setSchedule(actor: UserPrincipal, body: UpdateGcScheduleBody): Promise<GcSchedule> {
    requireAdmin(actor);
    const before = await this.schedule(actor);
    if (body.cron === null) await this.scheduler.remove(SCHEDULE_KEY);
    else await this.scheduler.set(SCHEDULE_KEY, body.cron, { deleteUntagged: body.deleteUntagged, workers: body.workers }, actor.username);
    const after = await this.schedule(actor);
    await this.audit.recordNow({
      ...actorOf(actor),
      action: 'gc.schedule',
      resource: 'gc',
      success: true,
      details: { before: { cron: before.cron, deleteUntagged: before.deleteUntagged }, after: { cron: after.cron, deleteUntagged: after.deleteUntagged } },
    });
    return after;
  }

  /** Stops this process's runs at their next checkpoint and waits for their rows to say so. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.here.keys()].map((id) => this.runs.requestStop(id).catch(() => false)));
    await Promise.allSettled(this.here.values());
  }

  private async launch(options: GcOptions) {
    const started = await this.collector.start(options);
    if (!started) return undefined;
    this.here.set(started.runId, started.done);
    void started.done.finally(() => this.here.delete(started.runId));
    return started;
  }
}

function requireAdmin(actor: UserPrincipal): void {
  if (!actor.isAdmin) throw DomainError.forbidden('only system administrators may run garbage collection');
}
