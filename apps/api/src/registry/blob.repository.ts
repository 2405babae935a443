import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Queryable, returnedRows } from '../database/queryable';

export interface BlobRow {
  digest: string;
  size: number;
}

/**
 * Content-addressed blobs, and the links that make a blob readable from a repository. Only `active`
 * blobs are visible: one garbage collection has marked `deleting` is gone for readers and for manifests
 * (see docs/design/storage-lifecycle.md).
 */
@Injectable()
export class BlobRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The blob as seen from `repository`: undefined unless that repository links it. */
  async findLinked(repository: string, digest: string): Promise<BlobRow | undefined> {
    const rows = await this.dataSource.query(
      `SELECT b.digest, b.size::float8 AS size
       FROM repository_blob rb
       JOIN repository r ON r.id = rb.repository_id
       JOIN blob b ON b.digest = rb.digest
       WHERE r.name = $1 AND rb.digest = $2 AND b.state = 'active'`,
      [repository, digest],
    );
    return rows[0];
  }

  /**
   * The active blobs of `digests` linked to the repository, locked FOR SHARE until the caller's
   * transaction ends: a sweep cannot mark one `deleting` while a manifest referencing it is being stored.
   */
  async lockLinkedMany(repositoryId: string, digests: string[], db: Queryable): Promise<BlobRow[]> {
    if (digests.length === 0) return [];
    return db.query(
      `SELECT b.digest, b.size::float8 AS size
       FROM repository_blob rb JOIN blob b ON b.digest = rb.digest
       WHERE rb.repository_id = $1 AND rb.digest = ANY($2::text[]) AND b.state = 'active'
       ORDER BY b.digest
       FOR SHARE OF b`,
      [repositoryId, digests],
    );
  }

  /**
   * Records a verified blob, or revives one a sweep has marked `deleting` (a new version, so the sweep's
   * version check fails). Waits while a sweep holds the row; returns with the row locked until the
   * caller's transaction ends, so the caller can put the file in place before any sweep looks again.
   */
  async record(blob: BlobRow & { uncompressedSize?: number }, db: Queryable): Promise<void> {
    await db.query(
      `INSERT INTO blob (digest, size, uncompressed_size) VALUES ($1, $2, $3)
       ON CONFLICT (digest) DO UPDATE SET state = 'active', size = EXCLUDED.size, version = blob.version + 1, touched_at = now(),
         uncompressed_size = COALESCE(blob.uncompressed_size, EXCLUDED.uncompressed_size)`,
      [blob.digest, blob.size, blob.uncompressedSize ?? null],
    );
  }

  /** The decompressed sizes known for `digests` (layers an import read, or an export counted). */
  async uncompressedSizes(digests: string[]): Promise<Map<string, number>> {
    if (digests.length === 0) return new Map();
    const rows: { digest: string; size: number }[] = await this.dataSource.query(
      `SELECT digest, uncompressed_size::float8 AS size FROM blob WHERE digest = ANY($1::text[]) AND uncompressed_size IS NOT NULL`,
      [digests],
    );
    return new Map(rows.map((r) => [r.digest, r.size]));
  }

  /** Remembers a layer's decompressed size (a digest's is fixed forever, so the first one written stays). */
  async rememberUncompressedSize(digest: string, size: number): Promise<void> {
    await this.dataSource.query(`UPDATE blob SET uncompressed_size = $2 WHERE digest = $1 AND uncompressed_size IS NULL`, [digest, size]);
  }

  /**
   * For a mount: takes a new version of an active blob (rescuing it from a sweep that marked it before)
   * and locks it; false when it is absent or already `deleting`, and the client must upload it.
   */
  async touchActive(digest: string, db: Queryable): Promise<boolean> {
    const rows = await db.query(
      `UPDATE blob SET version = version + 1, touched_at = now() WHERE digest = $1 AND state = 'active' RETURNING digest`,
      [digest],
    );
    return returnedRows(rows).length > 0;
  }

  /**
   * A push asks HEAD before it skips an upload and references the blob by manifest later: renew the grace
   * window against garbage collection (at most every `everyMs`) of a blob the repository links. A new
   * version, so a sweep that marked the blob before this fails its version check.
   */
  async renew(repository: string, digest: string, everyMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE blob b SET version = b.version + 1, touched_at = now()
       WHERE b.digest = $2 AND b.state = 'active' AND b.touched_at < now() - make_interval(secs => $3)
         AND EXISTS (SELECT 1 FROM repository_blob rb JOIN repository r ON r.id = rb.repository_id WHERE r.name = $1 AND rb.digest = $2)`,
      [repository, digest, everyMs / 1000],
    );
  }

  async link(repositoryId: string, digest: string, db: Queryable = this.dataSource): Promise<void> {
    await db.query('INSERT INTO repository_blob (repository_id, digest) VALUES ($1, $2) ON CONFLICT DO NOTHING', [repositoryId, digest]);
  }

  /** Removes the link only; the bytes stay until garbage collection. */
  async unlink(repository: string, digest: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      `DELETE FROM repository_blob rb USING repository r
       WHERE rb.repository_id = r.id AND r.name = $1 AND rb.digest = $2
       RETURNING rb.digest`,
      [repository, digest],
    );
    return returnedRows(rows).length > 0;
  }
}
