import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Upload sessions count against their project's quota while they are open: `size` is what a session
 * holds in storage after its last request, `reserved_bytes` what a request writing into it right now may
 * still add (granted under the project's row lock). By project: the first component of the repository name.
 */
export class UploadQuota1765000100000 implements MigrationInterface {
  name = 'UploadQuota1765000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE upload
        ADD COLUMN size bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
        ADD COLUMN reserved_bytes bigint NOT NULL DEFAULT 0 CHECK (reserved_bytes >= 0)`);
    await q.query(`CREATE INDEX upload_project_idx ON upload ((split_part(repository_name, '/', 1)))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX upload_project_idx`);
    await q.query(`ALTER TABLE upload DROP COLUMN reserved_bytes, DROP COLUMN size`);
  }
}
