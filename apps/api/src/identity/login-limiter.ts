import { Inject, Injectable } from '@nestjs/common';
import { BERTH_CONFIG } from '../config/config';
import { AddressFailureCount, FailureStats, LoginAttemptRepository, LoginAttemptStore } from './login-attempt.repository';

export interface LoginLimits {
  /** How far back failures count. */
  windowMs: number;
  /** Failed attempts one username may have from one address before each further attempt must wait. */
  freeFailures: number;
  /** The wait after the first failure past the free ones; it doubles with every further failure. */
  firstDelayMs: number;
  /** The longest wait a username and address pair is ever asked for. */
  maxDelayMs: number;
  /** Failed attempts one client address may have in the window, across all usernames. */
  maxFailuresPerAddress: number;
}

/**
 * 5 free failures per username and address, then waits of 1, 2, 4, ... minutes (at most 15) between
 * attempts; 30 failures per address in 15 minutes. The README's configuration table names the knobs.
 */
export const DEFAULT_LOGIN_LIMITS: Readonly<LoginLimits> = Object.freeze({
  windowMs: 15 * 60_000,
  freeFailures: 5,
  firstDelayMs: 60_000,
  maxDelayMs: 15 * 60_000,
  maxFailuresPerAddress: 30,
});

export type LoginScope = 'user' | 'address';
export type LoginDecision = { allowed: true } | { allowed: false; scope: LoginScope; retryAfterSeconds: number };

/** Rows are kept a day (for the audit trail), and at least one window so a block is never cut short. */
const RETENTION_MS = 24 * 60 * 60_000;
/** Pruning is opportunistic, from admit(): at most this often per process. */
const PRUNE_EVERY_MS = 10 * 60_000;

/** How long after its latest failure a pair with `failures` failures must wait; 0 while they are free. */
export function delayAfter(failures: number, limits: LoginLimits): number {
  if (failures < limits.freeFailures) return 0;
  const doublings = Math.min(failures - limits.freeFailures, 40);
  return Math.min(limits.firstDelayMs * 2 ** doublings, limits.maxDelayMs);
}

/**
 * Pure: may another attempt go ahead, given the failures in the window?
 *
 * The username is throttled per client address with a growing delay, never locked: whoever hammers a
 * username slows down only themselves, and its owner still signs in from their own address. An address
 * with too many failures across usernames (password spraying) is refused until they leave the window.
 */
export function decideLogin(stats: FailureStats, limits: LoginLimits): LoginDecision {
  const blocks = [pairDelay(stats, limits), addressBlock(stats.address, limits.maxFailuresPerAddress, stats.now, limits.windowMs)].filter(
    (b) => b !== undefined,
  );
  if (blocks.length === 0) return { allowed: true };
  // Both blocked: the caller has to wait for the later of the two.
  return blocks.reduce((a, b) => (b.retryAfterSeconds > a.retryAfterSeconds ? b : a));
}

type Refusal = { allowed: false; scope: LoginScope; retryAfterSeconds: number };

function pairDelay(stats: FailureStats, limits: LoginLimits): Refusal | undefined {
  const delay = delayAfter(stats.pair.failures, limits);
  if (delay === 0) return undefined;
  const freeAt = (stats.pair.lastFailureAt ?? stats.now).getTime() + delay;
  if (freeAt <= stats.now.getTime()) return undefined;
  return { allowed: false, scope: 'user', retryAfterSeconds: Math.max(1, Math.ceil((freeAt - stats.now.getTime()) / 1000)) };
}

function addressBlock(count: AddressFailureCount, limit: number, now: Date, windowMs: number): Refusal | undefined {
  if (count.failures < limit) return undefined;
  // Once the limit-th newest failure ages out, fewer than `limit` remain and attempts may resume.
  const freeAt = (count.limitingFailureAt ?? now).getTime() + windowMs;
  return { allowed: false, scope: 'address', retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)) };
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
export type LoginAdmission = { allowed: true; attemptId: string } | { allowed: false; scope: LoginScope; retryAfterSeconds: number };

/**
 * Throttles guessing of passwords, CLI secrets and robot secrets: per username and client address with a
 * growing delay, and per client address across usernames. Backed by the shared `login_attempt` table, so
 * the limits hold across replicas. The address is the client's as Express sees it: behind a proxy listed
 * in BERTH_TRUSTED_PROXIES, the one it forwards.
 *
 * An attempt is written as a failure *before* the count is taken, and only then admitted: of any two
 * concurrent attempts the later count sees the earlier row, so a burst of parallel guesses cannot all
 * slip under the limit together. A refused attempt is refused before the secret is checked (so even
 * the right one waits) and its row is removed, which keeps the table bounded under attack and neither
 * stretches the delay nor the block.
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

  /** The admitted attempt had the right secret: it no longer counts as a failure, and forgives this pair's earlier ones. */
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
