import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { offsetOf, Page, Paging } from '../common/paging';
import { returnedRows } from '../database/queryable';
import type { GcRunDetail, GcRunView } from './gc.dto';

// `id` is selected as text: ORDER BY must name gc_run.id, or it sorts by the text alias ('9' after '10').
const COLUMNS = `id::text AS id, trigger, triggered_by AS "triggeredBy", dry_run AS "dryRun", delete_untagged AS "deleteUntagged", workers,
  status, phase, done::float8 AS done, total::float8 AS total, bytes_freed::float8 AS "bytesFreed", blobs_deleted AS "blobsDeleted",
  manifests_deleted AS "manifestsDeleted", uploads_deleted AS "uploadsDeleted", orphans_deleted AS "orphansDeleted", rescued,
  stop_requested AS "stopRequested", error, started_at AS "startedAt", finished_at AS "finishedAt",
  CASE WHEN finished_at IS NULL THEN NULL ELSE (extract(epoch FROM finished_at - started_at) * 1000)::int END AS "durationMs"`;

/** The history of garbage collection runs, as the console reads it (the collector writes the rows). */
@Injectable()
export class GcRunRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(paging: Paging): Promise<Page<GcRunView>> {
    const [items, counted] = await Promise.all([
      this.dataSource.query(`SELECT ${COLUMNS} FROM gc_run ORDER BY gc_run.id DESC LIMIT $1 OFFSET $2`, [paging.pageSize, offsetOf(paging)]),
      this.dataSource.query(`SELECT count(*)::int AS n FROM gc_run`),
    ]);
    return { items, total: counted[0].n, page: paging.page, pageSize: paging.pageSize };
  }

  async find(id: string): Promise<GcRunDetail | undefined> {
    if (!/^[0-9]{1,18}$/.test(id)) return undefined;
    const rows = await this.dataSource.query(`SELECT ${COLUMNS}, log FROM gc_run WHERE id = $1`, [id]);
    return rows[0];
  }

  async running(): Promise<GcRunView | undefined> {
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM gc_run WHERE status = 'running' ORDER BY gc_run.id DESC LIMIT 1`);
    return rows[0];
  }

  /** Sets the flag the collector reads back at its next progress write (on whichever replica runs it). */
  async requestStop(id: string): Promise<boolean> {
    if (!/^[0-9]{1,18}$/.test(id)) return false;
    const rows = await this.dataSource.query(`UPDATE gc_run SET stop_requested = true WHERE id = $1 AND status = 'running' RETURNING id`, [id]);
    return returnedRows(rows).length > 0;
  }
}
