import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ArtifactKind, Platform } from '@berth/oci';
import { Queryable, returnedRows } from '../database/queryable';
import type { ArtifactSort, TagSort } from './artifact.dto';
import { TAG_ORDERS } from './tag-cursor';

/** A manifest row as the console lists it; platforms are assembled by the service. */
export interface ArtifactRow {
  id: string;
  digest: string;
  mediaType: string;
  kind: ArtifactKind;
  artifactType: string | null;
  size: number;
  totalSize: number;
  platform: Platform | null;
  subject: string | null;
  pushedAt: Date;
  lastPulledAt: Date | null;
  pullCount: number;
  tags: string[];
  /** An index's first children in order (at most LISTED_CHILDREN), with what this repository holds of each. */
  children: ChildRow[] | null;
  /** How many children the index lists in all. */
  childCount: number;
}

export interface ChildRow {
  digest: string;
  mediaType: string;
  size: number;
  platform: Platform | null;
  attestation: boolean;
  /** Null when the child is not stored in the repository. */
  kind: ArtifactKind | null;
  totalSize: number | null;
}

export interface ArtifactContentRow extends ArtifactRow {
  content: Buffer;
  configDigest: string | null;
  annotations: Record<string, string>;
}

export interface TagRow extends Omit<ArtifactRow, 'id' | 'tags' | 'subject' | 'artifactType' | 'size'> {
  name: string;
  moving: boolean;
  /** The row's sort keys as PostgreSQL prints them, for the next page's cursor. */
  keys: string[];
}

export interface TagDetailRow {
  name: string;
  pushedAt: Date;
  lastPulledAt: Date | null;
  pullCount: number;
  moving: boolean;
}

export interface ReferrerRow {
  digest: string;
  mediaType: string;
  kind: ArtifactKind;
  artifactType: string | null;
  size: number;
  pushedAt: Date;
  annotations: Record<string, string>;
  tag: string | null;
}

/**
 * How many of an index's children a list or detail answer carries; the rest are paged (`.../children`). An
 * index may list thousands of manifests, and every anonymous view of it carried them all (megabytes of JSON).
 */
export const LISTED_CHILDREN = 100;

const CHILD_OBJECT = `jsonb_build_object(
      'digest', c.child_digest, 'mediaType', c.media_type, 'size', c.size, 'platform', c.platform, 'attestation', c.is_attestation,
      'kind', cm.kind, 'totalSize', cm.total_size)`;

/** A manifest's first children (positions count from 0), joined to what the same repository holds of each, and their number. */
const CHILDREN = `(SELECT jsonb_agg(${CHILD_OBJECT} ORDER BY c.position)
    FROM manifest_child c LEFT JOIN manifest cm ON cm.repository_id = m.repository_id AND cm.digest = c.child_digest
    WHERE c.parent_id = m.id AND c.position < ${LISTED_CHILDREN}) AS children,
  (SELECT count(*)::int FROM manifest_child c WHERE c.parent_id = m.id) AS "childCount"`;

const ARTIFACT_COLUMNS = `m.id::text AS id, m.digest, m.media_type AS "mediaType", m.kind, m.artifact_type AS "artifactType", m.size,
  m.total_size::float8 AS "totalSize", m.platform, m.subject_digest AS subject, m.pushed_at AS "pushedAt",
  m.last_pulled_at AS "lastPulledAt", m.pull_count::float8 AS "pullCount",
  ARRAY(SELECT t.name FROM tag t WHERE t.manifest_id = m.id ORDER BY t.sort_key COLLATE "C" DESC) AS tags,
  ${CHILDREN}`;

const ARTIFACT_ORDER: Record<ArtifactSort, string> = {
  pushed_at: 'm.pushed_at ASC, m.id ASC',
  '-pushed_at': 'm.pushed_at DESC, m.id DESC',
  pulled_at: 'm.last_pulled_at ASC NULLS FIRST, m.id ASC',
  '-pulled_at': 'm.last_pulled_at DESC NULLS LAST, m.id DESC',
  size: 'm.total_size ASC, m.id ASC',
  '-size': 'm.total_size DESC, m.id DESC',
  pulls: 'm.pull_count ASC, m.id ASC',
  '-pulls': 'm.pull_count DESC, m.id DESC',
};


