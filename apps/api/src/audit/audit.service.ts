import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Principal, principalName } from '../access/principal';
import { AuditEvent, AuditQuery, AuditRepository, AuditRow } from './audit.repository';

const FLUSH_MS = 2_000;
const MAX_PENDING = 5_000;

/**
 * Records who did what, from where, and whether it worked. Events are buffered and written in one
 * statement every two seconds (and at shutdown), so a pull or a push never waits on the audit log;
 * `recordNow` is for changes whose record must exist when the response is sent (settings, roles).
 */
@Injectable()
export class AuditService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private pending: AuditEvent[] = [];
  /** Pulls are many: one row per actor, resource and flush, with a count. */
  private pulls = new Map<string, AuditEvent & { details: { count: number } }>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly audit: AuditRepository) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  record(event: AuditEvent): void {
    if (this.pending.length >= MAX_PENDING) void this.flush();
    this.pending.push(event);
  }

  recordPull(event: Omit<AuditEvent, 'action' | 'success' | 'details'>): void {
    const key = `${event.actor}\0${event.resource}\0${event.address ?? ''}`;
    const seen = this.pulls.get(key);
    if (seen) seen.details.count += 1;
    else this.pulls.set(key, { ...event, action: 'pull', success: true, details: { count: 1 } });
  }

  async recordNow(event: AuditEvent): Promise<void> {
    await this.audit.insertMany([event]);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(async () => {
        const batch = [...this.pending, ...this.pulls.values()];
        this.pending = [];
        this.pulls = new Map();
        await this.audit.insertMany(batch);
      })
      .catch((err) => this.logger.error({ msg: 'could not write audit events', err }));
    return this.flushing;
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
