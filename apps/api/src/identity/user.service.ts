import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { inTransaction, Queryable } from '../database/queryable';
import { LoginLimiter } from './login-limiter';
import { PasswordHasher } from './password-hasher';
import { RefreshTokenRepository } from './refresh-token.repository';
import { assertPasswordPolicy, assertValidUsername, normalizeDisplayName, normalizeEmail } from './user-policy';
import { User, UserPatch, UserRepository } from './user.repository';

export interface NewUser {
  username: string;
  password: string;
  email?: string | null;
  displayName?: string | null;
  isAdmin?: boolean;
}

export interface UserUpdate {
  email?: string | null;
  displayName?: string | null;
  isAdmin?: boolean;
  disabled?: boolean;
}

export interface UserListQuery {
  q?: string;
  /** 1-based. */
  page?: number;
  pageSize?: number;
}

export interface UserPage {
  items: User[];
  total: number;
  page: number;
  pageSize: number;
}

/**
 * Why a login failed. Callers show one generic message for all of them (so a response never tells
 * which usernames exist); the reason is for the audit log.
 */
export type PasswordFailureReason = 'unknown_user' | 'wrong_password' | 'disabled' | 'rate_limited';

export type PasswordAuthResult =
  | { ok: true; user: User }
  | { ok: false; reason: Exclude<PasswordFailureReason, 'rate_limited'> }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Console users: the rules for names, passwords and admins, and password logins. */
@Injectable()
export class UserService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
    private readonly limiter: LoginLimiter,
    private readonly refreshTokens: RefreshTokenRepository,
  ) {}

  async create(input: NewUser): Promise<User> {
    assertValidUsername(input.username);
    assertPasswordPolicy(input.password);
    const email = normalizeEmail(input.email);
    const displayName = normalizeDisplayName(input.displayName);
    return this.users.insert({
      username: input.username,
      email,
      displayName,
      passwordHash: await this.hasher.hash(input.password),
      isAdmin: input.isAdmin ?? false,
    });
  }

  async get(id: string): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw DomainError.notFound('user not found');
    return user;
  }

  async getByUsername(username: string): Promise<User> {
    const user = await this.findByUsername(username);
    if (!user) throw DomainError.notFound('user not found');
    return user;
  }

  async findByUsername(username: string): Promise<User | undefined> {
    return this.users.findByUsername(username);
  }

  async list(query: UserListQuery = {}): Promise<UserPage> {
    const page = query.page ?? 1;
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(page) || page < 1) throw DomainError.invalid('page must be a positive integer', { field: 'page' });
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw DomainError.invalid(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`, { field: 'pageSize' });
    }
    const q = query.q?.trim() || undefined;
    const { items, total } = await this.users.search({ q, limit: pageSize, offset: (page - 1) * pageSize });
    return { items, total, page, pageSize };
  }

  /**
   * Changes profile and status fields. Refuses (PRECONDITION) to demote or disable the last enabled
   * admin, which would leave nobody able to manage the registry.
   */
  async update(id: string, update: UserUpdate): Promise<User> {
    const patch: UserPatch = {};
    if (update.email !== undefined) patch.email = normalizeEmail(update.email);
    if (update.displayName !== undefined) patch.displayName = normalizeDisplayName(update.displayName);
    if (update.isAdmin !== undefined) patch.isAdmin = update.isAdmin;
    if (update.disabled !== undefined) patch.disabled = update.disabled;
    const removesAdmin = update.isAdmin === false || update.disabled === true;
    return inTransaction(this.dataSource, async (tx) => {
      if (removesAdmin) await this.assertNotLastAdmin(id, tx, 'demote or disable');
      const user = await this.users.update(id, patch, tx);
      // Disabling ends the user's refresh tokens for good: enabling the account again does not revive them.
      if (update.disabled === true) await this.refreshTokens.deleteForUser(id, tx);
      return user;
    });
  }

  async delete(id: string): Promise<void> {
    await inTransaction(this.dataSource, async (tx) => {
      await this.assertNotLastAdmin(id, tx, 'delete');
      await this.users.delete(id, tx);
    });
  }

  /** An admin sets a new password; the old one is not needed. */
  async resetPassword(id: string, newPassword: string): Promise<void> {
    assertPasswordPolicy(newPassword);
    await this.setPassword(id, newPassword);
  }

  /** The user changes their own password, proving they know the current one (UNAUTHORIZED if not). */
  async changePassword(id: string, currentPassword: string, newPassword: string): Promise<void> {
    assertPasswordPolicy(newPassword, 'newPassword');
    const hash = await this.users.findPasswordHash(id);
    if (!hash) throw DomainError.notFound('user not found');
    if (!(await this.hasher.verify(hash, currentPassword))) {
      throw DomainError.unauthorized('the current password is not correct', { field: 'currentPassword' });
    }
    await this.setPassword(id, newPassword);
  }

  /** A new password ends the refresh tokens obtained with the old one (docker's stored identity tokens). */
  private async setPassword(id: string, newPassword: string): Promise<void> {
    const hash = await this.hasher.hash(newPassword);
    await inTransaction(this.dataSource, async (tx) => {
      await this.users.setPasswordHash(id, hash, tx);
      await this.refreshTokens.deleteForUser(id, tx);
    });
  }

  /**
   * A password login from `address`. Every path costs about one argon2 verify (unknown users go
   * through a dummy one), except a rate-limited attempt, which is refused before any hashing so a
   * flood costs little. The password is checked before the disabled flag, so only someone who knows
   * it learns that the account is disabled. Every admitted attempt is recorded in `login_attempt`.
   */
  async authenticatePassword(username: string, password: string, address: string): Promise<PasswordAuthResult> {
    // Usernames are stored in lower case; what people type into `docker login` may not be.
    const name = username.trim().toLowerCase();
    // Admission records the attempt as a failure up front; only a correct password for an enabled user turns it into a success.
    const admission = await this.limiter.admit(name, address);
    if (!admission.allowed) return { ok: false, reason: 'rate_limited', retryAfterSeconds: admission.retryAfterSeconds };

    const credentials = name.length <= 64 ? await this.users.findCredentials(name) : undefined;
    if (!credentials) {
      await this.hasher.dummyVerify(password);
      return { ok: false, reason: 'unknown_user' };
    }
    if (!(await this.hasher.verify(credentials.passwordHash, password))) return { ok: false, reason: 'wrong_password' };
    if (credentials.user.disabled) return { ok: false, reason: 'disabled' };
    await this.limiter.succeeded(admission.attemptId);
    const lastLoginAt = await this.users.recordLogin(credentials.user.id);
    if (this.hasher.needsRehash(credentials.passwordHash)) {
      // The only moment the plain password is at hand: upgrade hashes made with older parameters.
      await this.users.replacePasswordHash(credentials.user.id, credentials.passwordHash, await this.hasher.hash(password));
    }
    return { ok: true, user: { ...credentials.user, lastLoginAt } };
  }

  private async assertNotLastAdmin(id: string, tx: Queryable, action: string): Promise<void> {
    const admins = await this.users.lockActiveAdmins(tx);
    if (admins.length === 1 && admins[0] === id) {
      throw DomainError.precondition(`cannot ${action} the last enabled admin`);
    }
  }
}
