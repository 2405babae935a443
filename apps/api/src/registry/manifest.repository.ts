import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { parseTag, tagSortKey, variantKey, type ArtifactKind, type Platform } from '@berth/oci';
import { Queryable, returnedRows } from '../database/queryable';

export interface ManifestRow {
  id: string;
  repositoryId: string;
  digest: string;
  mediaType: string;
  size: number;
  tagId?: string;
  content?: Buffer;
}

export interface NewManifest {
  repositoryId: string;
  digest: string;
  mediaType: string;
  artifactType?: string;
  /** What the console shows it as (image, index, helm-chart, signature, sbom, attestation, other). */
  kind: ArtifactKind;
  /** An image's platform, read from its config; undefined when unknown. */
  platform?: Platform;
  size: number;
  totalSize: number;
  configDigest?: string;
  subjectDigest?: string;
  annotations: Record<string, string>;
  content: Buffer;
  blobDigests: string[];
  children: NewManifestChild[];
}

export interface NewManifestChild {
  digest: string;
  mediaType: string;
  size: number;
  platform?: unknown;
  isAttestation: boolean;
}

export interface ReferrerRow {
  digest: string;
  mediaType: string;
  size: number;
  artifactType: string | null;
  annotations: Record<string, string>;
}

const MANIFEST_COLUMNS = `m.id::text AS id, m.repository_id::text AS "repositoryId", m.digest, m.media_type AS "mediaType", m.size`;

