import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/queryable';
import { JOINED_USER_COLUMNS, joinedUser, type User } from '../identity/user.repository';

export interface NewSessionRow {
  userId: string;
  tokenHash: string;
  csrfHash: string;
  address: string | null;
  userAgent: string | null;
  idleMs: number;
}

export interface LiveSession {
  id: string;
  csrfHash: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  user: User;
}

const ID = /^[1-9][0-9]{0,18}$/;

/** Console sessions (`console_session`), found by the sha256 of their token; the token itself is never stored. */
@Injectable()
export class ConsoleSessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(row: NewSessionRow): Promise<{ id: string; createdAt: Date; expiresAt: Date }> {
    const rows = await this.dataSource.query(
      `INSERT INTO console_session (user_id, token_hash, csrf_hash, address, user_agent, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6::float8 / 1000))
       RETURNING id::text AS id, created_at AS "createdAt", expires_at AS "expiresAt"`,
      [row.userId, row.tokenHash, row.csrfHash, row.address, row.userAgent, row.idleMs],
    );
    return rows[0];
  }

  /** The unexpired session with this token hash, if its user exists and is enabled. */
  async findLive(tokenHash: string): Promise<LiveSession | undefined> {
    const rows = await this.dataSource.query(
      `SELECT s.id::text AS id, s.csrf_hash AS "csrfHash", s.created_at AS "createdAt", s.last_seen_at AS "lastSeenAt", s.expires_at AS "expiresAt",
         ${JOINED_USER_COLUMNS}
       FROM console_session s JOIN app_user u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
      [tokenHash],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id,
      csrfHash: r.csrfHash,
      createdAt: r.createdAt,
      lastSeenAt: r.lastSeenAt,
      expiresAt: r.expiresAt,
      user: joinedUser(r),
    };
  }

  /**
   * Slides the expiry: `idleMs` from now, never past `maxAgeMs` after creation. Skipped (in SQL, so
   * replicas agree) when the session was already seen within `minIntervalMs`.
   */
  async touch(id: string, idleMs: number, maxAgeMs: number, minIntervalMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE console_session
       SET last_seen_at = now(),
           expires_at = least(now() + make_interval(secs => $2::float8 / 1000), created_at + make_interval(secs => $3::float8 / 1000))
       WHERE id = $1 AND last_seen_at < now() - make_interval(secs => $4::float8 / 1000)`,
      [id, idleMs, maxAgeMs, minIntervalMs],
    );
  }

  async delete(id: string): Promise<void> {
    if (!ID.test(id)) return;
    await this.dataSource.query('DELETE FROM console_session WHERE id = $1', [id]);
  }

  /** Ends every session of the user but `exceptId`; the number ended. */
  async deleteForUser(userId: string, exceptId?: string): Promise<number> {
    if (!ID.test(userId)) return 0;
    const result = await this.dataSource.query('DELETE FROM console_session WHERE user_id = $1 AND ($2::bigint IS NULL OR id <> $2) RETURNING id', [
      userId,
      exceptId ?? null,
    ]);
    return returnedRows(result).length;
  }

  async deleteExpired(): Promise<number> {
    const result = await this.dataSource.query('DELETE FROM console_session WHERE expires_at <= now() RETURNING id');
    return returnedRows(result).length;
  }
}
