import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { User } from '../identity/user.repository';
import { ConsoleSessionRepository } from './console-session.repository';

/** A session ends after 12 idle hours, and 7 days after login whatever happens. */
export const SESSION_IDLE_MS = 12 * 60 * 60_000;
export const SESSION_MAX_AGE_MS = 7 * 24 * 60 * 60_000;
/** The sliding expiry is written at most once a minute per session, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;
const TOKEN_BYTES = 32;

/** What the browser gets at login: the two cookie values, and when the cookies may be dropped. */
export interface IssuedSession {
  id: string;
  token: string;
  csrfToken: string;
  /** The idle expiry as of now (it slides with use). */
  expiresAt: Date;
  /** The hard end, 7 days after login: the cookies' own lifetime. */
  endsAt: Date;
}

export interface ResumedSession {
  id: string;
  user: User;
  csrfHash: string;
}

/**
 * Console sessions: a random 256-bit token in an httpOnly cookie, stored only as its sha256 (a fast hash
 * is right here: the token is random, not a password), with a CSRF token bound to the session.
 */
@Injectable()
export class ConsoleSessionService {
  private lastPruneAt = 0;

  constructor(private readonly sessions: ConsoleSessionRepository) {}

  async create(user: User, client: { address: string; userAgent?: string }): Promise<IssuedSession> {
    await this.pruneOccasionally();
    const token = randomToken();
    const csrfToken = randomToken();
    const row = await this.sessions.insert({
      userId: user.id,
      tokenHash: sha256(token),
      csrfHash: sha256(csrfToken),
      address: client.address.slice(0, 128) || null,
      userAgent: client.userAgent?.slice(0, 512) ?? null,
      idleMs: SESSION_IDLE_MS,
    });
    return { id: row.id, token, csrfToken, expiresAt: row.expiresAt, endsAt: new Date(row.createdAt.getTime() + SESSION_MAX_AGE_MS) };
  }

  /** The live session behind a cookie value (its expiry slid forward), or undefined. */
  async resume(token: string): Promise<ResumedSession | undefined> {
    if (token.length === 0 || token.length > 128) return undefined;
    const found = await this.sessions.findLive(sha256(token));
    if (!found) return undefined;
    if (Date.now() - found.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
      await this.sessions.touch(found.id, SESSION_IDLE_MS, SESSION_MAX_AGE_MS, TOUCH_INTERVAL_MS);
    }
    return { id: found.id, user: found.user, csrfHash: found.csrfHash };
  }

  /** Double submit, bound to the session: the header equals the cookie, and is the token issued with this session. */
  csrfMatches(session: ResumedSession, header: string | undefined, cookie: string | undefined): boolean {
    if (!header || !cookie || header.length > 128) return false;
    return safeEqual(header, cookie) && safeEqual(sha256(header), session.csrfHash);
  }

  async end(id: string): Promise<void> {
    await this.sessions.delete(id);
  }

  /** Logs the user out everywhere (but in `exceptId`, the session asking). */
  async endAllForUser(userId: string, exceptId?: string): Promise<number> {
    return this.sessions.deleteForUser(userId, exceptId);
  }

  private async pruneOccasionally(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = now;
    await this.sessions.deleteExpired().catch(() => {
      this.lastPruneAt = 0; // housekeeping must not fail a login; the next one retries
    });
  }
}

function randomToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
