import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { Principal, principalName } from '../access/principal';
import { BERTH_CONFIG } from '../config/config';
import { AuditEvent, AuditQuery, AuditRepository, AuditRow } from './audit.repository';

const FLUSH_MS = 2_000;
const MAX_PENDING = 5_000;
/** Repeats of one failure (a guessed password, a refused push) within a minute are one row with a count. */
export const FAILURE_AGGREGATION_MS = 60_000;
/** A registry client logs in before every pull: its successful logins are recorded once an hour per address. */
export const ROUTINE_LOGIN_MS = 60 * 60_000;
/** Bound on the keys remembered for aggregation and routine logins: a flood of distinct keys cannot grow memory. */
const MAX_KEYS = 10_000;
/** Retention pruning: hourly, in slices, so a first prune of a large table does not hold one long transaction. */
const PRUNE_EVERY_MS = 60 * 60_000;

interface Aggregate {
  event: AuditEvent & { details: Record<string, unknown> & { count: number } };
  closesAt: number;
}

/**
 * Records who did what, from where, and whether it worked. Events are buffered and written in one
 * statement every two seconds (and at shutdown), so a pull or a push never waits on the audit log;
 * `recordNow` is for changes whose record must exist when the response is sent (settings, roles).
 * Events that repeat (pulls, failed logins, refused pushes) are aggregated into one row with a count,
 * and routine successful registry logins are recorded once an hour per actor and address, so a pull
 * loop or a password-guessing bot cannot flood the log. Rows older than the retention are pruned.
 */
@Injectable()
export class AuditService implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private pending: AuditEvent[] = [];
  private aggregates = new Map<string, Aggregate>();
  /** Routine events already recorded: key -> until when repeats are skipped. */
  private readonly routine = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private overflowFlush?: Promise<void>;
  private readonly retentionMs: number;

  constructor(
    private readonly audit: AuditRepository,
    @Optional() @Inject(BERTH_CONFIG) config?: { auditRetentionDays?: number },
  ) {
    this.retentionMs = (config?.auditRetentionDays ?? 0) * 24 * 60 * 60_000;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(false), FLUSH_MS);
    this.timer.unref();
  }

  onApplicationBootstrap(): void {
    if (this.retentionMs <= 0) return;
    void this.prune();
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
    await this.flush();
  }

  record(event: AuditEvent): void {
    if (this.pending.length >= MAX_PENDING) void this.flush(false);
    this.pending.push(event);
  }

  /**
   * One row per actor, action, resource, address, outcome and details for every `windowMs` (0: every
   * flush), with `details.count` saying how many times it happened.
   */
  recordAggregated(event: AuditEvent, windowMs: number): void {
    const key = JSON.stringify([event.actor, event.actorKind, event.action, event.resource, event.address ?? '', event.success, event.details ?? {}]);
    const seen = this.aggregates.get(key);
    if (seen) {
      seen.event.details.count += 1;
      return;
    }
    if (this.aggregates.size >= MAX_KEYS && !this.overflowFlush) {
      // Written out early rather than grown: one flush at a time, however fast the flood.
      this.overflowFlush = this.flush().finally(() => (this.overflowFlush = undefined));
    }
    this.aggregates.set(key, { event: { ...event, details: { ...event.details, count: 1 } }, closesAt: Date.now() + windowMs });
  }

  recordPull(event: Omit<AuditEvent, 'action' | 'success' | 'details'>): void {
    this.recordAggregated({ ...event, action: 'pull', success: true }, 0);
  }

  /** A failure that may repeat many times a minute (guessed credentials, refused pushes): aggregated per minute. */
  recordFailure(event: Omit<AuditEvent, 'success'>): void {
    this.recordAggregated({ ...event, success: false }, FAILURE_AGGREGATION_MS);
  }

  /** Recorded the first time per actor, action, resource and address in `windowMs`; repeats meanwhile are not. */
  recordRoutine(event: AuditEvent, windowMs = ROUTINE_LOGIN_MS): void {
    const now = Date.now();
    const key = JSON.stringify([event.actor, event.action, event.resource, event.address ?? '']);
    if ((this.routine.get(key) ?? 0) > now) return;
    if (this.routine.size >= MAX_KEYS) for (const [k, until] of this.routine) if (until <= now) this.routine.delete(k);
    if (this.routine.size >= MAX_KEYS) this.routine.delete(this.routine.keys().next().value as string);
    this.routine.set(key, now + windowMs);
    this.record(event);
  }

  async recordNow(event: AuditEvent): Promise<void> {
    await this.audit.insertMany([event]);
  }

  /** Writes what is buffered; aggregates whose window is still open stay, unless `all` (shutdown, a reader). */
  flush(all = true): Promise<void> {
    this.flushing = this.flushing
      .then(async () => {
        const now = Date.now();
        const closed: AuditEvent[] = [];
        for (const [key, aggregate] of this.aggregates) {
          if (all || aggregate.closesAt <= now) {
            closed.push(aggregate.event);
            this.aggregates.delete(key);
          }
        }
        const batch = [...this.pending, ...closed];
        this.pending = [];
        await this.audit.insertMany(batch);
      })
      .catch((err) => this.logger.error({ msg: 'could not write audit events', err }));
    return this.flushing;
  }

  /**
   * How many failed `action` events from `address` (or by `actor`) in the last `windowMs`, as written:
   * for throttles that leave a trail, whose events are therefore written with recordNow. No flush here,
   * or calling such an endpoint would close every open aggregate and defeat the aggregation.
   */
  async recentFailures(filter: { action: string; address?: string; actor?: string; windowMs: number }): Promise<number> {
    return this.audit.countRecent({ ...filter, success: false });
  }

  /** The same, successes included. */
  async recentEvents(filter: { action: string; address?: string; actor?: string; windowMs: number }): Promise<number> {
    return this.audit.countRecent(filter);
  }

  /** Deletes rows older than the retention (BERTH_AUDIT_RETENTION_DAYS); returns how many. */
  async prune(): Promise<number> {
    if (this.retentionMs <= 0) return 0;
    try {
      let total = 0;
      for (;;) {
        const n = await this.audit.deleteOlderThan(this.retentionMs, 10_000);
        total += n;
        if (n < 10_000) break;
      }
      if (total > 0) this.logger.log({ msg: 'pruned audit events past the retention', count: total });
      return total;
    } catch (err) {
      this.logger.error({ msg: 'could not prune the audit log', err });
      return 0;
    }
  }

  async query(q: AuditQuery): Promise<{ items: AuditRow[]; total: number }> {
    await this.flush();
    return this.audit.query(q);
  }
}

/** The actor fields of an event from the principal that acted. */
export function actorOf(principal: Principal): Pick<AuditEvent, 'actor' | 'actorKind'> {
  return { actor: principal.kind === 'anonymous' ? 'anonymous' : principalName(principal), actorKind: principal.kind };
}
