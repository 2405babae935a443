import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '../access/permissions';
import { DomainError } from '../common/domain-error';
import { Queryable, returnedRows } from '../database/queryable';
import { uniqueViolation } from '../identity/unique-violation';

/** A project as the console lists it, seen by one caller. */
export interface ProjectView {
  id: string;
  name: string;
  public: boolean;
  description: string;
  /** The caller's role, or null (not a member, or anonymous). */
  role: Role | null;
  /** Repositories under `<name>/` that hold at least one manifest. */
  repositoryCount: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Who is looking: visibility in lists follows AccessService (public, member, or admin). */
export interface Viewer {
  userId: string | null;
  isAdmin: boolean;
}

const VIEW_COLUMNS = `p.id::text AS id, p.name, p.public, p.description, m.role, p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  (SELECT count(*)::int FROM repository r
   WHERE starts_with(r.name, p.name || '/') AND EXISTS (SELECT 1 FROM manifest mf WHERE mf.repository_id = r.id)) AS "repositoryCount"`;

/** Projects (the first path component of repository names) and their repositories' rows. */
@Injectable()
export class ProjectRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(viewer: Viewer, offset: number, limit: number): Promise<{ items: ProjectView[]; total: number }> {
    const from = `FROM project p LEFT JOIN project_member m ON m.project_id = p.id AND m.user_id = $1::bigint
                  WHERE $2 OR p.public OR m.user_id IS NOT NULL`;
    const params = [viewer.userId, viewer.isAdmin];
    const [items, counted] = await Promise.all([
      this.dataSource.query(`SELECT ${VIEW_COLUMNS} ${from} ORDER BY p.name LIMIT $3 OFFSET $4`, [...params, limit, offset]),
      this.dataSource.query(`SELECT count(*)::int AS n ${from}`, params),
    ]);
    return { items, total: counted[0].n };
  }

  async view(projectId: string, userId: string | null): Promise<ProjectView> {
    const rows = await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS} FROM project p LEFT JOIN project_member m ON m.project_id = p.id AND m.user_id = $2::bigint WHERE p.id = $1`,
      [projectId, userId],
    );
    if (!rows[0]) throw DomainError.notFound('project not found');
    return rows[0];
  }

  /** CONFLICT when the name is taken. */
  async insert(project: { name: string; public: boolean; description: string; createdBy: string }, db: Queryable): Promise<string> {
    try {
      const rows = await db.query(`INSERT INTO project (name, public, description, created_by) VALUES ($1, $2, $3, $4) RETURNING id::text AS id`, [
        project.name,
        project.public,
        project.description,
        project.createdBy,
      ]);
      return rows[0].id;
    } catch (err) {
      if (uniqueViolation(err)) throw DomainError.conflict(`a project named "${project.name}" already exists`, { field: 'name' });
      throw err;
    }
  }

  async update(projectId: string, patch: { public?: boolean; description?: string }): Promise<void> {
    const result = await this.dataSource.query(
      `UPDATE project SET public = COALESCE($2, public), description = COALESCE($3, description), updated_at = now() WHERE id = $1 RETURNING id`,
      [projectId, patch.public ?? null, patch.description ?? null],
    );
    if (returnedRows(result).length === 0) throw DomainError.notFound('project not found');
  }

  /** Locks the project row until the transaction ends; NOT_FOUND when it is gone. */
  async lock(projectId: string, db: Queryable): Promise<void> {
    const rows = await db.query('SELECT id FROM project WHERE id = $1 FOR UPDATE', [projectId]);
    if (rows.length === 0) throw DomainError.notFound('project not found');
  }

  async countRepositoriesWithManifests(projectName: string, db: Queryable): Promise<number> {
    const rows = await db.query(
      `SELECT count(*)::int AS n FROM repository r
       WHERE starts_with(r.name, $1 || '/') AND EXISTS (SELECT 1 FROM manifest m WHERE m.repository_id = r.id)`,
      [projectName],
    );
    return rows[0].n;
  }

  /**
   * Deletes the rows of every repository under the project (manifests, tags and blob links cascade; the
   * blobs' bytes are left for garbage collection) and tells the registry's caches when `db` commits.
   */
  async deleteRepositories(projectName: string, db: Queryable): Promise<string[]> {
    const result = await db.query(`DELETE FROM repository WHERE starts_with(name, $1 || '/') RETURNING name`, [projectName]);
    return returnedRows<{ name: string }>(result).map((r) => r.name);
  }

  /** Members and robots go with it (ON DELETE CASCADE); audit events keep their text. */
  async delete(projectId: string, db: Queryable): Promise<void> {
    await db.query('DELETE FROM project WHERE id = $1', [projectId]);
  }
}
