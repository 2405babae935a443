import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ROLES } from '../access/permissions';
import { ProjectViewer, visibleProject } from '../access/visibility';
import { DomainError } from '../common/domain-error';
import { Queryable, returnedRows } from '../database/queryable';
import { uniqueViolation } from '../identity/unique-violation';
import type { Badge } from '../repositories/repository.dto';
import type { ProjectDetail, ProjectSort, ProjectView } from './project.dto';

export interface ProjectFilter {
  q?: string;
  badge?: Badge;
  public?: boolean;
  sort: ProjectSort;
}

/** A project as the console lists it. */
export type ProjectRow = ProjectView;

/** What is in a project and who works on it, but its repository count, which the row has. */
export type ProjectContents = Omit<ProjectDetail['summary'], 'repositoryCount'>;

/** Repositories of project `p` that hold at least one manifest (what the registry's catalog lists). */
const REPOSITORY_COUNT = `(SELECT count(*)::int FROM repository r
  WHERE split_part(r.name, '/', 1) = p.name AND EXISTS (SELECT 1 FROM manifest mf WHERE mf.repository_id = r.id))`;

/** What ROW_COLUMNS reads from a project `p`. */
const PROJECT_COLUMNS = `p.id, p.name, p.public, p.description, p.badge, p.quota_bytes, p.used_bytes, p.created_at, p.updated_at`;

