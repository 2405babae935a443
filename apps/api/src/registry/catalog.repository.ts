import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProjectViewer, visibleProject } from '../access/visibility';
import { Queryable } from '../database/queryable';

export interface RepositoryRow {
  id: string;
  name: string;
}

/** Registry repositories (image names): created on first push, listed by the catalog. */
@Injectable()
export class CatalogRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByName(name: string, db: Queryable = this.dataSource): Promise<RepositoryRow | undefined> {
    const rows = await db.query('SELECT id::text AS id, name FROM repository WHERE name = $1', [name]);
    return rows[0];
  }

  /** Locks the repository's row until the transaction ends (what `ensure` does for pushes); nothing when there is none. */
  async lockByName(name: string, db: Queryable): Promise<void> {
    await db.query('SELECT id FROM repository WHERE name = $1 FOR UPDATE', [name]);
  }

  /** Creates the repository on first use; concurrent first pushes agree on one row. */
  async ensure(name: string, db: Queryable = this.dataSource): Promise<RepositoryRow> {
    const rows = await db.query(
      `INSERT INTO repository (name) VALUES ($1)
       ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
       RETURNING id::text AS id, name`,
      [name],
    );
    return rows[0];
  }

  async markPushed(id: string, db: Queryable = this.dataSource): Promise<void> {
    await db.query('UPDATE repository SET pushed_at = now() WHERE id = $1', [id]);
  }

  /**
   * Repositories that hold at least one manifest and that the caller may see (public projects, projects
   * it is a member of or a robot of, everything for admins), in byte order, after `last`.
   */
  async listNames(limit: number, last: string | undefined, scope: CatalogScope): Promise<string[]> {
    const visible = visibleProject('p', scope, 3);
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT r.name FROM repository r
       LEFT JOIN project p ON p.name = split_part(r.name, '/', 1)
       WHERE ($1::text IS NULL OR r.name COLLATE "C" > $1)
         AND EXISTS (SELECT 1 FROM manifest m WHERE m.repository_id = r.id)
         AND ${visible.sql}
       ORDER BY r.name COLLATE "C" LIMIT $2`,
      [last ?? null, limit, ...visible.params],
    );
    return rows.map((r) => r.name);
  }
}

/** Whose catalog: everything, or what one user (by membership) or one project robot may see. */
export type CatalogScope = ProjectViewer;
