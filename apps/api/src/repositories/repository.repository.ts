import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Queryable, returnedRows } from '../database/queryable';
import type { Viewer } from '../projects/project.repository';
import type { RepositorySort } from './repository.dto';

/** A repository as the console lists it. */
export interface RepositorySummary {
  name: string;
  /** The first 200 characters of the description. */
  excerpt: string;
  /** Manifests stored in the repository (images, indexes and the artifacts attached to them). */
  artifactCount: number;
  tagCount: number;
  pullCount: number;
  pushedAt: Date | null;
}

/** One repository, with its whole description. */
export interface RepositoryView extends RepositorySummary {
  description: string;
}

/** Which repositories a list covers: one project's, or those of every project a viewer may see. */
export type RepositoryScope = { project: string } | { viewer: Viewer };

const SUMMARY_COLUMNS = `r.name, left(r.description, 200) AS excerpt,
  (SELECT count(*)::int FROM manifest m WHERE m.repository_id = r.id) AS "artifactCount",
  (SELECT count(*)::int FROM tag t WHERE t.repository_id = r.id) AS "tagCount",
  r.pull_count::float8 AS "pullCount", r.pushed_at AS "pushedAt"`;

const ORDER: Record<RepositorySort, string> = {
  name: `r.name COLLATE "C"`,
  '-name': `r.name COLLATE "C" DESC`,
  pushed_at: `r.pushed_at ASC NULLS LAST, r.name COLLATE "C"`,
  '-pushed_at': `r.pushed_at DESC NULLS LAST, r.name COLLATE "C"`,
  pulls: `r.pull_count ASC, r.name COLLATE "C"`,
  '-pulls': `r.pull_count DESC, r.name COLLATE "C"`,
};

/** The console's view of registry repositories: listing, descriptions, deletion of the rows. */
@Injectable()
export class RepositoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of the repositories in `scope` that hold at least one manifest (what the registry's catalog
   * lists too), whose name contains `q`: one query for the page, one for the count.
   */
  async list(scope: RepositoryScope, filter: { q?: string; sort: RepositorySort }, offset: number, limit: number): Promise<{ items: RepositorySummary[]; total: number }> {
    let from: string;
    let params: unknown[];
    if ('project' in scope) {
      from = `FROM repository r WHERE starts_with(r.name, $1 || '/')`;
      params = [scope.project];
    } else {
      from = `FROM repository r
              JOIN project p ON p.name = split_part(r.name, '/', 1)
              LEFT JOIN project_member pm ON pm.project_id = p.id AND pm.user_id = $1::bigint
              WHERE ($2 OR p.public OR pm.user_id IS NOT NULL)`;
      params = [scope.viewer.userId, scope.viewer.isAdmin];
    }
    from += ` AND EXISTS (SELECT 1 FROM manifest mf WHERE mf.repository_id = r.id)`;
    if (filter.q) {
      params.push(filter.q.toLowerCase());
      from += ` AND strpos(r.name, $${params.length}) > 0`;
    }
    const n = params.length;
    const [items, counted] = await Promise.all([
      this.dataSource.query(`SELECT ${SUMMARY_COLUMNS} ${from} ORDER BY ${ORDER[filter.sort]} LIMIT $${n + 1} OFFSET $${n + 2}`, [...params, limit, offset]),
      this.dataSource.query(`SELECT count(*)::int AS n ${from}`, params),
    ]);
    return { items, total: counted[0].n };
  }

  async view(name: string): Promise<RepositoryView | undefined> {
    const rows = await this.dataSource.query(`SELECT ${SUMMARY_COLUMNS}, r.description FROM repository r WHERE r.name = $1`, [name]);
    return rows[0];
  }

  /** False when there is no such repository. */
  async updateDescription(name: string, description: string): Promise<boolean> {
    const result = await this.dataSource.query(`UPDATE repository SET description = $2 WHERE name = $1 RETURNING id`, [name, description]);
    return returnedRows(result).length > 0;
  }

  /** Deletes the row (manifests, tags and blob links cascade; the bytes are left for GC); false when there was none. */
  async delete(name: string, db: Queryable): Promise<boolean> {
    const result = await db.query(`DELETE FROM repository WHERE name = $1 RETURNING id`, [name]);
    return returnedRows(result).length > 0;
  }
}
