import { MigrationInterface, QueryRunner } from 'typeorm';

/** A repository's description (markdown, as its editors wrote it), shown by the console. */
export class RepositoryDescription1764460800000 implements MigrationInterface {
  name = 'RepositoryDescription1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repository ADD COLUMN description text NOT NULL DEFAULT ''`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE repository DROP COLUMN IF EXISTS description`);
  }
}
