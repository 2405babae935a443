import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
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
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT r.name FROM repository r
       LEFT JOIN project p ON p.name = split_part(r.name, '/', 1)
       WHERE ($1::text IS NULL OR r.name COLLATE "C" > $1)
         AND EXISTS (SELECT 1 FROM manifest m WHERE m.repository_id = r.id)
         AND ($3::boolean
              OR p.public
              OR EXISTS (SELECT 1 FROM project_member pm WHERE pm.project_id = p.id AND pm.user_id = $4::bigint)
              OR p.id = $5::bigint)
       ORDER BY r.name COLLATE "C" LIMIT $2`,
      [last ?? null, limit, scope.all === true, scope.userId ?? null, scope.projectId ?? null],
    );
    return rows.map((r) => r.name);
  }
}

/** Whose catalog: everything, or what one user (by membership) or one project robot may see. */
export interface CatalogScope {
  all?: boolean;
  userId?: string;
  projectId?: string;
}
