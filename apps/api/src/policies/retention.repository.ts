import { Injectable } from '@nestjs/common';
import type { RetentionArtifact } from '@berth/oci';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/queryable';
import type { RetentionRule, RetentionRunRepository } from './retention.dto';

export interface RetentionPolicyRow {
  rules: RetentionRule[];
  schedule: string | null;
  updatedAt: Date;
  updatedBy: string | null;
}

export interface RetentionRunRow {
  id: string;
  projectId: string;
  trigger: 'manual' | 'schedule';
  triggeredBy: string | null;
  dryRun: boolean;
  status: 'running' | 'succeeded' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  artifactsDeleted: number;
  tagsDeleted: number;
  bytesFreed: number;
}

export interface RetentionRunDetailRow extends RetentionRunRow {
  repositories: RetentionRunRepository[];
  errors: string[];
}

export interface RunOutcome {
  status: 'succeeded' | 'failed';
  artifactsDeleted: number;
  tagsDeleted: number;
  bytesFreed: number;
  repositories: RetentionRunRepository[];
  errors: string[];
}

/** A run `running` without a heartbeat for this long was lost with its replica: it no longer blocks new runs, and is closed as failed. */
export const ABANDONED_AFTER = '10 minutes';

const RUN_COLUMNS = `id::text AS id, project_id::text AS "projectId", trigger, triggered_by AS "triggeredBy", dry_run AS "dryRun", status,
  started_at AS "startedAt", finished_at AS "finishedAt", artifacts_deleted AS "artifactsDeleted", tags_deleted AS "tagsDeleted",
  bytes_freed::float8 AS "bytesFreed"`;

