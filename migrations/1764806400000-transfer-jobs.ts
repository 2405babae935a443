import { MigrationInterface, QueryRunner } from 'typeorm';

/** Archive imports and exports run as jobs whose progress the console polls (docs/design/offline-transfer.md). */
export class TransferJobs1764806400000 implements MigrationInterface {
  name = 'TransferJobs1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transfer_job (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('import', 'export')),
        project_id bigint REFERENCES project(id) ON DELETE CASCADE,
        created_by text,
        status text NOT NULL CHECK (status IN ('uploading', 'analyzing', 'awaiting_names', 'importing', 'succeeded', 'failed')),
        bytes_read bigint NOT NULL DEFAULT 0,
        bytes_total bigint,
        images_total integer NOT NULL DEFAULT 0,
        images_done integer NOT NULL DEFAULT 0,
        layers_total integer NOT NULL DEFAULT 0,
        layers_done integer NOT NULL DEFAULT 0,
        plan jsonb,
        result jsonb,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX transfer_job_project_idx ON transfer_job (project_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS transfer_job`);
  }
}
