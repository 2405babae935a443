import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Storage lifecycle (see docs/design/storage-lifecycle.md): blob states for online garbage collection,
 * per-project usage kept by triggers for quotas, immutability and retention rules, GC and retention runs,
 * and cron schedules claimed through the database so that one replica runs each job.
 */
export class StorageLifecycle1764720000000 implements MigrationInterface {
  name = 'StorageLifecycle1764720000000';

  async up(q: QueryRunner): Promise<void> {
    // active -> deleting -> gone; `version` changes whenever an upload or mount revives or re-links the blob,
    // `touched_at` is when that last happened (the grace window is measured from it).
    await q.query(`ALTER TABLE blob
      ADD COLUMN state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'deleting')),
      ADD COLUMN version bigint NOT NULL DEFAULT 1,
      ADD COLUMN touched_at timestamptz`);
    await q.query(`UPDATE blob SET touched_at = created_at`);
    await q.query(`ALTER TABLE blob ALTER COLUMN touched_at SET NOT NULL, ALTER COLUMN touched_at SET DEFAULT now()`);
    await q.query(`CREATE INDEX blob_deleting_idx ON blob (digest) WHERE state = 'deleting'`);
    // A swept blob takes its repository links with it.
    await q.query(`ALTER TABLE repository_blob DROP CONSTRAINT repository_blob_digest_fkey`);
    await q.query(`ALTER TABLE repository_blob ADD CONSTRAINT repository_blob_digest_fkey FOREIGN KEY (digest) REFERENCES blob(digest) ON DELETE CASCADE`);

    // Usage per project: each blob once per project, counted from manifest references. The project is
    // stored on the reference so that cascaded deletes (manifest, repository) can still be attributed.
    await q.query(`ALTER TABLE project ADD COLUMN used_bytes bigint NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE manifest_blob ADD COLUMN project_id bigint`);
    await q.query(`
      UPDATE manifest_blob mb SET project_id = p.id
      FROM manifest m JOIN repository r ON r.id = m.repository_id JOIN project p ON p.name = split_part(r.name, '/', 1)
      WHERE m.id = mb.manifest_id`);
    await q.query(`
      CREATE TABLE project_blob (
        project_id bigint NOT NULL REFERENCES project(id) ON DELETE CASCADE,
        digest text NOT NULL,
        refs integer NOT NULL CHECK (refs > 0),
        PRIMARY KEY (project_id, digest)
      )`);
    await q.query(`CREATE INDEX project_blob_digest_idx ON project_blob (digest)`);
    await q.query(`
      INSERT INTO project_blob (project_id, digest, refs)
      SELECT project_id, digest, count(*) FROM manifest_blob WHERE project_id IS NOT NULL GROUP BY project_id, digest`);
    await q.query(`
      UPDATE project p SET used_bytes = s.bytes
      FROM (SELECT pb.project_id, sum(b.size) AS bytes FROM project_blob pb JOIN blob b ON b.digest = pb.digest GROUP BY pb.project_id) s
      WHERE p.id = s.project_id`);
    await q.query(`
      CREATE FUNCTION manifest_blob_project() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.project_id IS NULL THEN
          SELECT p.id INTO NEW.project_id
          FROM manifest m JOIN repository r ON r.id = m.repository_id JOIN project p ON p.name = split_part(r.name, '/', 1)
          WHERE m.id = NEW.manifest_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER manifest_blob_project BEFORE INSERT ON manifest_blob FOR EACH ROW EXECUTE FUNCTION manifest_blob_project()`);
    await q.query(`
      CREATE FUNCTION manifest_blob_added() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- The projects first, in id order, as the quota check does: every change to a project's
        -- project_blob rows then happens under its row lock, so concurrent pushes and deletes sharing
        -- blobs queue up instead of deadlocking on those rows (or on the project after them).
        PERFORM 1 FROM project p WHERE p.id IN (SELECT project_id FROM new_refs) ORDER BY p.id FOR NO KEY UPDATE;
        WITH added AS (
          SELECT project_id, digest, count(*)::int AS n FROM new_refs WHERE project_id IS NOT NULL GROUP BY project_id, digest
        ), upserted AS (
          INSERT INTO project_blob (project_id, digest, refs) SELECT project_id, digest, n FROM added
          ON CONFLICT (project_id, digest) DO UPDATE SET refs = project_blob.refs + EXCLUDED.refs
          RETURNING project_id, digest, (xmax = 0) AS inserted
        )
        UPDATE project p SET used_bytes = p.used_bytes + s.bytes
        FROM (SELECT u.project_id, sum(b.size) AS bytes FROM upserted u JOIN blob b ON b.digest = u.digest WHERE u.inserted GROUP BY u.project_id) s
        WHERE p.id = s.project_id;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER manifest_blob_added AFTER INSERT ON manifest_blob REFERENCING NEW TABLE AS new_refs FOR EACH STATEMENT EXECUTE FUNCTION manifest_blob_added()`);
    await q.query(`
      CREATE FUNCTION manifest_blob_removed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- Same lock order as manifest_blob_added.
        PERFORM 1 FROM project p WHERE p.id IN (SELECT project_id FROM old_refs) ORDER BY p.id FOR NO KEY UPDATE;
        WITH gone AS (
          DELETE FROM project_blob pb
          USING (SELECT project_id, digest, count(*)::int AS n FROM old_refs WHERE project_id IS NOT NULL GROUP BY project_id, digest) r
          WHERE pb.project_id = r.project_id AND pb.digest = r.digest AND pb.refs <= r.n
          RETURNING pb.project_id, pb.digest
        )
        UPDATE project p SET used_bytes = p.used_bytes - s.bytes
        FROM (SELECT g.project_id, sum(b.size) AS bytes FROM gone g JOIN blob b ON b.digest = g.digest GROUP BY g.project_id) s
        WHERE p.id = s.project_id;
        -- After the deletes: a row updated first would be compared again with its new count.
        UPDATE project_blob pb SET refs = pb.refs - r.n
        FROM (SELECT project_id, digest, count(*)::int AS n FROM old_refs WHERE project_id IS NOT NULL GROUP BY project_id, digest) r
        WHERE pb.project_id = r.project_id AND pb.digest = r.digest;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER manifest_blob_removed AFTER DELETE ON manifest_blob REFERENCING OLD TABLE AS old_refs FOR EACH STATEMENT EXECUTE FUNCTION manifest_blob_removed()`);

    await q.query(`
      CREATE TABLE immutable_rule (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        project_id bigint NOT NULL REFERENCES project(id) ON DELETE CASCADE,
        repositories jsonb NOT NULL,
        tags jsonb NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX immutable_rule_project_idx ON immutable_rule (project_id)`);
    await q.query(`
      CREATE TABLE retention_policy (
        project_id bigint PRIMARY KEY REFERENCES project(id) ON DELETE CASCADE,
        rules jsonb NOT NULL DEFAULT '[]'::jsonb,
        schedule text,
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE retention_run (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        project_id bigint NOT NULL REFERENCES project(id) ON DELETE CASCADE,
        trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule')),
        triggered_by text,
        dry_run boolean NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        artifacts_deleted integer NOT NULL DEFAULT 0,
        tags_deleted integer NOT NULL DEFAULT 0,
        bytes_freed bigint NOT NULL DEFAULT 0,
        repositories jsonb NOT NULL DEFAULT '[]'::jsonb,
        errors jsonb NOT NULL DEFAULT '[]'::jsonb,
        heartbeat_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX retention_run_project_idx ON retention_run (project_id, id DESC)`);
    await q.query(`
      CREATE TABLE gc_run (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule', 'cli')),
        triggered_by text,
        dry_run boolean NOT NULL,
        delete_untagged boolean NOT NULL,
        workers integer NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'stopped')),
        phase text NOT NULL,
        done bigint NOT NULL DEFAULT 0,
        total bigint NOT NULL DEFAULT 0,
        bytes_freed bigint NOT NULL DEFAULT 0,
        blobs_deleted integer NOT NULL DEFAULT 0,
        manifests_deleted integer NOT NULL DEFAULT 0,
        uploads_deleted integer NOT NULL DEFAULT 0,
        orphans_deleted integer NOT NULL DEFAULT 0,
        rescued integer NOT NULL DEFAULT 0,
        stop_requested boolean NOT NULL DEFAULT false,
        log jsonb NOT NULL DEFAULT '[]'::jsonb,
        error text,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE job_schedule (
        key text PRIMARY KEY,
        cron text NOT NULL,
        next_run_at timestamptz NOT NULL,
        options jsonb NOT NULL DEFAULT '{}'::jsonb,
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['job_schedule', 'gc_run', 'retention_run', 'retention_policy', 'immutable_rule', 'project_blob']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP TRIGGER IF EXISTS manifest_blob_removed ON manifest_blob`);
    await q.query(`DROP TRIGGER IF EXISTS manifest_blob_added ON manifest_blob`);
    await q.query(`DROP TRIGGER IF EXISTS manifest_blob_project ON manifest_blob`);
    await q.query(`DROP FUNCTION IF EXISTS manifest_blob_removed(), manifest_blob_added(), manifest_blob_project()`);
    await q.query(`ALTER TABLE manifest_blob DROP COLUMN project_id`);
    await q.query(`ALTER TABLE project DROP COLUMN used_bytes`);
    await q.query(`ALTER TABLE repository_blob DROP CONSTRAINT repository_blob_digest_fkey`);
    await q.query(`ALTER TABLE repository_blob ADD CONSTRAINT repository_blob_digest_fkey FOREIGN KEY (digest) REFERENCES blob(digest)`);
    await q.query(`DROP INDEX IF EXISTS blob_deleting_idx`);
    await q.query(`ALTER TABLE blob DROP COLUMN touched_at, DROP COLUMN version, DROP COLUMN state`);
  }
}
