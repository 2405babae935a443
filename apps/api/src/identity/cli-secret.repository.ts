import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { DomainError } from '../common/domain-error';
import { returnedRows } from '../database/queryable';
import { uniqueViolation } from './unique-violation';
import { JOINED_USER_COLUMNS, joinedUser, type User } from './user.repository';

/** A CLI secret as its owner sees it: never the secret or its hash. */
export const CliSecret = z.object({
  id: z.string(),
  name: z.string(),
  /** The public part of the token (`berth_<prefix>_...`), shown so the owner can tell secrets apart. */
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
});
export type CliSecret = z.output<typeof CliSecret>;

export interface CliSecretCredentials {
  secret: CliSecret;
  secretHash: string;
  user: User;
}

const SECRET_COLUMNS = `s.id::text AS id, s.name, s.prefix, s.created_at AS "createdAt", s.last_used_at AS "lastUsedAt"`;
const ID = /^[1-9][0-9]{0,18}$/;

/** Personal secrets for `docker login`, stored as argon2id hashes and found by their public prefix. */
@Injectable()
export class CliSecretRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Undefined when the prefix is already taken (a random collision: the caller draws another);
   * CONFLICT when the user already has a secret with this name.
   */
  async insert(userId: string, name: string, prefix: string, secretHash: string): Promise<CliSecret | undefined> {
    try {
      const rows = await this.dataSource.query(
        `INSERT INTO cli_secret AS s (user_id, name, prefix, secret_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (prefix) DO NOTHING RETURNING ${SECRET_COLUMNS}`,
        [userId, name, prefix, secretHash],
      );
      return rows[0];
    } catch (err) {
      if (uniqueViolation(err)) throw DomainError.conflict(`a CLI secret named "${name}" already exists`, { field: 'name' });
      // The owner was deleted between the caller's check and this insert.
      if ((err as { code?: string }).code === '23503') throw DomainError.notFound('user not found');
      throw err;
    }
  }

  async countForUser(userId: string): Promise<number> {
    if (!ID.test(userId)) return 0;
    const rows = await this.dataSource.query('SELECT count(*)::int AS n FROM cli_secret WHERE user_id = $1', [userId]);
    return rows[0].n;
  }

  async listForUser(userId: string): Promise<CliSecret[]> {
    if (!ID.test(userId)) return [];
    return this.dataSource.query(`SELECT ${SECRET_COLUMNS} FROM cli_secret s WHERE s.user_id = $1 ORDER BY s.created_at, s.id`, [userId]);
  }

  /** NOT_FOUND also when the secret belongs to someone else: its existence is not theirs to learn. */
  async deleteForUser(userId: string, id: string): Promise<void> {
    if (!ID.test(userId) || !ID.test(id)) throw DomainError.notFound('CLI secret not found');
    const result = await this.dataSource.query('DELETE FROM cli_secret WHERE id = $1 AND user_id = $2 RETURNING id', [id, userId]);
    if (returnedRows(result).length === 0) throw DomainError.notFound('CLI secret not found');
  }

  async findByPrefix(prefix: string): Promise<CliSecretCredentials | undefined> {
    const rows = await this.dataSource.query(
      `SELECT ${SECRET_COLUMNS}, s.secret_hash AS "secretHash",
         ${JOINED_USER_COLUMNS}
       FROM cli_secret s JOIN app_user u ON u.id = s.user_id
       WHERE s.prefix = $1`,
      [prefix],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      secret: { id: r.id, name: r.name, prefix: r.prefix, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt },
      secretHash: r.secretHash,
      user: joinedUser(r),
    };
  }

  /**
   * Stamps last use unless another call (on any replica) did within `minIntervalMs`; the new time when
   * this call wrote. The condition is in SQL so replicas racing on one secret still write once.
   */
  async touch(id: string, minIntervalMs: number): Promise<Date | undefined> {
    const result = await this.dataSource.query(
      `UPDATE cli_secret SET last_used_at = now()
       WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2::float8 / 1000))
       RETURNING last_used_at AS at`,
      [id, minIntervalMs],
    );
    return returnedRows<{ at: Date }>(result)[0]?.at;
  }
}
