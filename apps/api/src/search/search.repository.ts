import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProjectViewer, visibleProject } from '../access/visibility';
import type { Badge } from '../repositories/repository.dto';
import type { SearchHit, SearchKind } from './search.dto';

/** 0 when one of `names` is `q`, 1 when one starts with it, else 2 (it is contained in one). */
function rankOf(names: string[], q: string): string {
  return `CASE WHEN ${q} IN (${names.join(', ')}) THEN 0 WHEN ${names.map((n) => `starts_with(${n}, ${q})`).join(' OR ')} THEN 1 ELSE 2 END`;
}

/**
 * Each kind's matches as sort keys (rank, kind, name, then the tag) and the ids their details are read
 * from. `v` is the visible projects, `vr` their repositories, `$1` the lower-cased query. A repository is
 * matched on its whole name and ranked on that, on its path in the project and on its last component
 * (searching `api` finds `team/app/api` exactly). Tags carry their repository's name and their own apart
 * (no string is built per matching tag); tag names are matched without regard to case, with `LIKE $pattern`
 * (`%q%`, escaped; numbered when the branch is used) so that the trigram index on lower(name) answers it where pg_trgm is installed.
 */
const BRANCHES: Record<SearchKind, string> = {
  project: `
    SELECT ${rankOf(['v.name'], '$1')} AS rank, 0 AS kind, v.name, ''::text AS tag, v.id AS project_id, NULL::bigint AS repository_id, NULL::bigint AS tag_id
    FROM v WHERE strpos(v.name, $1) > 0`,
  repository: `
    SELECT ${rankOf(['vr.name', 'substr(vr.name, vr.path_start)', `split_part(vr.name, '/', -1)`], '$1')} AS rank, 1 AS kind, vr.name, ''::text AS tag,
      vr.project_id, vr.id AS repository_id, NULL::bigint AS tag_id
    FROM vr WHERE strpos(vr.name, $1) > 0 AND EXISTS (SELECT 1 FROM manifest m WHERE m.repository_id = vr.id)`,
  tag: `
    SELECT ${rankOf(['lower(t.name)'], '$1')} AS rank, 2 AS kind, vr.name, t.name AS tag, vr.project_id, vr.id AS repository_id, t.id AS tag_id
    FROM tag t JOIN vr ON vr.id = t.repository_id
    WHERE lower(t.name) LIKE $pattern ESCAPE '\\'`,
};

const KINDS: SearchKind[] = ['project', 'repository', 'tag'];

interface HitRow {
  kind: number;
  name: string;
  project: string;
  repository: string | null;
  tag: string | null;
  digest: string | null;
  badge: Badge | null;
  pullCount: number | null;
  starCount: number | null;
  pushedAt: Date | null;
  excerpt: string | null;
  total: number;
}

/** Search over the names of projects, repositories and tags, within what a viewer may see. */
@Injectable()
export class SearchRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * One page of hits and their total in one statement: the matches are collected as bare ids, ranked and
   * cut, and only the page's rows are joined to their details.
   */
  async search(viewer: ProjectViewer, q: string, kind: SearchKind | undefined, offset: number, limit: number): Promise<{ items: SearchHit[]; total: number }> {
    const lowered = q.toLowerCase();
    const params: unknown[] = [lowered];
    const visible = visibleProject('p', viewer, params.length + 1);
    params.push(...visible.params);
    const kinds = kind ? [kind] : KINDS;
    if (kinds.includes('tag')) params.push(`%${lowered.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const branches = kinds.map((k) => BRANCHES[k].replace('$pattern', `$${params.length}`)).join('\nUNION ALL');
    // Repositories are joined to their project once (by the indexed first name component), not once per tag.
    const hits = `WITH v AS (SELECT p.id, p.name FROM project p WHERE ${visible.sql}),
      vr AS NOT MATERIALIZED (SELECT r.id, r.name, v.id AS project_id, length(v.name) + 2 AS path_start FROM v JOIN repository r ON split_part(r.name, '/', 1) = v.name),
      hits AS (${branches})`;
    const n = params.length;
    const rows: HitRow[] = await this.dataSource.query(
      `${hits},
       page AS (SELECT * FROM hits ORDER BY rank, kind, name COLLATE "C", tag COLLATE "C" LIMIT $${n + 1} OFFSET $${n + 2})
       SELECT h.kind, CASE WHEN h.kind = 2 THEN h.name || ':' || h.tag ELSE h.name END AS name, p.name AS project, r.name AS repository, t.name AS tag, m.digest,
         COALESCE(r.badge, p.badge) AS badge,
         COALESCE(t.pull_count, r.pull_count)::float8 AS "pullCount", r.star_count AS "starCount",
         COALESCE(t.pushed_at, r.pushed_at) AS "pushedAt",
         left(CASE h.kind WHEN 0 THEN p.description WHEN 1 THEN r.description END, 200) AS excerpt,
         (SELECT count(*)::int FROM hits) AS total
       FROM page h
       JOIN project p ON p.id = h.project_id
       LEFT JOIN repository r ON r.id = h.repository_id
       LEFT JOIN tag t ON t.id = h.tag_id
       LEFT JOIN manifest m ON m.id = t.manifest_id
       ORDER BY h.rank, h.kind, h.name COLLATE "C", h.tag COLLATE "C"`,
      [...params, limit, offset],
    );
    if (rows.length > 0 || offset === 0) return { items: rows.map(toHit), total: rows[0]?.total ?? 0 };
    // A page past the end has no row to carry the total.
    const counted = await this.dataSource.query(`${hits} SELECT count(*)::int AS n FROM hits`, params);
    return { items: [], total: counted[0].n };
  }
}

function toHit(row: HitRow): SearchHit {
  const { name, project, badge } = row;
  switch (row.kind) {
    case 0:
      return { kind: 'project', name, project, badge, excerpt: row.excerpt ?? '' };
    case 1:
      return { kind: 'repository', name, project, repository: row.repository!, badge, pullCount: row.pullCount ?? 0, starCount: row.starCount ?? 0, pushedAt: row.pushedAt, excerpt: row.excerpt ?? '' };
    default:
      return { kind: 'tag', name, project, repository: row.repository!, tag: row.tag!, digest: row.digest!, badge, pullCount: row.pullCount ?? 0, pushedAt: row.pushedAt! };
  }
}
