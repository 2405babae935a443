import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { DomainError } from '../common/domain-error';
import { Queryable, returnedRows } from '../database/queryable';
import { uniqueViolation } from './unique-violation';

/** A user as the rest of Berth (and an admin in GET /users) sees it: never with the password hash. */
export const User = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
  isAdmin: z.boolean(),
  disabled: z.boolean(),
  createdAt: z.date(),
  updatedAt: z.date(),
  lastLoginAt: z.date().nullable(),
});
export type User = z.output<typeof User>;

export interface NewUserRow {
  username: string;
  email: string | null;
  displayName: string | null;
  passwordHash: string;
  isAdmin: boolean;
}

export interface UserPatch {
  email?: string | null;
  displayName?: string | null;
  isAdmin?: boolean;
  disabled?: boolean;
}

export interface UserSearch {
  /** Case-insensitive substring of username, email or display name. */
  q?: string;
  limit: number;
  offset: number;
}

/** The columns of an `app_user u` joined to another table, named so they cannot clash with that table's. */
export const JOINED_USER_COLUMNS = `u.id::text AS "userId", u.username, u.email, u.display_name AS "displayName", u.is_admin AS "isAdmin", u.disabled,
  u.created_at AS "userCreatedAt", u.updated_at AS "userUpdatedAt", u.last_login_at AS "lastLoginAt"`;

/** The User in a row selected with JOINED_USER_COLUMNS. */
export function joinedUser(r: Record<string, never>): User {
  return {
    id: r.userId,
    username: r.username,
    email: r.email,
    displayName: r.displayName,
    isAdmin: r.isAdmin,
    disabled: r.disabled,
    createdAt: r.userCreatedAt,
    updatedAt: r.userUpdatedAt,
    lastLoginAt: r.lastLoginAt,
  };
}

const USER_COLUMNS = `u.id::text AS id, u.username, u.email, u.display_name AS "displayName", u.is_admin AS "isAdmin",
  u.disabled, u.created_at AS "createdAt", u.updated_at AS "updatedAt", u.last_login_at AS "lastLoginAt"`;

// Ids are bigints; anything else names no user and must not reach the cast (it would be a 500, not a 404).
const ID = /^[1-9][0-9]{0,18}$/;

