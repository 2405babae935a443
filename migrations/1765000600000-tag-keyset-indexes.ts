import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tag lists page by key (the console's `cursor`, the registry's `last`) in every order they offer, so the
 * 30th page costs what the first does: each order needs an index that yields it. The unique (repository_id,
 * name) index is in the database's collation; lists order names byte-wise (COLLATE "C"), as the
 * distribution spec's tags/list does.
 */
export class TagKeysetIndexes1765000600000 implements MigrationInterface {
  name = 'TagKeysetIndexes1765000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS tag_name_c_idx ON tag (repository_id, name COLLATE "C")`);
    await q.query(`CREATE INDEX IF NOT EXISTS tag_pushed_idx ON tag (repository_id, pushed_at, name COLLATE "C")`);
    await q.query(`CREATE INDEX IF NOT EXISTS tag_pulled_idx ON tag (repository_id, (coalesce(last_pulled_at, '-infinity'::timestamptz)), name COLLATE "C")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['tag_pulled_idx', 'tag_pushed_idx', 'tag_name_c_idx']) await q.query(`DROP INDEX IF EXISTS ${index}`);
  }
}
