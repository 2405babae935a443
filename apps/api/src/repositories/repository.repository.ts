import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProjectViewer, visibleProject } from '../access/visibility';
import { Queryable, returnedRows } from '../database/queryable';
import type { Badge, RepositorySort, RepositorySummary, RepositoryView } from './repository.dto';

/** Which repositories a list covers: one project's, or those of every project a viewer may see. */
export type RepositoryScope = { project: string } | { viewer: ProjectViewer };

export interface RepositoryFilter {
  q?: string;
  sort: RepositorySort;
  badge?: Badge;
  /** Only the repositories this user has starred. */
  starredBy?: string;
}

/**
 * The summary of each row of `r`, a page of repositories already cut (see `list`), with `d` its
 * repository row for the description: the counts are computed for the page's rows only. `caller` is the
 * placeholder of the caller's user id (null for anonymous callers).
 */
function summaryColumns(caller: string): string {
  return `r.name, left(d.description, 200) AS excerpt,
  COALESCE(r.badge, r.project_badge) AS badge, r.badge AS "ownBadge", r.star_count AS "starCount",
  EXISTS (SELECT 1 FROM repository_star s WHERE s.repository_id = r.id AND s.user_id = ${caller}::bigint) AS starred,
  (SELECT count(*)::int FROM manifest m WHERE m.repository_id = r.id) AS "artifactCount",
  (SELECT count(*)::int FROM tag t WHERE t.repository_id = r.id) AS "tagCount",
  r.pull_count::float8 AS "pullCount", r.pushed_at AS "pushedAt"`;
}

/** What a page carries from the scan to summaryColumns: narrow, so that sorting every match stays in memory. */
const ROW_COLUMNS = `r.id, r.name, r.badge, p.badge AS project_badge, r.star_count, r.pull_count, r.pushed_at`;

const BY_NAME = `r.name COLLATE "C"`;
const ORDER: Record<RepositorySort, string> = {
  name: BY_NAME,
  '-name': `${BY_NAME} DESC`,
  pushed_at: `r.pushed_at ASC NULLS LAST, ${BY_NAME}`,
  '-pushed_at': `r.pushed_at DESC NULLS LAST, ${BY_NAME}`,
  updated: `r.pushed_at ASC NULLS LAST, ${BY_NAME}`,
  '-updated': `r.pushed_at DESC NULLS LAST, ${BY_NAME}`,
  pulls: `r.pull_count ASC, ${BY_NAME}`,
  '-pulls': `r.pull_count DESC, ${BY_NAME}`,
  stars: `r.star_count ASC, ${BY_NAME}`,
  '-stars': `r.star_count DESC, ${BY_NAME}`,
};

/**
 * Bytes of the distinct blobs the manifests of `r` reference, and of those referenced by no manifest of
 * another repository (what deleting `r` would let garbage collection free).
 */
const USAGE = `LATERAL (
  SELECT COALESCE(sum(b.size), 0)::float8 AS "storageBytes",
         COALESCE(sum(b.size) FILTER (WHERE NOT EXISTS (
           SELECT 1 FROM manifest_blob ob JOIN manifest om ON om.id = ob.manifest_id
           WHERE ob.digest = used.digest AND om.repository_id <> r.id)), 0)::float8 AS "freeableBytes"
  FROM (SELECT DISTINCT mb.digest FROM manifest m JOIN manifest_blob mb ON mb.manifest_id = m.id WHERE m.repository_id = r.id) used
  JOIN blob b ON b.digest = used.digest
) usage`;