/** Manifests, their references (blobs, index children), and tags. */
@Injectable()
export class ManifestRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByDigest(repository: string, digest: string, withContent: boolean): Promise<ManifestRow | undefined> {
    const rows = await this.dataSource.query(
      `SELECT ${MANIFEST_COLUMNS}${withContent ? ', m.content' : ''}
       FROM manifest m JOIN repository r ON r.id = m.repository_id
       WHERE r.name = $1 AND m.digest = $2`,
      [repository, digest],
    );
    return rows[0];
  }

  async findByTag(repository: string, tag: string, withContent: boolean): Promise<ManifestRow | undefined> {
    const rows = await this.dataSource.query(
      `SELECT ${MANIFEST_COLUMNS}, t.id::text AS "tagId"${withContent ? ', m.content' : ''}
       FROM tag t JOIN repository r ON r.id = t.repository_id JOIN manifest m ON m.id = t.manifest_id
       WHERE r.name = $1 AND t.name = $2`,
      [repository, tag],
    );
    return rows[0];
  }

  /** The child of an index for one platform, for clients that cannot read indexes. */
  async findChildForPlatform(parentId: string, os: string, architecture: string, withContent: boolean): Promise<ManifestRow | undefined> {
    const rows = await this.dataSource.query(
      `SELECT ${MANIFEST_COLUMNS}${withContent ? ', m.content' : ''}
       FROM manifest_child c
       JOIN manifest p ON p.id = c.parent_id
       JOIN manifest m ON m.repository_id = p.repository_id AND m.digest = c.child_digest
       WHERE c.parent_id = $1 AND c.platform->>'os' = $2 AND c.platform->>'architecture' = $3
       ORDER BY c.position LIMIT 1`,
      [parentId, os, architecture],
    );
    return rows[0];
  }

  async findManyByDigest(repositoryId: string, digests: string[], db: Queryable): Promise<{ digest: string; totalSize: number }[]> {
    if (digests.length === 0) return [];
    return db.query(
      `SELECT digest, total_size::float8 AS "totalSize" FROM manifest WHERE repository_id = $1 AND digest = ANY($2::text[])`,
      [repositoryId, digests],
    );
  }

  /** Inserts the manifest with its references, or finds the identical one already stored. */
  async upsert(m: NewManifest, db: Queryable): Promise<string> {
    const inserted: { id: string }[] = await db.query(
      `INSERT INTO manifest (repository_id, digest, media_type, artifact_type, kind, platform, size, total_size, config_digest, subject_digest, annotations, content)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (repository_id, digest) DO NOTHING
       RETURNING id::text AS id`,
      [
        m.repositoryId,
        m.digest,
        m.mediaType,
        m.artifactType ?? null,
        m.kind,
        m.platform ? JSON.stringify(m.platform) : null,
        m.size,
        m.totalSize,
        m.configDigest ?? null,
        m.subjectDigest ?? null,
        m.annotations,
        m.content,
      ],
    );
    if (inserted.length === 0) {
      const existing = await db.query('SELECT id::text AS id FROM manifest WHERE repository_id = $1 AND digest = $2', [m.repositoryId, m.digest]);
      return existing[0].id;
    }
    const id = inserted[0].id;
    if (m.blobDigests.length > 0) {
      await db.query(
        `INSERT INTO manifest_blob (manifest_id, digest) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
        [id, [...new Set(m.blobDigests)]],
      );
    }
    if (m.children.length > 0) {
      await db.query(
        `INSERT INTO manifest_child (parent_id, position, child_digest, media_type, size, platform, is_attestation)
         SELECT $1, c.ord - 1, c.digest, c.media_type, c.size, c.platform, c.is_attestation
         FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (digest text, media_type text, size bigint, platform jsonb, is_attestation boolean))
           WITH ORDINALITY AS c(digest, media_type, size, platform, is_attestation, ord)`,
        [
          id,
          JSON.stringify(
            m.children.map((c) => ({ digest: c.digest, media_type: c.mediaType, size: c.size, platform: c.platform ?? null, is_attestation: c.isAttestation })),
          ),
        ],
      );
    }
    return id;
  }

  /** The digest a tag points at, with the tag row locked until the transaction ends (a push about to move it). */
  async lockTag(repositoryId: string, tag: string, db: Queryable): Promise<string | undefined> {
    const rows = await db.query(
      `SELECT m.digest FROM tag t JOIN manifest m ON m.id = t.manifest_id WHERE t.repository_id = $1 AND t.name = $2 FOR UPDATE OF t`,
      [repositoryId, tag],
    );
    return rows[0]?.digest;
  }

  /**
   * The tags on a manifest and on every index that lists it, directly or through other indexes (by
   * repository name and digest): deleting a platform of `app:1.0` breaks `app:1.0` as much as deleting it.
   */
  async tagsOf(repository: string, digest: string, db: Queryable = this.dataSource): Promise<string[]> {
    const rows: { name: string }[] = await db.query(
      `WITH RECURSIVE repo AS (SELECT id FROM repository WHERE name = $1),
       holders(id, digest) AS (
         SELECT m.id, m.digest FROM manifest m WHERE m.repository_id = (SELECT id FROM repo) AND m.digest = $2
         UNION
         SELECT p.id, p.digest FROM holders h
         JOIN manifest_child c ON c.child_digest = h.digest
         JOIN manifest p ON p.id = c.parent_id AND p.repository_id = (SELECT id FROM repo)
       )
       SELECT DISTINCT t.name FROM holders h JOIN tag t ON t.manifest_id = h.id ORDER BY t.name`,
      [repository, digest],
    );
    return rows.map((r) => r.name);
  }

  /** Points a tag at a manifest, creating or moving it. */
  async upsertTag(repositoryId: string, tag: string, manifestId: string, db: Queryable): Promise<void> {
    await db.query(
      `INSERT INTO tag (repository_id, name, manifest_id, sort_key, variant, moving) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (repository_id, name) DO UPDATE SET manifest_id = EXCLUDED.manifest_id, pushed_at = now()`,
      [repositoryId, tag, manifestId, ...tagColumns(tag)],
    );
  }

  /** Creates a tag that does not exist yet; false when the name is taken. */
  async insertTag(repositoryId: string, tag: string, manifestId: string, db: Queryable): Promise<boolean> {
    const rows = await db.query(
      `INSERT INTO tag (repository_id, name, manifest_id, sort_key, variant, moving) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (repository_id, name) DO NOTHING RETURNING id`,
      [repositoryId, tag, manifestId, ...tagColumns(tag)],
    );
    return rows.length > 0;
  }

  async deleteByDigest(repository: string, digest: string, db: Queryable = this.dataSource): Promise<boolean> {
    const rows = await db.query(
      `DELETE FROM manifest m USING repository r WHERE m.repository_id = r.id AND r.name = $1 AND m.digest = $2 RETURNING m.id`,
      [repository, digest],
    );
    return returnedRows(rows).length > 0;
  }

  async deleteTag(repository: string, tag: string, db: Queryable = this.dataSource): Promise<boolean> {
    const rows = await db.query(
      `DELETE FROM tag t USING repository r WHERE t.repository_id = r.id AND r.name = $1 AND t.name = $2 RETURNING t.id`,
      [repository, tag],
    );
    return returnedRows(rows).length > 0;
  }

  async listTags(repositoryId: string, limit: number, last: string | undefined): Promise<string[]> {
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT name FROM tag WHERE repository_id = $1 AND ($2::text IS NULL OR name COLLATE "C" > $2) ORDER BY name COLLATE "C" LIMIT $3`,
      [repositoryId, last ?? null, limit],
    );
    return rows.map((r) => r.name);
  }

  async referrers(repository: string, subject: string, artifactType?: string): Promise<ReferrerRow[]> {
    return this.dataSource.query(
      `SELECT m.digest, m.media_type AS "mediaType", m.size, m.artifact_type AS "artifactType", m.annotations
       FROM manifest m JOIN repository r ON r.id = m.repository_id
       WHERE r.name = $1 AND m.subject_digest = $2 AND ($3::text IS NULL OR m.artifact_type = $3)
       ORDER BY m.pushed_at, m.digest`,
      [repository, subject, artifactType ?? null],
    );
  }
}

/** A tag is read as a version once, when it is written: its sort key, variant key and whether it moves. */
function tagColumns(tag: string): [string, string, boolean] {
  const parsed = parseTag(tag);
  return [tagSortKey(parsed), variantKey(parsed), parsed.moving];
}