/** A ProjectRow from `p`, a project (PROJECT_COLUMNS) with the caller's `role` beside it. */
const ROW_COLUMNS = `p.id::text AS id, p.name, p.public, p.description, p.badge, p.role,
  ${REPOSITORY_COUNT} AS "repositoryCount", p.quota_bytes::float8 AS "quotaBytes", p.used_bytes::float8 AS "storageBytes",
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

/** `p` for one project ($1 its id) with the role of $2 in it. */
const ONE_PROJECT = `(SELECT ${PROJECT_COLUMNS}, m.role FROM project p LEFT JOIN project_member m ON m.project_id = p.id AND m.user_id = $2::bigint WHERE p.id = $1) p`;

const BY_NAME = `p.name COLLATE "C"`;
/** Over `p` (project). */
const ORDER: Record<ProjectSort, string> = {
  name: BY_NAME,
  '-name': `${BY_NAME} DESC`,
  created_at: `p.created_at, ${BY_NAME}`,
  '-created_at': `p.created_at DESC, ${BY_NAME}`,
  repositories: `${REPOSITORY_COUNT}, ${BY_NAME}`,
  '-repositories': `${REPOSITORY_COUNT} DESC, ${BY_NAME}`,
  storage: `p.used_bytes, ${BY_NAME}`,
  '-storage': `p.used_bytes DESC, ${BY_NAME}`,
};

/** Projects (the first path component of repository names) and their repositories' rows. */
@Injectable()
export class ProjectRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of the projects `viewer` may see that pass `filter`, with `userId`'s role in each: one query
   * for the page (repository counts for its rows only, unless sorting by them), one for the count.
   * Storage is `used_bytes`, kept by triggers as manifests come and go.
   */
  async list(viewer: ProjectViewer, userId: string | null, filter: ProjectFilter, offset: number, limit: number): Promise<{ items: ProjectRow[]; total: number }> {
    const { where, params } = matching(viewer, filter);
    const n = params.length;
    const [items, total] = await Promise.all([
      this.dataSource.query(
        `SELECT ${ROW_COLUMNS}
         FROM (SELECT ${PROJECT_COLUMNS}, m.role, row_number() OVER (ORDER BY ${ORDER[filter.sort]}) AS ord
               FROM project p LEFT JOIN project_member m ON m.project_id = p.id AND m.user_id = $${n + 3}::bigint
               WHERE ${where} ORDER BY ord LIMIT $${n + 1} OFFSET $${n + 2}) p
         ORDER BY p.ord`,
        [...params, limit, offset, userId],
      ),
      this.count(where, params),
    ]);
    return { items, total };
  }

  private async count(where: string, params: unknown[]): Promise<number> {
    const rows = await this.dataSource.query(`SELECT count(*)::int AS n FROM project p WHERE ${where}`, params);
    return rows[0].n;
  }

  /** The project as `userId` sees it in lists. */
  async view(projectId: string, userId: string | null): Promise<ProjectRow> {
    const rows = await this.dataSource.query(`SELECT ${ROW_COLUMNS} FROM ${ONE_PROJECT}`, [projectId, userId]);
    if (!rows[0]) throw DomainError.notFound('project not found');
    return rows[0];
  }

  /** One query: the list row, and what is in the project and who works on it. */
  async detail(projectId: string, userId: string | null): Promise<{ row: ProjectRow; contents: ProjectContents }> {
    const rows = await this.dataSource.query(
      `SELECT ${ROW_COLUMNS},
         (SELECT count(*)::int FROM repository r JOIN manifest mf ON mf.repository_id = r.id WHERE split_part(r.name, '/', 1) = p.name) AS "artifactCount",
         (SELECT count(*)::int FROM repository r JOIN tag t ON t.repository_id = r.id WHERE split_part(r.name, '/', 1) = p.name) AS "tagCount",
         (SELECT COALESCE(jsonb_object_agg(role, n), '{}') FROM (SELECT role, count(*)::int AS n FROM project_member WHERE project_id = p.id GROUP BY role) x) AS "membersByRole",
         (SELECT count(*)::int FROM robot WHERE project_id = p.id) AS "robotCount"
       FROM ${ONE_PROJECT}`,
      [projectId, userId],
    );
    if (!rows[0]) throw DomainError.notFound('project not found');
    const { artifactCount, tagCount, membersByRole, robotCount, ...row } = rows[0];
    const byRole = Object.fromEntries(ROLES.map((role) => [role, membersByRole[role] ?? 0])) as ProjectContents['membersByRole'];
    return { row, contents: { artifactCount, tagCount, membersByRole: byRole, robotCount } };
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

  /** Changes the fields present in `patch`; for quota and badge, null is a value (unlimited, no badge). */
  async update(projectId: string, patch: { public?: boolean; description?: string; quotaBytes?: number | null; badge?: Badge | null }): Promise<void> {
    const columns = { public: patch.public, description: patch.description, quota_bytes: patch.quotaBytes, badge: patch.badge };
    const params: unknown[] = [projectId];
    const sets = ['updated_at = now()'];
    for (const [column, value] of Object.entries(columns)) {
      if (value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    const result = await this.dataSource.query(`UPDATE project SET ${sets.join(', ')} WHERE id = $1 RETURNING id`, params);
    if (returnedRows(result).length === 0) throw DomainError.notFound('project not found');
  }

  /**
   * Locks the project's repositories (in name order) and then the project: the order every push and
   * delete takes them in (repository, then the project's usage row), so a project delete queues behind
   * them instead of deadlocking, and sees every tag they committed. NOT_FOUND when the project is gone.
   */
  async lock(projectId: string, db: Queryable): Promise<void> {
    await db.query(
      `SELECT r.id FROM repository r JOIN project p ON split_part(r.name, '/', 1) = p.name WHERE p.id = $1 ORDER BY r.name COLLATE "C" FOR UPDATE OF r`,
      [projectId],
    );
    const rows = await db.query('SELECT id FROM project WHERE id = $1 FOR UPDATE', [projectId]);
    if (rows.length === 0) throw DomainError.notFound('project not found');
  }

  async countRepositoriesWithManifests(projectName: string, db: Queryable): Promise<number> {
    const rows = await db.query(
      `SELECT count(*)::int AS n FROM repository r
       WHERE split_part(r.name, '/', 1) = $1 AND EXISTS (SELECT 1 FROM manifest m WHERE m.repository_id = r.id)`,
      [projectName],
    );
    return rows[0].n;
  }

  /**
   * Deletes the rows of every repository under the project (manifests, tags and blob links cascade; the
   * blobs' bytes are left for garbage collection) and tells the registry's caches when `db` commits.
   */
  async deleteRepositories(projectName: string, db: Queryable): Promise<string[]> {
    const result = await db.query(`DELETE FROM repository WHERE split_part(name, '/', 1) = $1 RETURNING name`, [projectName]);
    return returnedRows<{ name: string }>(result).map((r) => r.name);
  }

  /** Members and robots go with it (ON DELETE CASCADE); audit events keep their text. */
  async delete(projectId: string, db: Queryable): Promise<void> {
    await db.query('DELETE FROM project WHERE id = $1', [projectId]);
  }
}

/** "`p` is visible to `viewer` and passes `filter`", with its parameters numbered from $1. */
function matching(viewer: ProjectViewer, filter: ProjectFilter): { where: string; params: unknown[] } {
  const visible = visibleProject('p', viewer, 1);
  const params = [...visible.params];
  const where = [visible.sql];
  if (filter.q) {
    params.push(filter.q.toLowerCase());
    where.push(`strpos(lower(p.name), $${params.length}) > 0`);
  }
  if (filter.badge) {
    params.push(filter.badge);
    where.push(`p.badge = $${params.length}`);
  }
  if (filter.public !== undefined) {
    params.push(filter.public);
    where.push(`p.public = $${params.length}`);
  }
  return { where: where.join(' AND '), params };
}