/** retention_policy and retention_run, and the one read of a repository's artifacts that a run evaluates. */
@Injectable()
export class RetentionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async policy(projectId: string, db: Queryable = this.dataSource): Promise<RetentionPolicyRow | undefined> {
    const rows = await db.query(
      `SELECT rules, schedule, updated_at AS "updatedAt", updated_by AS "updatedBy" FROM retention_policy WHERE project_id = $1`,
      [projectId],
    );
    return rows[0];
  }

  async savePolicy(projectId: string, policy: { rules: RetentionRule[]; schedule: string | null }, updatedBy: string, db: Queryable): Promise<void> {
    await db.query(
      `INSERT INTO retention_policy (project_id, rules, schedule, updated_by, updated_at) VALUES ($1, $2::jsonb, $3, $4, now())
       ON CONFLICT (project_id) DO UPDATE SET rules = EXCLUDED.rules, schedule = EXCLUDED.schedule, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [projectId, JSON.stringify(policy.rules), policy.schedule, updatedBy],
    );
  }

  async projectById(projectId: string, db: Queryable = this.dataSource): Promise<{ id: string; name: string } | undefined> {
    return (await db.query(`SELECT id::text AS id, name FROM project WHERE id = $1`, [projectId]))[0];
  }

  /** The project's repositories in name order (byte order, as the registry's catalog sorts). */
  async repositories(projectName: string, db: Queryable = this.dataSource): Promise<{ id: string; name: string }[]> {
    return db.query(`SELECT id::text AS id, name FROM repository WHERE split_part(name, '/', 1) = $1 ORDER BY name COLLATE "C"`, [projectName]);
  }

  /**
   * Every manifest of a repository as retention judges it, in one query: tags, the latest push of the
   * manifest or any of its tags, the latest pull likewise, the subject and an index's children.
   */
  async artifacts(repositoryId: string, db: Queryable = this.dataSource): Promise<RetentionArtifact[]> {
    return db.query(
      `SELECT m.id::text AS id, m.digest, m.subject_digest AS subject,
              GREATEST(m.pushed_at, t.pushed_at) AS "pushedAt",
              GREATEST(m.last_pulled_at, t.pulled_at) AS "pulledAt",
              COALESCE(t.names, '{}') AS tags,
              ARRAY(SELECT c.child_digest FROM manifest_child c WHERE c.parent_id = m.id ORDER BY c.position) AS children
       FROM manifest m
       LEFT JOIN LATERAL (SELECT array_agg(name ORDER BY name COLLATE "C") AS names, max(pushed_at) AS pushed_at, max(last_pulled_at) AS pulled_at
                          FROM tag WHERE manifest_id = m.id) t ON true
       WHERE m.repository_id = $1
       ORDER BY m.id`,
      [repositoryId],
    );
  }

  /**
   * A new `running` run, unless one of the project's runs is running already (its id then, to name it in a 409).
   * Runs of a project are started one at a time under a transaction-scoped advisory lock, and a run abandoned
   * by a replica that died is closed as failed first.
   */
  async startRun(
    projectId: string,
    run: { trigger: 'manual' | 'schedule'; triggeredBy: string | null; dryRun: boolean },
    db: Queryable,
  ): Promise<{ started: RetentionRunRow } | { running: string }> {
    await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('berth.retention_run:' || $1::text, 0))`, [projectId]);
    await db.query(
      `UPDATE retention_run SET status = 'failed', finished_at = now(), errors = errors || '["abandoned: the server running it stopped"]'::jsonb
       WHERE project_id = $1 AND status = 'running' AND heartbeat_at < now() - interval '${ABANDONED_AFTER}'`,
      [projectId],
    );
    const running = await db.query(`SELECT id::text AS id FROM retention_run WHERE project_id = $1 AND status = 'running' ORDER BY retention_run.id DESC LIMIT 1`, [projectId]);
    if (running.length > 0) return { running: running[0].id };
    const rows = await db.query(
      `INSERT INTO retention_run (project_id, trigger, triggered_by, dry_run, status) VALUES ($1, $2, $3, $4, 'running') RETURNING ${RUN_COLUMNS}`,
      [projectId, run.trigger, run.triggeredBy, run.dryRun],
    );
    return { started: rows[0] };
  }

  /** A running run says it is alive before each repository; one silent for ABANDONED_AFTER was lost with its process. */
  async heartbeat(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE retention_run SET heartbeat_at = now() WHERE id = $1`, [id]);
  }

  async finishRun(id: string, outcome: RunOutcome, db: Queryable = this.dataSource): Promise<void> {
    await db.query(
      `UPDATE retention_run SET status = $2, finished_at = now(), artifacts_deleted = $3, tags_deleted = $4, bytes_freed = $5,
         repositories = $6::jsonb, errors = $7::jsonb
       WHERE id = $1`,
      [id, outcome.status, outcome.artifactsDeleted, outcome.tagsDeleted, outcome.bytesFreed, JSON.stringify(outcome.repositories), JSON.stringify(outcome.errors)],
    );
  }

  async listRuns(projectId: string, offset: number, limit: number): Promise<{ items: RetentionRunRow[]; total: number }> {
    const [items, counted] = await Promise.all([
      this.dataSource.query(`SELECT ${RUN_COLUMNS} FROM retention_run WHERE project_id = $1 ORDER BY retention_run.id DESC LIMIT $2 OFFSET $3`, [projectId, limit, offset]),
      this.dataSource.query(`SELECT count(*)::int AS n FROM retention_run WHERE project_id = $1`, [projectId]),
    ]);
    return { items, total: counted[0].n };
  }

  async findRun(projectId: string, id: string): Promise<RetentionRunDetailRow | undefined> {
    const rows = await this.dataSource.query(`SELECT ${RUN_COLUMNS}, repositories, errors FROM retention_run WHERE project_id = $1 AND id = $2`, [projectId, id]);
    return rows[0];
  }

  /** Runs left `running` by this process (at shutdown, when they could not finish). */
  async failRun(id: string, error: string): Promise<void> {
    await this.dataSource.query(`UPDATE retention_run SET status = 'failed', finished_at = now(), errors = errors || $2::jsonb WHERE id = $1 AND status = 'running'`, [
      id,
      JSON.stringify([error]),
    ]);
  }
}
