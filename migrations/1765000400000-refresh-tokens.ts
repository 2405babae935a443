import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OAuth2 refresh tokens of the token service (`docker login` stores one instead of the password): only a
 * SHA-256 of each is kept. They go with their user, and with the CLI secret they were obtained with.
 */
export class RefreshTokens1765000400000 implements MigrationInterface {
  name = 'RefreshTokens1765000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refresh_token (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        cli_secret_id bigint REFERENCES cli_secret(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        client_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX refresh_token_user_idx ON refresh_token (user_id)`);
    await q.query(`CREATE INDEX refresh_token_cli_secret_idx ON refresh_token (cli_secret_id) WHERE cli_secret_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refresh_token`);
  }
}
