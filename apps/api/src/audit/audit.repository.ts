import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { Queryable } from '../database/queryable';

export const ACTOR_KINDS = ['user', 'robot', 'anonymous', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** An event to record (AuditService); what is read back is an AuditRow. */
export interface AuditEvent {
  actor: string;
  actorKind: ActorKind;
  /** Dotted verb: `login`, `push`, `pull`, `tag.delete`, `project.create`, `member.update`, `robot.rotate`, ... */
  action: string;
  /** What it acted on: `team-a/app:1.0`, `project team-a`, `user ann`. */
  resource: string;
  projectId?: string | null;
  /** When the id is not at hand (a registry request): resolved from the name as the row is written. */
  projectName?: string | null;
  address?: string | null;
  success: boolean;
  details?: Record<string, unknown>;
}

/** One recorded event, as the audit log lists it. */
export const AuditRow = z.object({
  id: z.string(),
  at: z.date(),
  /** A username, a robot's full name, or `anonymous`. */
  actor: z.string(),
  actorKind: z.enum(ACTOR_KINDS),
  /** Dotted verb: `login`, `push`, `pull`, `tag.delete`, `project.create`, `member.update`, `robot.rotate`, ... */
  action: z.string(),
  /** What it acted on: `team-a/app:1.0`, `project team-a`, `user ann`. */
  resource: z.string(),
  /** Null for events outside a project, and once the project is deleted. */
  projectId: z.string().nullable(),
  /** The project's name; null as for projectId. */
  project: z.string().nullable(),
  address: z.string().nullable(),
  success: z.boolean(),
  /** Action-specific facts (a failed login's reason, a role change's from and to, a pull count). */
  details: z.record(z.string(), z.unknown()),
});
export type AuditRow = z.output<typeof AuditRow>;

export interface AuditQuery {
  projectId?: string;
  actor?: string;
  action?: string;
  offset: number;
  limit: number;
}

/** The audit log: append-only rows, newest first. */
@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insertMany(events: AuditEvent[], db: Queryable = this.dataSource): Promise<void> {
    if (events.length === 0) return;
    // Ids follow the order events happened in: rows of one batch share their timestamp.
    await db.query(
      `INSERT INTO audit_event (actor, actor_kind, action, resource, project_id, address, success, details)
       SELECT e.actor, e.actor_kind, e.action, e.resource, COALESCE(e.project_id, p.id), e.address, e.success, COALESCE(e.details, '{}'::jsonb)
       FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (actor text, actor_kind text, action text, resource text, project_id bigint, project_name text, address text, success boolean, details jsonb))
            WITH ORDINALITY AS e(actor, actor_kind, action, resource, project_id, project_name, address, success, details, ord)
       LEFT JOIN project p ON p.name = e.project_name
       ORDER BY e.ord`,
      [
        JSON.stringify(
          events.map((e) => ({
            actor: e.actor,
            actor_kind: e.actorKind,
            action: e.action,
            resource: e.resource,
            project_id: e.projectId ?? null,
            project_name: e.projectName ?? null,
            address: e.address ?? null,
            success: e.success,
            details: e.details ?? {},
          })),
        ),
      ],
    );
  }

  /** Events of `action` (with `success`, if given) from `address` and/or by `actor` in the last `windowMs`; an aggregated row counts its count. */
  async countRecent(filter: { action: string; address?: string; actor?: string; success?: boolean; windowMs: number }): Promise<number> {
    const rows = await this.dataSource.query(
      `SELECT COALESCE(sum(COALESCE((a.details->>'count')::int, 1)), 0)::int AS n FROM audit_event a
       WHERE a.at > now() - make_interval(secs => $1::float8 / 1000) AND a.action = $2
         AND ($3::text IS NULL OR a.address = $3) AND ($4::text IS NULL OR a.actor = $4) AND ($5::boolean IS NULL OR a.success = $5)`,
      [filter.windowMs, filter.action, filter.address ?? null, filter.actor ?? null, filter.success ?? null],
    );
    return rows[0].n;
  }

  /** Removes up to `limit` of the oldest rows older than `ageMs`; returns how many went. */
  async deleteOlderThan(ageMs: number, limit: number): Promise<number> {
    const rows = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM audit_event WHERE id IN (
           SELECT id FROM audit_event WHERE at < now() - make_interval(secs => $1::float8 / 1000) ORDER BY at LIMIT $2
         ) RETURNING 1
       ) SELECT count(*)::int AS n FROM gone`,
      [ageMs, limit],
    );
    return rows[0].n;
  }

  async query(q: AuditQuery): Promise<{ items: AuditRow[]; total: number }> {
    const where = `($1::bigint IS NULL OR a.project_id = $1) AND ($2::text IS NULL OR a.actor = $2) AND ($3::text IS NULL OR a.action = $3)`;
    const params = [q.projectId ?? null, q.actor ?? null, q.action ?? null];
    const [items, count] = await Promise.all([
      this.dataSource.query(
        `SELECT a.id::text AS id, a.at, a.actor, a.actor_kind AS "actorKind", a.action, a.resource, a.project_id::text AS "projectId",
                p.name AS project, a.address, a.success, a.details
         FROM audit_event a LEFT JOIN project p ON p.id = a.project_id
         WHERE ${where} ORDER BY a.at DESC, a.id DESC OFFSET $4 LIMIT $5`,
        [...params, q.offset, q.limit],
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM audit_event a WHERE ${where}`, params),
    ]);
    return { items, total: count[0].n };
  }
}
