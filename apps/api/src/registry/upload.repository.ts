import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Queryable, returnedRows } from '../database/queryable';

// Session ids are issued as UUIDs (the column's type); any other id names no session and must not reach the cast.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface UploadRow {
  id: string;
  repositoryName: string;
  createdAt: Date;
}

/** Upload sessions live in the database so any replica, or this one after a restart, can resume them. */
@Injectable()
export class UploadRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(id: string, repositoryName: string): Promise<void> {
    await this.dataSource.query('INSERT INTO upload (id, repository_name) VALUES ($1, $2)', [id, repositoryName]);
  }

  async find(id: string, repositoryName: string): Promise<UploadRow | undefined> {
    if (!UUID.test(id)) return undefined;
    const rows = await this.dataSource.query(
      'SELECT id::text AS id, repository_name AS "repositoryName", created_at AS "createdAt" FROM upload WHERE id = $1 AND repository_name = $2',
      [id, repositoryName],
    );
    return rows[0];
  }

  async touch(id: string): Promise<void> {
    await this.dataSource.query('UPDATE upload SET updated_at = now() WHERE id = $1', [id]);
  }

  /** What the project's other open sessions hold and may still write: they count against its quota. */
  async heldInProject(project: string, exceptId: string, db: Queryable): Promise<number> {
    const rows = await db.query(
      `SELECT COALESCE(sum(size + reserved_bytes), 0)::float8 AS held FROM upload WHERE split_part(repository_name, '/', 1) = $1 AND id <> $2`,
      [project, exceptId],
    );
    return rows[0].held;
  }

  /** The session holds `size` bytes and a request writing into it may add up to `reserved` more. */
  async reserve(id: string, size: number, reserved: number, db: Queryable): Promise<void> {
    await db.query('UPDATE upload SET size = $2, reserved_bytes = $3 WHERE id = $1', [id, size, reserved]);
  }

  /** After a request wrote into the session: its size, no reservation left, and the idle clock restarted. */
  async settle(id: string, size: number): Promise<void> {
    await this.dataSource.query('UPDATE upload SET size = $2, reserved_bytes = 0, updated_at = now() WHERE id = $1', [id, size]);
  }

  async delete(id: string, db: Queryable = this.dataSource): Promise<boolean> {
    const rows = await db.query('DELETE FROM upload WHERE id = $1 RETURNING id', [id]);
    return returnedRows(rows).length > 0;
  }

  async countOpen(): Promise<number> {
    const rows = await this.dataSource.query('SELECT count(*)::int AS n FROM upload');
    return rows[0].n;
  }
}
