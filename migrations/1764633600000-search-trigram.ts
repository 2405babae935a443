import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tag search looks for text anywhere in a tag name; with 100,000 tags a scan costs 25 ms before any
 * ranking. A trigram index (PostgreSQL's pg_trgm, shipped with the embedded server and with most
 * installations) answers `LIKE '%text%'` from the index. Where the extension cannot be created (a managed
 * server without contrib, or no privilege), search keeps working by scanning.
 */
export class SearchTrigram1764633600000 implements MigrationInterface {
  name = 'SearchTrigram1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
      EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%); tag search will scan', SQLERRM;
      END $$`);
    await q.query(`
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
          CREATE INDEX IF NOT EXISTS tag_name_trgm_idx ON tag USING gin (lower(name) gin_trgm_ops);
        END IF;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS tag_name_trgm_idx`);
  }
}
