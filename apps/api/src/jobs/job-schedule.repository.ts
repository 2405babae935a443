import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Queryable, returnedRows } from '../database/queryable';

export interface JobScheduleRow {
  key: string;
  cron: string;
  nextRunAt: Date;
  options: unknown;
}

const COLUMNS = `key, cron, next_run_at AS "nextRunAt", options`;

/** job_schedule: one row per scheduled job, claimed by whichever replica locks it first. */
@Injectable()
export class JobScheduleRepository {
  constructor(private readonly dataSource: DataSource) {}

  async upsert(row: JobScheduleRow, actor: string | null, db: Queryable = this.dataSource): Promise<void> {
    await db.query(
      `INSERT INTO job_schedule (key, cron, next_run_at, options, updated_by, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5, now())
       ON CONFLICT (key) DO UPDATE SET cron = EXCLUDED.cron, next_run_at = EXCLUDED.next_run_at, options = EXCLUDED.options,
         updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [row.key, row.cron, row.nextRunAt, JSON.stringify(row.options ?? {}), actor],
    );
  }

  async find(key: string, db: Queryable = this.dataSource): Promise<JobScheduleRow | undefined> {
    return (await db.query(`SELECT ${COLUMNS} FROM job_schedule WHERE key = $1`, [key]))[0];
  }

  async remove(key: string, db: Queryable = this.dataSource): Promise<boolean> {
    return returnedRows(await db.query(`DELETE FROM job_schedule WHERE key = $1 RETURNING key`, [key])).length > 0;
  }

  /**
   * Due rows no other replica holds: each stays locked until `db`'s transaction ends, so two replicas
   * polling at the same moment never claim the same row.
   */
  async lockDue(limit: number, db: Queryable): Promise<JobScheduleRow[]> {
    return db.query(`SELECT ${COLUMNS} FROM job_schedule WHERE next_run_at <= now() ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED`, [limit]);
  }

  async setNextRun(key: string, nextRunAt: Date, db: Queryable): Promise<void> {
    await db.query(`UPDATE job_schedule SET next_run_at = $2 WHERE key = $1`, [key, nextRunAt]);
  }
}
