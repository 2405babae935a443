import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Browser sessions of the console. Only sha256 digests of the session token and of its CSRF token are
 * stored: a leaked table (a backup, a replica) does not hand out live sessions.
 */
export class ConsoleSessions1764374400000 implements MigrationInterface {
  name = 'ConsoleSessions1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_session (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        csrf_hash text NOT NULL,
        address text,
        user_agent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX console_session_user_idx ON console_session (user_id)`);
    await q.query(`CREATE INDEX console_session_expires_idx ON console_session (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS console_session`);
  }
}
