import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { offsetOf, Page, Paging } from '../common/paging';
import { returnedRows } from '../database/queryable';
import type { ImportImage, ImportJob, ImportJobSummary, ImportResult, ImportStatus } from './import.dto';

/** What the `plan` column holds for an import: the summary the console shows (the staged plan itself is in storage). */
export interface ImportPlanSummary {
  format: ImportJob['format'];
  compression: ImportJob['compression'];
  images: ImportImage[];
}

export interface ImportProgressFields {
  bytesRead?: number;
  layersDone?: number;
  imagesDone?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const COLUMNS = `j.id::text AS id, p.name AS project, j.status, j.created_by AS "createdBy",
  j.bytes_read::float8 AS "bytesRead", j.bytes_total::float8 AS "bytesTotal",
  j.images_total AS "imagesTotal", j.images_done AS "imagesDone", j.layers_total AS "layersTotal", j.layers_done AS "layersDone",
  j.plan->>'format' AS format, j.plan->>'compression' AS compression, j.error,
  j.created_at AS "createdAt", j.updated_at AS "updatedAt", j.finished_at AS "finishedAt"`;

/** Import jobs (`transfer_job` rows of kind `import`): created when an upload starts, written as it goes. */
@Injectable()
export class ImportJobRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(job: { id: string; projectId: string; createdBy: string; bytesTotal: number | null }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO transfer_job (id, kind, project_id, created_by, status, bytes_total) VALUES ($1, 'import', $2, $3, 'uploading', $4)`,
      [job.id, job.projectId, job.createdBy, job.bytesTotal],
    );
  }

  async find(projectId: string, id: string): Promise<(ImportJob & { plan: ImportPlanSummary | null }) | undefined> {
    if (!UUID.test(id)) return undefined;
    const rows = await this.dataSource.query(
      `SELECT ${COLUMNS}, j.plan, j.result FROM transfer_job j JOIN project p ON p.id = j.project_id
       WHERE j.id = $1 AND j.project_id = $2 AND j.kind = 'import'`,
      [id, projectId],
    );
    const row = rows[0];
    if (!row) return undefined;
    // jsonb keeps keys in its own order; answer them in the schema's.
    const images = ((row.plan?.images ?? []) as ImportImage[]).map((i) => ({
      index: i.index,
      kind: i.kind,
      mediaType: i.mediaType,
      digest: i.digest,
      rewrittenFrom: i.rewrittenFrom,
      sourceNames: i.sourceNames,
      suggestedTag: i.suggestedTag,
      targets: i.targets.map((t) => ({ repository: t.repository, tag: t.tag })),
      platforms: i.platforms,
      size: i.size,
      layers: i.layers,
    }));
    return { ...row, images, result: row.result ?? null };
  }

  /** Newest first. */
  async list(projectId: string, paging: Paging): Promise<Page<ImportJobSummary>> {
    const [items, counted] = await Promise.all([
      this.dataSource.query(
        `SELECT ${COLUMNS} FROM transfer_job j JOIN project p ON p.id = j.project_id
         WHERE j.project_id = $1 AND j.kind = 'import' ORDER BY j.created_at DESC, j.id LIMIT $2 OFFSET $3`,
        [projectId, paging.pageSize, offsetOf(paging)],
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM transfer_job WHERE project_id = $1 AND kind = 'import'`, [projectId]),
    ]);
    return { items, total: counted[0].n, page: paging.page, pageSize: paging.pageSize };
  }

  /** Progress counters; also the heartbeat that tells other replicas the job is alive. Never touches a finished job. */
  async progress(id: string, fields: ImportProgressFields): Promise<void> {
    await this.dataSource.query(
      `UPDATE transfer_job SET bytes_read = COALESCE($2, bytes_read), layers_done = COALESCE($3, layers_done), images_done = COALESCE($4, images_done), updated_at = now()
       WHERE id = $1 AND status NOT IN ('succeeded', 'failed')`,
      [id, fields.bytesRead ?? null, fields.layersDone ?? null, fields.imagesDone ?? null],
    );
  }

  async analyzing(id: string, bytesRead: number): Promise<void> {
    await this.dataSource.query(`UPDATE transfer_job SET status = 'analyzing', bytes_read = $2, updated_at = now() WHERE id = $1 AND status = 'uploading'`, [id, bytesRead]);
  }

  /** The archive is understood: its plan, and either waiting for names or importing. */
  async planned(id: string, status: 'awaiting_names' | 'importing', plan: ImportPlanSummary, totals: { images: number; layers: number }): Promise<void> {
    await this.dataSource.query(
      `UPDATE transfer_job SET status = $2, plan = $3, images_total = $4, layers_total = $5, updated_at = now() WHERE id = $1 AND status = 'analyzing'`,
      [id, status, JSON.stringify(plan), totals.images, totals.layers],
    );
  }

  /** awaiting_names -> importing with the names given; false when the job was not waiting (another request took it). */
  async claimForImport(id: string, plan: ImportPlanSummary): Promise<boolean> {
    const rows = await this.dataSource.query(
      `UPDATE transfer_job SET status = 'importing', plan = $2, updated_at = now() WHERE id = $1 AND status = 'awaiting_names' RETURNING id`,
      [id, JSON.stringify(plan)],
    );
    return returnedRows(rows).length > 0;
  }

  async succeeded(id: string, result: ImportResult, counts: { imagesDone: number; layersDone: number }): Promise<void> {
    await this.dataSource.query(
      `UPDATE transfer_job SET status = 'succeeded', result = $2, images_done = $3, layers_done = $4, updated_at = now(), finished_at = now()
       WHERE id = $1 AND status = 'importing'`,
      [id, JSON.stringify(result), counts.imagesDone, counts.layersDone],
    );
  }

  async failed(id: string, error: string, result: ImportResult | null = null): Promise<void> {
    await this.dataSource.query(
      `UPDATE transfer_job SET status = 'failed', error = $2, result = COALESCE($3, result), updated_at = now(), finished_at = now()
       WHERE id = $1 AND status NOT IN ('succeeded', 'failed')`,
      [id, error.slice(0, 4000), result === null ? null : JSON.stringify(result)],
    );
  }

  /**
   * Fails jobs nobody works on any more: running ones whose process stopped writing progress (it writes at
   * least every few seconds), and ones awaiting names for longer than `awaitingMs`. Returns their ids.
   */
  async failAbandoned(silentMs: number, awaitingMs: number): Promise<{ id: string; status: ImportStatus }[]> {
    const rows = await this.dataSource.query(
      `UPDATE transfer_job j SET status = 'failed', updated_at = now(), finished_at = now(),
         error = CASE WHEN j.status = 'awaiting_names'
           THEN 'no names were given in time; the staged archive was removed'
           ELSE 'the server handling this import stopped before it finished' END
       FROM (SELECT id, status FROM transfer_job
             WHERE kind = 'import' AND ((status IN ('uploading', 'analyzing', 'importing') AND updated_at < now() - make_interval(secs => $1))
                                     OR (status = 'awaiting_names' AND updated_at < now() - make_interval(secs => $2)))
             FOR UPDATE SKIP LOCKED) old
       WHERE j.id = old.id
       RETURNING j.id::text AS id, old.status`,
      [silentMs / 1000, awaitingMs / 1000],
    );
    return returnedRows(rows);
  }
}
