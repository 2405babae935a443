import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Queryable, returnedRows } from '../database/queryable';

/** A user may collect this many refresh tokens (one per `docker login`); the least recently used go first. */
export const MAX_REFRESH_TOKENS_PER_USER = 100;

export interface RefreshTokenOwner {
  userId: string;
  username: string;
  isAdmin: boolean;
  disabled: boolean;
}

/** The refresh_token table: hashes of the token service's refresh tokens, their user and their expiry. */
@Injectable()
export class RefreshTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records a token and trims the user's expired and surplus tokens. */
  async insert(token: { userId: string; cliSecretId?: string; tokenHash: string; clientId: string; ttlMs: number }): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO refresh_token (user_id, cli_secret_id, token_hash, client_id, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::float8 / 1000))`,
      [token.userId, token.cliSecretId ?? null, token.tokenHash, token.clientId, token.ttlMs],
    );
    await this.dataSource.query(
      `DELETE FROM refresh_token WHERE user_id = $1 AND (expires_at <= now() OR id NOT IN (
         SELECT id FROM refresh_token WHERE user_id = $1 ORDER BY coalesce(last_used_at, created_at) DESC, id DESC LIMIT $2))`,
      [token.userId, MAX_REFRESH_TOKENS_PER_USER],
    );
  }

  /**
   * The owner of an unexpired token, whose expiry starts again from now; undefined for an unknown or
   * expired one (an expired one is removed).
   */
  async use(tokenHash: string, ttlMs: number): Promise<RefreshTokenOwner | undefined> {
    const rows = returnedRows<RefreshTokenOwner>(
      await this.dataSource.query(
      `UPDATE refresh_token rt SET last_used_at = now(), expires_at = now() + make_interval(secs => $2::float8 / 1000)
       FROM app_user u
       WHERE rt.token_hash = $1 AND rt.expires_at > now() AND u.id = rt.user_id
       RETURNING u.id::text AS "userId", u.username, u.is_admin AS "isAdmin", u.disabled`,
        [tokenHash, ttlMs],
      ),
    );
    if (rows.length === 0) await this.dataSource.query('DELETE FROM refresh_token WHERE token_hash = $1 AND expires_at <= now()', [tokenHash]);
    return rows[0];
  }

  async deleteForUser(userId: string, db: Queryable = this.dataSource): Promise<number> {
    return returnedRows(await db.query('DELETE FROM refresh_token WHERE user_id = $1 RETURNING id', [userId])).length;
  }
}