/**
 * A top-level artifact: not a referrer (those are listed under their subject) and not an untagged child
 * of an index in the same repository (those are listed as the index's platforms).
 */
const TOP_LEVEL = `m.subject_digest IS NULL AND (
    EXISTS (SELECT 1 FROM tag t WHERE t.manifest_id = m.id)
    OR NOT EXISTS (SELECT 1 FROM manifest_child c JOIN manifest p ON p.id = c.parent_id
                   WHERE c.child_digest = m.digest AND p.repository_id = m.repository_id))`;

/** Artifacts (manifests) and tags of one repository, read for the console; every list is one query plus a count. */
@Injectable()
export class ArtifactRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    repositoryId: string,
    filter: { q?: string; kind?: ArtifactKind; all: boolean; sort: ArtifactSort },
    offset: number,
    limit: number,
  ): Promise<{ items: ArtifactRow[]; total: number }> {
    const params: unknown[] = [repositoryId];
    let where = `m.repository_id = $1`;
    if (!filter.all) where += ` AND ${TOP_LEVEL}`;
    if (filter.kind) {
      params.push(filter.kind);
      where += ` AND m.kind = $${params.length}`;
    }
    if (filter.q) {
      params.push(filter.q.toLowerCase());
      const n = params.length;
      where += ` AND (strpos(m.digest, $${n}) > 0 OR EXISTS (SELECT 1 FROM tag t WHERE t.manifest_id = m.id AND strpos(lower(t.name), $${n}) > 0))`;
    }
    const n = params.length;
    const [items, counted] = await Promise.all([
      this.dataSource.query(`SELECT ${ARTIFACT_COLUMNS} FROM manifest m WHERE ${where} ORDER BY ${ARTIFACT_ORDER[filter.sort]} LIMIT $${n + 1} OFFSET $${n + 2}`, [
        ...params,
        limit,
        offset,
      ]),
      this.dataSource.query(`SELECT count(*)::int AS n FROM manifest m WHERE ${where}`, params),
    ]);
    return { items, total: counted[0].n };
  }

  /** By digest, or by the tag pointing at it. */
  async find(repositoryId: string, reference: { digest: string } | { tag: string }, db: Queryable = this.dataSource): Promise<ArtifactContentRow | undefined> {
    const columns = `${ARTIFACT_COLUMNS}, m.content, m.config_digest AS "configDigest", m.annotations`;
    const rows =
      'digest' in reference
        ? await db.query(`SELECT ${columns} FROM manifest m WHERE m.repository_id = $1 AND m.digest = $2`, [repositoryId, reference.digest])
        : await db.query(`SELECT ${columns} FROM tag tg JOIN manifest m ON m.id = tg.manifest_id WHERE tg.repository_id = $1 AND tg.name = $2`, [
            repositoryId,
            reference.tag,
          ]);
    return rows[0];
  }

  /** One page of an index's children, in index order. */
  async children(manifestId: string, offset: number, limit: number): Promise<ChildRow[]> {
    const rows: { child: ChildRow }[] = await this.dataSource.query(
      `SELECT ${CHILD_OBJECT} AS child
       FROM manifest m JOIN manifest_child c ON c.parent_id = m.id
       LEFT JOIN manifest cm ON cm.repository_id = m.repository_id AND cm.digest = c.child_digest
       WHERE m.id = $1 AND c.position >= $2 ORDER BY c.position LIMIT $3`,
      [manifestId, offset, limit],
    );
    return rows.map((r) => r.child);
  }

  async tagDetails(manifestId: string): Promise<TagDetailRow[]> {
    return this.dataSource.query(
      `SELECT name, pushed_at AS "pushedAt", last_pulled_at AS "lastPulledAt", pull_count::float8 AS "pullCount", moving
       FROM tag WHERE manifest_id = $1 ORDER BY sort_key COLLATE "C" DESC`,
      [manifestId],
    );
  }

  /** Indexes of the repository that list `digest` as a child. */
  async parents(repositoryId: string, digest: string): Promise<{ digest: string; tags: string[] }[]> {
    return this.dataSource.query(
      `SELECT DISTINCT p.digest, ARRAY(SELECT t.name FROM tag t WHERE t.manifest_id = p.id ORDER BY t.sort_key COLLATE "C" DESC) AS tags
       FROM manifest_child c JOIN manifest p ON p.id = c.parent_id
       WHERE p.repository_id = $1 AND c.child_digest = $2
       ORDER BY p.digest`,
      [repositoryId, digest],
    );
  }

  /** OCI referrers (subject = digest) and cosign-style ones found by tag (sha256-<hex>.sig / .att / .sbom). */
  async referrers(repositoryId: string, digest: string): Promise<ReferrerRow[]> {
    const hex = digest.replace(':', '-');
    return this.dataSource.query(
      `SELECT m.digest, m.media_type AS "mediaType", m.kind, m.artifact_type AS "artifactType", m.size, m.pushed_at AS "pushedAt", m.annotations, NULL AS tag
       FROM manifest m WHERE m.repository_id = $1 AND m.subject_digest = $2
       UNION ALL
       SELECT m.digest, m.media_type, m.kind, m.artifact_type, m.size, m.pushed_at, m.annotations, t.name
       FROM tag t JOIN manifest m ON m.id = t.manifest_id
       WHERE t.repository_id = $1 AND t.name = ANY($3::text[])
       ORDER BY "pushedAt", digest`,
      [repositoryId, digest, [`${hex}.sig`, `${hex}.att`, `${hex}.sbom`]],
    );
  }

  /**
   * A page of tags: after `after` (the previous page's last keys, keyset paging) or at `offset`. Either
   * way the page's ids are found first from the narrow tag rows and its columns (platforms included)
   * built only for those, so a deep page costs about what the first one does.
   */
  async listTags(
    repositoryId: string,
    filter: { q?: string; variant?: string; sort: TagSort },
    page: { offset: number; after?: string[] },
    limit: number,
  ): Promise<{ items: TagRow[]; total: number }> {
    const params: unknown[] = [repositoryId];
    let where = `t.repository_id = $1`;
    if (filter.q) {
      params.push(filter.q.toLowerCase());
      where += ` AND strpos(lower(t.name), $${params.length}) > 0`;
    }
    if (filter.variant) {
      // A family matches its own word and the word followed by a version: alpine matches alpine and alpine3.15.
      params.push(filter.variant);
      const n = params.length;
      where += ` AND EXISTS (SELECT 1 FROM unnest(string_to_array(t.variant, '-')) AS w(word)
                              WHERE w.word = $${n} OR (starts_with(w.word, $${n}) AND substr(w.word, length($${n}) + 1) ~ '^[0-9][0-9.]*$'))`;
    }
    const counted = this.dataSource.query(`SELECT count(*)::int AS n FROM tag t WHERE ${where}`, [...params]);
    const order = TAG_ORDERS[filter.sort];
    const orderBy = order.columns.map((c) => `${c.sql} ${order.direction}`).join(', ');
    let pageWhere = where;
    if (page.after) {
      const placeholders = order.columns.map((c, i) => {
        params.push(page.after![i]);
        return c.type === 'text' ? `$${params.length}::text COLLATE "C"` : `$${params.length}::timestamptz`;
      });
      pageWhere += ` AND (${order.columns.map((c) => c.sql).join(', ')}) ${order.direction === 'ASC' ? '>' : '<'} (${placeholders.join(', ')})`;
    }
    const n = params.length;
    const keys = order.columns.map((c) => `(${c.sql})::text`).join(', ');
    const items = this.dataSource.query(
      `SELECT t.name, t.moving, t.pushed_at AS "pushedAt", t.last_pulled_at AS "lastPulledAt", t.pull_count::float8 AS "pullCount",
              m.digest, m.media_type AS "mediaType", m.kind, m.total_size::float8 AS "totalSize", m.platform, ${CHILDREN},
              ARRAY[${keys}] AS keys
       FROM (SELECT t.id FROM tag t WHERE ${pageWhere} ORDER BY ${orderBy} LIMIT $${n + 1} OFFSET $${n + 2}) page
       JOIN tag t ON t.id = page.id JOIN manifest m ON m.id = t.manifest_id
       ORDER BY ${orderBy}`,
      [...params, limit, page.after ? 0 : page.offset],
    );
    const [rows, total] = await Promise.all([items, counted]);
    return { items: rows, total: total[0].n };
  }

  /** How many tags carry each variant key, for the variant chips. */
  async variantCounts(repositoryId: string): Promise<{ variant: string; count: number }[]> {
    return this.dataSource.query(`SELECT variant, count(*)::int AS count FROM tag WHERE repository_id = $1 AND variant <> '' GROUP BY variant`, [repositoryId]);
  }

  async findTag(repositoryId: string, name: string, db: Queryable): Promise<{ manifestId: string; digest: string } | undefined> {
    const rows = await db.query(
      `SELECT t.manifest_id::text AS "manifestId", m.digest FROM tag t JOIN manifest m ON m.id = t.manifest_id WHERE t.repository_id = $1 AND t.name = $2`,
      [repositoryId, name],
    );
    return rows[0];
  }

  /** The digest the removed tag pointed at; undefined when there was no such tag. */
  async deleteTag(repositoryId: string, name: string, db: Queryable): Promise<string | undefined> {
    const result = await db.query(
      `DELETE FROM tag t USING manifest m WHERE m.id = t.manifest_id AND t.repository_id = $1 AND t.name = $2 RETURNING m.digest`,
      [repositoryId, name],
    );
    return returnedRows<{ digest: string }>(result)[0]?.digest;
  }

  /**
   * What deleting `root` takes with it: the untagged children whose every parent index goes too, and
   * referrers of anything that goes (a signature of a deleted image signs nothing). Level by level, so
   * a few queries for the usual image or index. With `keepTaggedReferrers`, a tagged referrer stays and so
   * does what refers to it (GC removes only what nobody named).
   */
  async deletionSet(
    repositoryId: string,
    root: { id: string; digest: string },
    db: Queryable,
    options: { keepTaggedReferrers?: boolean } = {},
  ): Promise<{ id: string; digest: string }[]> {
    const set = new Map<string, string>([[root.id, root.digest]]);
    let frontier = [root];
    while (frontier.length > 0) {
      const ids = [...set.keys()];
      const rows: { id: string; digest: string }[] = await db.query(
        `SELECT m.id::text AS id, m.digest FROM manifest m
         WHERE m.repository_id = $1 AND NOT (m.id = ANY($2::bigint[])) AND (
           (m.subject_digest = ANY($4::text[]) AND NOT ($5::boolean AND EXISTS (SELECT 1 FROM tag t WHERE t.manifest_id = m.id)))
           OR (m.digest IN (SELECT c.child_digest FROM manifest_child c WHERE c.parent_id = ANY($3::bigint[]))
               AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.manifest_id = m.id)
               AND NOT EXISTS (SELECT 1 FROM manifest_child c JOIN manifest p ON p.id = c.parent_id
                               WHERE p.repository_id = $1 AND c.child_digest = m.digest AND NOT (p.id = ANY($2::bigint[])))))`,
        [repositoryId, ids, frontier.map((f) => f.id), frontier.map((f) => f.digest), options.keepTaggedReferrers ?? false],
      );
      for (const row of rows) set.set(row.id, row.digest);
      frontier = rows;
    }
    return [...set].map(([id, digest]) => ({ id, digest }));
  }

  /** Bytes of blobs the given manifests reference and no other manifest (in any repository) does. */
  async freeableBytes(manifestIds: string[], db: Queryable = this.dataSource): Promise<number> {
    const rows = await db.query(
      `SELECT COALESCE(sum(b.size), 0)::float8 AS bytes FROM blob b
       WHERE b.digest IN (SELECT mb.digest FROM manifest_blob mb WHERE mb.manifest_id = ANY($1::bigint[]))
         AND NOT EXISTS (SELECT 1 FROM manifest_blob o WHERE o.digest = b.digest AND NOT (o.manifest_id = ANY($1::bigint[])))`,
      [manifestIds],
    );
    return rows[0].bytes;
  }

  /** Tags go with their manifests (ON DELETE CASCADE); returns the tag names removed. */
  async deleteManifests(manifestIds: string[], db: Queryable): Promise<string[]> {
    const tags: { name: string }[] = await db.query(`SELECT name FROM tag WHERE manifest_id = ANY($1::bigint[]) ORDER BY name`, [manifestIds]);
    await db.query(`DELETE FROM manifest WHERE id = ANY($1::bigint[])`, [manifestIds]);
    return tags.map((t) => t.name);
  }

  /** Locks the repository row so that concurrent deletes and pushes of the same repository queue up. */
  async lockRepository(repositoryId: string, db: Queryable): Promise<void> {
    await db.query(`SELECT id FROM repository WHERE id = $1 FOR UPDATE`, [repositoryId]);
  }
}
