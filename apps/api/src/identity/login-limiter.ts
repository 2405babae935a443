import { Inject, Injectable } from '@nestjs/common';
import { BERTH_CONFIG } from '../config/config';
import { FailureCount, FailureStats, LoginAttemptRepository, LoginAttemptStore } from './login-attempt.repository';

export interface LoginLimits {
  /** How far back failures count. */
  windowMs: number;
  /** Failed attempts one username may have in the window; the next attempt is refused. */
  maxFailuresPerUser: number;
  /** Failed attempts one client address may have in the window, across all usernames. */
  maxFailuresPerAddress: number;
}

/** 10 failures per username and 30 per address in 15 minutes; the README's configuration table names the knobs. */
export const DEFAULT_LOGIN_LIMITS: Readonly<LoginLimits> = Object.freeze({
  windowMs: 15 * 60_000,
  maxFailuresPerUser: 10,
  maxFailuresPerAddress: 30,
});

export type LoginDecision = { allowed: true } | { allowed: false; scope: 'user' | 'address'; retryAfterSeconds: number };

/** Rows are kept a day (for the audit trail), and at least one window so a block is never cut short. */
const RETENTION_MS = 24 * 60 * 60_000;
/** Pruning is opportunistic, from admit(): at most this often per process. */
const PRUNE_EVERY_MS = 10 * 60_000;

/** Pure: may another attempt go ahead, given the failures in the window? */
export function decideLogin(stats: FailureStats, limits: LoginLimits): LoginDecision {
  const blocks = [
    blockedFor('user', stats.user, limits.maxFailuresPerUser, stats.now, limits.windowMs),
    blockedFor('address', stats.address, limits.maxFailuresPerAddress, stats.now, limits.windowMs),
  ].filter((b) => b !== undefined);
  if (blocks.length === 0) return { allowed: true };
  // Both blocked: the caller has to wait for the later of the two.
  return blocks.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a));
}

function blockedFor(
  scope: 'user' | 'address',
  count: FailureCount,
  limit: number,
  now: Date,
  windowMs: number,
): { allowed: false; scope: 'user' | 'address'; retryAfterSeconds: number } | undefined {
  if (count.failures < limit) return undefined;
  // Once the limit-th newest failure ages out, fewer than `limit` remain and attempts may resume.
  const freeAt = (count.limitingFailureAt ?? now).getTime() + windowMs;
  return { allowed: false, scope, retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)) };
}

// Whatever a client typed is stored: bounded, so a megabyte "username" cannot bloat the table.
const MAX_KEY_LENGTH = 128;

/** Usernames are lower case, so `Admin` and `admin` share one counter. */
export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase().slice(0, MAX_KEY_LENGTH);
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one client: count them together. */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim().toLowerCase();
  return (trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed).slice(0, MAX_KEY_LENGTH);
}

/** Admitted attempts carry the id to pass to succeeded() when the password was right; otherwise they stay failures. */
export type LoginAdmission = { allowed: true; attemptId: string } | { allowed: false; scope: 'user' | 'address'; retryAfterSeconds: number };

/**
 * Throttles password guessing per username and per client address. Backed by the shared
 * `login_attempt` table, so the limits hold across replicas.
 *
 * An attempt is written as a failure *before* the count is taken, and only then admitted: of any two
 * concurrent attempts the later count sees the earlier row, so a burst of parallel guesses cannot all
 * slip under the limit together. A refused attempt is refused before the password is checked (so even
 * the right one fails) and its row is removed, which keeps the table bounded under attack and lets the
 * block lift when the window has passed.
 */
@Injectable()
export class LoginLimiter {
  private readonly limits: LoginLimits;
  private lastPruneAt = 0;

  constructor(
    @Inject(LoginAttemptRepository) private readonly attempts: LoginAttemptStore,
    @Inject(BERTH_CONFIG) config: { loginLimits?: LoginLimits },
  ) {
    this.limits = { ...(config.loginLimits ?? DEFAULT_LOGIN_LIMITS) };
    for (const [key, value] of Object.entries(this.limits)) {
      if (!Number.isFinite(value) || value < 1) throw new Error(`login limit ${key} must be a positive number, got ${value}`);
    }
  }

  async admit(username: string, address: string): Promise<LoginAdmission> {
    const name = normalizeUsername(username);
    const addr = normalizeAddress(address);
    await this.pruneOccasionally();
    const attemptId = await this.attempts.insertFailure(name, addr);
    let decision: LoginDecision;
    try {
      const stats = await this.attempts.failureStats({
        excludeId: attemptId,
        username: name,
        address: addr,
        windowMs: this.limits.windowMs,
        userLimit: this.limits.maxFailuresPerUser,
        addressLimit: this.limits.maxFailuresPerAddress,
      });
      decision = decideLogin(stats, this.limits);
    } catch (err) {
      await this.attempts.delete(attemptId).catch(() => undefined);
      throw err;
    }
    if (decision.allowed) return { allowed: true, attemptId };
    await this.attempts.delete(attemptId);
    return decision;
  }

  /** The admitted attempt had the right password: it no longer counts as a failure, and forgives the username's earlier ones. */
  async succeeded(attemptId: string): Promise<void> {
    await this.attempts.markSucceeded(attemptId);
  }

  private async pruneOccasionally(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = now;
    try {
      await this.attempts.deleteOlderThan(Math.max(RETENTION_MS, this.limits.windowMs));
    } catch {
      // Housekeeping: a failed prune must not fail the login that triggered it; the next one retries.
      this.lastPruneAt = 0;
    }
  }
}
