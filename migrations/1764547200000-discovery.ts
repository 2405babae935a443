import { MigrationInterface, QueryRunner } from 'typeorm';
import { classifyArtifact, parseManifest, parseTag, tagSortKey, variantKey } from '@berth/oci';

/**
 * What the console needs to browse like Docker Hub: tags read as versions (a sort key in byte order,
 * the variant for filter chips, moving tags flagged), each manifest's artifact kind, Official / Verified
 * badges on projects and repositories, and stars.
 */
export class Discovery1764547200000 implements MigrationInterface {
  name = 'Discovery1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tag
        ADD COLUMN sort_key text,
        ADD COLUMN variant text NOT NULL DEFAULT '',
        ADD COLUMN moving boolean NOT NULL DEFAULT false`);
    const tags: { id: string; name: string }[] = await q.query(`SELECT id::text AS id, name FROM tag`);
    for (const tag of tags) {
      const parsed = parseTag(tag.name);
      await q.query(`UPDATE tag SET sort_key = $2, variant = $3, moving = $4 WHERE id = $1`, [tag.id, tagSortKey(parsed), variantKey(parsed), parsed.moving]);
    }
    await q.query(`ALTER TABLE tag ALTER COLUMN sort_key SET NOT NULL`);
    await q.query(`CREATE INDEX tag_sort_idx ON tag (repository_id, sort_key COLLATE "C")`);

    await q.query(`ALTER TABLE manifest ADD COLUMN kind text NOT NULL DEFAULT 'other'`);
    const manifests: { id: string; content: Buffer; mediaType: string }[] = await q.query(`SELECT id::text AS id, content, media_type AS "mediaType" FROM manifest`);
    for (const manifest of manifests) {
      let kind = 'other';
      try {
        kind = classifyArtifact(parseManifest(manifest.content, manifest.mediaType));
      } catch {
        // Stored manifests were validated on push; one that no longer parses stays 'other'.
      }
      await q.query(`UPDATE manifest SET kind = $2 WHERE id = $1`, [manifest.id, kind]);
    }
    await q.query(`ALTER TABLE manifest ALTER COLUMN kind DROP DEFAULT`);
    // An image's os/architecture/variant, read from its config at push (the config blob lives in storage, so older rows stay NULL).
    await q.query(`ALTER TABLE manifest ADD COLUMN platform jsonb`);

    for (const table of ['project', 'repository']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN badge text CHECK (badge IN ('official', 'verified'))`);
    }
    await q.query(`ALTER TABLE repository ADD COLUMN star_count integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE repository_star (
        repository_id bigint NOT NULL REFERENCES repository(id) ON DELETE CASCADE,
        user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (repository_id, user_id)
      )`);
    await q.query(`CREATE INDEX repository_star_user_idx ON repository_star (user_id)`);
    // Repositories are found by their project prefix in every list.
    await q.query(`CREATE INDEX repository_project_idx ON repository (split_part(name, '/', 1))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS repository_project_idx`);
    await q.query(`DROP TABLE IF EXISTS repository_star`);
    await q.query(`ALTER TABLE repository DROP COLUMN IF EXISTS star_count, DROP COLUMN IF EXISTS badge`);
    await q.query(`ALTER TABLE project DROP COLUMN IF EXISTS badge`);
    await q.query(`ALTER TABLE manifest DROP COLUMN IF EXISTS kind, DROP COLUMN IF EXISTS platform`);
    await q.query(`DROP INDEX IF EXISTS tag_sort_idx`);
    await q.query(`ALTER TABLE tag DROP COLUMN IF EXISTS sort_key, DROP COLUMN IF EXISTS variant, DROP COLUMN IF EXISTS moving`);
  }
}