/** Console users (people, not robots) and their password hashes. */
@Injectable()
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(user: NewUserRow, db: Queryable = this.dataSource): Promise<User> {
    try {
      const rows = await db.query(
        `INSERT INTO app_user AS u (username, email, display_name, password_hash, is_admin)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
        [user.username, user.email, user.displayName, user.passwordHash, user.isAdmin],
      );
      return rows[0];
    } catch (err) {
      throw translateConflict(err, user);
    }
  }

  /**
   * Inserts the user only while the table is empty; concurrent callers agree on one row (the username's
   * unique index decides between two that both saw it empty). Undefined when this call inserted nothing.
   */
  async insertIfNoUsers(user: NewUserRow, db: Queryable = this.dataSource): Promise<User | undefined> {
    const rows = await db.query(
      `INSERT INTO app_user AS u (username, email, display_name, password_hash, is_admin)
       SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM app_user)
       ON CONFLICT (username) DO NOTHING
       RETURNING ${USER_COLUMNS}`,
      [user.username, user.email, user.displayName, user.passwordHash, user.isAdmin],
    );
    return rows[0];
  }

  async hasAny(db: Queryable = this.dataSource): Promise<boolean> {
    const rows = await db.query('SELECT EXISTS (SELECT 1 FROM app_user) AS any');
    return rows[0].any;
  }

  async findById(id: string, db: Queryable = this.dataSource): Promise<User | undefined> {
    if (!ID.test(id)) return undefined;
    const rows = await db.query(`SELECT ${USER_COLUMNS} FROM app_user u WHERE u.id = $1`, [id]);
    return rows[0];
  }

  async findByUsername(username: string, db: Queryable = this.dataSource): Promise<User | undefined> {
    const rows = await db.query(`SELECT ${USER_COLUMNS} FROM app_user u WHERE u.username = $1`, [username]);
    return rows[0];
  }

  /** The user with the stored hash, for verifying a password; the only read that returns the hash. */
  async findCredentials(username: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const rows = await this.dataSource.query(`SELECT ${USER_COLUMNS}, u.password_hash AS "passwordHash" FROM app_user u WHERE u.username = $1`, [
      username,
    ]);
    if (rows.length === 0) return undefined;
    const { passwordHash, ...user } = rows[0];
    return { user, passwordHash };
  }

  async findPasswordHash(id: string): Promise<string | undefined> {
    if (!ID.test(id)) return undefined;
    const rows = await this.dataSource.query('SELECT password_hash AS "passwordHash" FROM app_user WHERE id = $1', [id]);
    return rows[0]?.passwordHash;
  }

  /** One page, ordered by username, and the number of matches overall. */
  async search(search: UserSearch): Promise<{ items: User[]; total: number }> {
    const pattern = search.q ? `%${escapeLike(search.q)}%` : null;
    const where = `($1::text IS NULL OR u.username ILIKE $1 OR u.email ILIKE $1 OR u.display_name ILIKE $1)`;
    const [items, counted] = await Promise.all([
      this.dataSource.query(`SELECT ${USER_COLUMNS} FROM app_user u WHERE ${where} ORDER BY u.username LIMIT $2 OFFSET $3`, [
        pattern,
        search.limit,
        search.offset,
      ]),
      this.dataSource.query(`SELECT count(*)::int AS total FROM app_user u WHERE ${where}`, [pattern]),
    ]);
    return { items, total: counted[0].total };
  }

  /** Applies only the fields present in `patch`; NOT_FOUND when there is no such user. */
  async update(id: string, patch: UserPatch, db: Queryable = this.dataSource): Promise<User> {
    if (!ID.test(id)) throw notFound();
    const sets: string[] = [];
    const values: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (patch.email !== undefined) set('email', patch.email);
    if (patch.displayName !== undefined) set('display_name', patch.displayName);
    if (patch.isAdmin !== undefined) set('is_admin', patch.isAdmin);
    if (patch.disabled !== undefined) set('disabled', patch.disabled);
    if (sets.length === 0) {
      const user = await this.findById(id, db);
      if (!user) throw notFound();
      return user;
    }
    try {
      const result = await db.query(`UPDATE app_user u SET ${sets.join(', ')}, updated_at = now() WHERE u.id = $1 RETURNING ${USER_COLUMNS}`, values);
      const rows = returnedRows<User>(result);
      if (rows.length === 0) throw notFound();
      return rows[0];
    } catch (err) {
      throw translateConflict(err, patch);
    }
  }

  async setPasswordHash(id: string, passwordHash: string, db: Queryable = this.dataSource): Promise<void> {
    if (!ID.test(id)) throw notFound();
    const result = await db.query('UPDATE app_user SET password_hash = $2, updated_at = now() WHERE id = $1 RETURNING id', [
      id,
      passwordHash,
    ]);
    if (returnedRows(result).length === 0) throw notFound();
  }

  /**
   * Replaces the hash only if it is still `expected`: a rehash after login must not undo a password
   * change that landed in between. Not updated_at: a rehash is not a change anyone made.
   */
  async replacePasswordHash(id: string, expected: string, passwordHash: string): Promise<void> {
    await this.dataSource.query('UPDATE app_user SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [id, expected, passwordHash]);
  }

  async recordLogin(id: string): Promise<Date> {
    const result = await this.dataSource.query('UPDATE app_user SET last_login_at = now() WHERE id = $1 RETURNING last_login_at AS at', [id]);
    return returnedRows<{ at: Date }>(result)[0]?.at ?? new Date();
  }

  async delete(id: string, db: Queryable = this.dataSource): Promise<void> {
    if (!ID.test(id)) throw notFound();
    const result = await db.query('DELETE FROM app_user WHERE id = $1 RETURNING id', [id]);
    if (returnedRows(result).length === 0) throw notFound();
  }

  /**
   * Ids of the enabled admins, locked until the transaction ends: two concurrent demotions then run one
   * after the other, and the second sees that the first left only one admin.
   */
  async lockActiveAdmins(db: Queryable): Promise<string[]> {
    const rows: { id: string }[] = await db.query('SELECT id::text AS id FROM app_user WHERE is_admin AND NOT disabled ORDER BY id FOR UPDATE');
    return rows.map((r) => r.id);
  }
}

function notFound(): DomainError {
  return DomainError.notFound('user not found');
}

function translateConflict(err: unknown, fields: { username?: string; email?: string | null }): unknown {
  const violation = uniqueViolation(err);
  if (!violation) return err;
  if (violation.constraint === 'app_user_email_idx') {
    return DomainError.conflict('another user already has this email', { field: 'email' });
  }
  return DomainError.conflict(`the username "${fields.username}" is taken`, { field: 'username' });
}

/** `q` is matched literally: % and _ are data, not wildcards. */
function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}
