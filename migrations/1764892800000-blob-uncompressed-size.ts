import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A layer's size once decompressed, when Berth has learnt it (an archive import reads it; an export counts
 * it once): a docker archive holds layers uncompressed and its tar headers need the size before the bytes,
 * so a known size spares the export a whole inflating pass (docs/design/offline-transfer.md).
 */
export class BlobUncompressedSize1764892800000 implements MigrationInterface {
  name = 'BlobUncompressedSize1764892800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blob ADD COLUMN uncompressed_size bigint CHECK (uncompressed_size >= 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blob DROP COLUMN uncompressed_size`);
  }
}