/** The console's view of registry repositories: listing, descriptions, badges, stars, deletion of the rows. */
@Injectable()
export class RepositoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of the repositories in `scope` that hold at least one manifest (what the registry's catalog
   * lists too) and pass `filter`, seen by `userId` (stars): one query whatever the page size (two for a
   * page past the end).
   */
  async list(scope: RepositoryScope, filter: RepositoryFilter, userId: string | null, offset: number, limit: number): Promise<{ items: RepositorySummary[]; total: number }> {
    const params: unknown[] = [];
    const where = ['EXISTS (SELECT 1 FROM manifest mf WHERE mf.repository_id = r.id)'];
    if ('project' in scope) {
      params.push(scope.project);
      // Said of the project and of the repository's first name component, so the expression index is used.
      where.push(`p.name = $${params.length}`, `split_part(r.name, '/', 1) = $${params.length}`);
    } else {
      const visible = visibleProject('p', scope.viewer, params.length + 1);
      params.push(...visible.params);
      where.push(visible.sql);
    }
    if (filter.q) {
      params.push(filter.q.toLowerCase());
      where.push(`strpos(r.name, $${params.length}) > 0`);
    }
    if (filter.badge) {
      params.push(filter.badge);
      where.push(`COALESCE(r.badge, p.badge) = $${params.length}`);
    }
    if (filter.starredBy) {
      params.push(filter.starredBy);
      where.push(`r.id IN (SELECT st.repository_id FROM repository_star st WHERE st.user_id = $${params.length}::bigint)`);
    }
    const from = `FROM repository r JOIN project p ON p.name = split_part(r.name, '/', 1) WHERE ${where.join(' AND ')}`;
    const n = params.length;
    const order = ORDER[filter.sort];
    // The total rides on the page's rows (one scan, not two); only a page past the end needs a second query.
    const rows: (RepositorySummary & { total: number })[] = await this.dataSource.query(
      `SELECT ${summaryColumns(`$${n + 3}`)}, r.total
       FROM (SELECT ${ROW_COLUMNS}, count(*) OVER ()::int AS total ${from} ORDER BY ${order} LIMIT $${n + 1} OFFSET $${n + 2}) r
       JOIN repository d ON d.id = r.id
       ORDER BY ${order}`,
      [...params, limit, offset, userId],
    );
    if (rows.length > 0 || offset === 0) return { items: rows.map(({ total: _, ...item }) => item), total: rows[0]?.total ?? 0 };
    const counted = await this.dataSource.query(`SELECT count(*)::int AS n ${from}`, params);
    return { items: [], total: counted[0].n };
  }

  async view(name: string, userId: string | null): Promise<RepositoryView | undefined> {
    const rows = await this.dataSource.query(
      `SELECT ${summaryColumns('$1')}, d.description, usage."storageBytes", usage."freeableBytes"
       FROM (SELECT ${ROW_COLUMNS} FROM repository r JOIN project p ON p.name = split_part(r.name, '/', 1) WHERE r.name = $2) r
       JOIN repository d ON d.id = r.id
       CROSS JOIN ${USAGE}`,
      [userId, name],
    );
    return rows[0];
  }

  /**
   * Sets what `patch` holds (undefined: unchanged) in one statement; answers the badge the repository had
   * before, or undefined when there is no such repository.
   */
  async update(name: string, patch: { description?: string; badge?: Badge | null }): Promise<{ previousBadge: Badge | null } | undefined> {
    const result = await this.dataSource.query(
      `UPDATE repository r SET description = COALESCE($2, r.description), badge = CASE WHEN $3 THEN $4 ELSE r.badge END
       FROM (SELECT id, badge FROM repository WHERE name = $1 FOR UPDATE) old
       WHERE r.id = old.id
       RETURNING old.badge AS "previousBadge"`,
      [name, patch.description ?? null, patch.badge !== undefined, patch.badge ?? null],
    );
    return returnedRows<{ previousBadge: Badge | null }>(result)[0];
  }

  /** Deletes the row (manifests, tags, stars and blob links cascade; the bytes are left for GC); false when there was none. */
  async delete(name: string, db: Queryable): Promise<boolean> {
    const result = await db.query(`DELETE FROM repository WHERE name = $1 RETURNING id`, [name]);
    return returnedRows(result).length > 0;
  }

  /**
   * Stars (or unstars) the repository for the user and moves `star_count` by the rows that changed, so
   * repeating either is a no-op; false when there is no such repository.
   */
  async setStar(name: string, userId: string, starred: boolean, db: Queryable): Promise<boolean> {
    const rows = await db.query(`SELECT id::text AS id FROM repository WHERE name = $1`, [name]);
    if (!rows[0]) return false;
    const repositoryId: string = rows[0].id;
    const changed = starred
      ? await db.query(`INSERT INTO repository_star (repository_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING user_id`, [repositoryId, userId])
      : await db.query(`DELETE FROM repository_star WHERE repository_id = $1 AND user_id = $2 RETURNING user_id`, [repositoryId, userId]);
    const delta = returnedRows(changed).length * (starred ? 1 : -1);
    if (delta !== 0) await db.query(`UPDATE repository SET star_count = star_count + $2 WHERE id = $1`, [repositoryId, delta]);
    return true;
  }
}
