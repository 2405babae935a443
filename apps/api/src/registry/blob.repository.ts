import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Queryable, returnedRows } from '../database/queryable';

export interface BlobRow {
  digest: string;
  size: number;
}

/** Content-addressed blobs, and the links that make a blob readable from a repository. */
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
       WHERE r.name = $1 AND rb.digest = $2`,
      [repository, digest],
    );
    return rows[0];
  }

  async findLinkedMany(repositoryId: string, digests: string[], db: Queryable = this.dataSource): Promise<BlobRow[]> {
    if (digests.length === 0) return [];
    return db.query(
      `SELECT b.digest, b.size::float8 AS size
       FROM repository_blob rb JOIN blob b ON b.digest = rb.digest
       WHERE rb.repository_id = $1 AND rb.digest = ANY($2::text[])`,
      [repositoryId, digests],
    );
  }

  /** Records a verified blob and links it; both idempotent so concurrent pushes of one blob both succeed. */
  async recordAndLink(repositoryId: string, blob: BlobRow, db: Queryable = this.dataSource): Promise<void> {
    await db.query('INSERT INTO blob (digest, size) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING', [blob.digest, blob.size]);
    await this.link(repositoryId, blob.digest, db);
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
