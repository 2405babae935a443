import { Injectable } from '@nestjs/common';
import { OciErrors, projectOf } from '@berth/oci';
import { formatBytes } from '../common/bytes';
import { Queryable } from '../database/queryable';

export interface QuotaRow {
  id: string;
  name: string;
  quota: number | null;
  used: number;
}

/**
 * Storage quotas per project. Usage (`project.used_bytes`) counts each blob once per project and is kept
 * by triggers on manifest references (migrations/1764720000000-storage-lifecycle.ts), so reading it is
 * one row. A blob counts once a manifest references it; an upload is refused early when it alone would
 * go over, and the manifest PUT is the exact gate (under the project's row lock).
 */
@Injectable()
export class ProjectQuota {
  /** At blob upload completion or mount: refuses a blob new to the project that does not fit. */
  async checkBlob(repository: string, digest: string, size: number, db: Queryable): Promise<void> {
    const rows: (QuotaRow & { counted: boolean })[] = await db.query(
      `SELECT p.id::text AS id, p.name, p.quota_bytes::float8 AS quota, p.used_bytes::float8 AS used,
              EXISTS (SELECT 1 FROM project_blob pb WHERE pb.project_id = p.id AND pb.digest = $2) AS counted
       FROM project p WHERE p.name = $1`,
      [projectOf(repository), digest],
    );
    const project = rows[0];
    if (!project || project.quota === null || project.counted) return;
    if (project.used + size > project.quota) throw overQuota(project, size);
  }

  /**
   * At manifest PUT, inside its transaction: the bytes of referenced blobs the project does not hold yet
   * must fit. Locks the project row (only when it has a quota) so that two pushes cannot both take the
   * last bytes; the usage triggers update the same row in this transaction anyway.
   */
  async checkManifest(repository: string, digests: string[], db: Queryable): Promise<void> {
    if (digests.length === 0) return;
    const project = projectOf(repository);
    const quota: { id: string }[] = await db.query(`SELECT id::text AS id FROM project WHERE name = $1 AND quota_bytes IS NOT NULL`, [project]);
    if (quota.length === 0) return;
    // Lock first, then read in a new statement: a statement that waited for the lock would still see the
    // project_blob rows of its start, counting a blob the push it waited for has just added as new again.
    await db.query(`SELECT id FROM project WHERE id = $1 FOR NO KEY UPDATE`, [quota[0].id]);
    const rows: (QuotaRow & { added: number })[] = await db.query(
      `SELECT p.id::text AS id, p.name, p.quota_bytes::float8 AS quota, p.used_bytes::float8 AS used,
              (SELECT COALESCE(sum(b.size), 0)::float8 FROM blob b
               WHERE b.digest = ANY($2::text[])
                 AND NOT EXISTS (SELECT 1 FROM project_blob pb WHERE pb.project_id = p.id AND pb.digest = b.digest)) AS added
       FROM project p WHERE p.id = $1`,
      [quota[0].id, [...new Set(digests)]],
    );
    const row = rows[0];
    if (row && row.quota !== null && row.added > 0 && row.used + row.added > row.quota) throw overQuota(row, row.added);
  }

  /** Whether the repository's project has a quota at all: most have none, and then uploads need no reservation. */
  async hasQuota(repository: string, db: Queryable): Promise<boolean> {
    const rows = await db.query(`SELECT 1 FROM project WHERE name = $1 AND quota_bytes IS NOT NULL`, [projectOf(repository)]);
    return rows.length > 0;
  }

  /**
   * Before bytes are written into an upload session: locks the project row when the project has a quota
   * (so two sessions cannot both be granted its last bytes) and returns its quota and usage; undefined
   * when it has none. The caller adds what open sessions hold, in the same transaction.
   */
  async lockForUpload(repository: string, db: Queryable): Promise<QuotaRow | undefined> {
    const rows: QuotaRow[] = await db.query(
      `SELECT id::text AS id, name, quota_bytes::float8 AS quota, used_bytes::float8 AS used FROM project WHERE name = $1 AND quota_bytes IS NOT NULL FOR NO KEY UPDATE`,
      [projectOf(repository)],
    );
    return rows[0];
  }

  /** The size of `digest` when the repository's project already counts that blob: an upload of it costs the quota nothing. */
  async countedBlobSize(repository: string, digest: string, db: Queryable): Promise<number | undefined> {
    const rows: { size: number }[] = await db.query(
      `SELECT b.size::float8 AS size FROM project p JOIN project_blob pb ON pb.project_id = p.id JOIN blob b ON b.digest = pb.digest
       WHERE p.name = $1 AND pb.digest = $2`,
      [projectOf(repository), digest],
    );
    return rows[0]?.size;
  }

  /** The refusal of an upload that needs `needed` more bytes than its project has left once open sessions are counted. */
  uploadRefused(project: QuotaRow, heldByUploads: number, needed: number): Error {
    const quota = project.quota ?? 0;
    const left = Math.max(0, quota - project.used - heldByUploads);
    if (heldByUploads === 0) return overQuota(project, needed);
    return OciErrors.denied(
      `project ${project.name} is over its storage quota: this push needs ${formatBytes(needed)} more, ${formatBytes(left)} of ${formatBytes(quota)} is left (${formatBytes(heldByUploads)} more is held by uploads in progress)`,
      { project: project.name, quotaBytes: quota, usedBytes: project.used, uploadingBytes: heldByUploads, neededBytes: needed },
    );
  }
}

function overQuota(project: QuotaRow, needed: number): Error {
  const quota = project.quota ?? 0;
  const left = Math.max(0, quota - project.used);
  return OciErrors.denied(
    `project ${project.name} is over its storage quota: this push needs ${formatBytes(needed)} more, ${formatBytes(left)} of ${formatBytes(quota)} is left`,
    { project: project.name, quotaBytes: quota, usedBytes: project.used, neededBytes: needed },
  );
}
