import { MigrationInterface, QueryRunner } from 'typeorm';

/** Repositories, content-addressed blobs and which repositories may read them, manifests, tags and upload sessions. */
export class RegistryCore1764201600000 implements MigrationInterface {
  name = 'RegistryCore1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repository (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        pushed_at timestamptz,
        pull_count bigint NOT NULL DEFAULT 0,
        last_pulled_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE blob (
        digest text PRIMARY KEY,
        size bigint NOT NULL CHECK (size >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A blob is readable from a repository only through a link: digests pushed elsewhere cannot be guessed into view.
    await q.query(`
      CREATE TABLE repository_blob (
        repository_id bigint NOT NULL REFERENCES repository(id) ON DELETE CASCADE,
        digest text NOT NULL REFERENCES blob(digest),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (repository_id, digest)
      )`);
    await q.query(`CREATE INDEX repository_blob_digest_idx ON repository_blob (digest)`);
    await q.query(`
      CREATE TABLE manifest (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        repository_id bigint NOT NULL REFERENCES repository(id) ON DELETE CASCADE,
        digest text NOT NULL,
        media_type text NOT NULL,
        artifact_type text,
        size integer NOT NULL,
        total_size bigint NOT NULL,
        config_digest text,
        subject_digest text,
        annotations jsonb NOT NULL DEFAULT '{}'::jsonb,
        content bytea NOT NULL,
        pushed_at timestamptz NOT NULL DEFAULT now(),
        pull_count bigint NOT NULL DEFAULT 0,
        last_pulled_at timestamptz,
        UNIQUE (repository_id, digest)
      )`);
    await q.query(`CREATE INDEX manifest_subject_idx ON manifest (repository_id, subject_digest) WHERE subject_digest IS NOT NULL`);
    await q.query(`
      CREATE TABLE manifest_blob (
        manifest_id bigint NOT NULL REFERENCES manifest(id) ON DELETE CASCADE,
        digest text NOT NULL REFERENCES blob(digest),
        PRIMARY KEY (manifest_id, digest)
      )`);
    await q.query(`CREATE INDEX manifest_blob_digest_idx ON manifest_blob (digest)`);
    await q.query(`
      CREATE TABLE manifest_child (
        parent_id bigint NOT NULL REFERENCES manifest(id) ON DELETE CASCADE,
        position integer NOT NULL,
        child_digest text NOT NULL,
        media_type text NOT NULL,
        size bigint NOT NULL,
        platform jsonb,
        is_attestation boolean NOT NULL DEFAULT false,
        PRIMARY KEY (parent_id, position)
      )`);
    await q.query(`CREATE INDEX manifest_child_digest_idx ON manifest_child (child_digest)`);
    await q.query(`
      CREATE TABLE tag (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        repository_id bigint NOT NULL REFERENCES repository(id) ON DELETE CASCADE,
        name text NOT NULL,
        manifest_id bigint NOT NULL REFERENCES manifest(id) ON DELETE CASCADE,
        pushed_at timestamptz NOT NULL DEFAULT now(),
        pull_count bigint NOT NULL DEFAULT 0,
        last_pulled_at timestamptz,
        UNIQUE (repository_id, name)
      )`);
    await q.query(`CREATE INDEX tag_manifest_idx ON tag (manifest_id)`);
    await q.query(`
      CREATE TABLE upload (
        id uuid PRIMARY KEY,
        repository_name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['upload', 'tag', 'manifest_child', 'manifest_blob', 'manifest', 'repository_blob', 'blob', 'repository']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
