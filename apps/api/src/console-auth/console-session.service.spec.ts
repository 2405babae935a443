import { createHash } from 'node:crypto';
import type { User } from '../identity/user.repository';
import { ConsoleSessionRepository, LiveSession, NewSessionRow } from './console-session.repository';
import { ConsoleSessionService, SESSION_IDLE_MS, SESSION_MAX_AGE_MS } from './console-session.service';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
const ann: User = { id: '7', username: 'ann', email: null, displayName: null, isAdmin: false, disabled: false, createdAt: new Date(), updatedAt: new Date(), lastLoginAt: null };

/** A strict fake: only what the service may call; anything else is a TypeError. */
function fakeRepository() {
  const rows: (NewSessionRow & { id: string; createdAt: Date; lastSeenAt: Date; expiresAt: Date })[] = [];
  const touched: string[] = [];
  const repo = {
    async insert(row: NewSessionRow) {
      const now = new Date();
      const stored = { ...row, id: String(rows.length + 1), createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + row.idleMs) };
      rows.push(stored);
      return { id: stored.id, createdAt: stored.createdAt, expiresAt: stored.expiresAt };
    },
    async findLive(tokenHash: string): Promise<LiveSession | undefined> {
      const r = rows.find((x) => x.tokenHash === tokenHash);
      return r && { id: r.id, csrfHash: r.csrfHash, createdAt: r.createdAt, lastSeenAt: r.lastSeenAt, expiresAt: r.expiresAt, user: ann };
    },
    async touch(id: string) {
      touched.push(id);
    },
    async deleteExpired() {
      return 0;
    },
  };
  return { rows, touched, repo: repo as unknown as ConsoleSessionRepository };
}

describe('ConsoleSessionService', () => {
  it('hands out random tokens and stores only their sha256, with a 12 h expiry and a 7 day end', async () => {
    const { rows, repo } = fakeRepository();
    const service = new ConsoleSessionService(repo);
    const a = await service.create(ann, { address: '::1', userAgent: 'test' });
    const b = await service.create(ann, { address: '::1' });
    expect(a.token).not.toBe(b.token);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rows[0].tokenHash).toBe(sha256(a.token));
    expect(rows[0].csrfHash).toBe(sha256(a.csrfToken));
    expect(JSON.stringify(rows)).not.toContain(a.token);
    expect(rows[0].idleMs).toBe(SESSION_IDLE_MS);
    expect(a.endsAt.getTime() - rows[0].createdAt.getTime()).toBe(SESSION_MAX_AGE_MS);
  });

  it('resumes a session by its token, sliding the expiry at most once a minute', async () => {
    const { rows, touched, repo } = fakeRepository();
    const service = new ConsoleSessionService(repo);
    const issued = await service.create(ann, { address: '::1' });
    expect((await service.resume(issued.token))?.user.username).toBe('ann');
    expect(touched).toEqual([]);
    rows[0].lastSeenAt = new Date(Date.now() - 61_000);
    await service.resume(issued.token);
    expect(touched).toEqual([issued.id]);
    expect(await service.resume('not-a-token')).toBeUndefined();
    expect(await service.resume('')).toBeUndefined();
  });

  it('accepts a CSRF header only when it equals the cookie and is the token of this very session', async () => {
    const { repo } = fakeRepository();
    const service = new ConsoleSessionService(repo);
    const mine = await service.create(ann, { address: '::1' });
    const other = await service.create(ann, { address: '::1' });
    const session = (await service.resume(mine.token))!;
    expect(service.csrfMatches(session, mine.csrfToken, mine.csrfToken)).toBe(true);
    expect(service.csrfMatches(session, undefined, mine.csrfToken)).toBe(false);
    expect(service.csrfMatches(session, mine.csrfToken, undefined)).toBe(false);
    expect(service.csrfMatches(session, mine.csrfToken, 'something-else')).toBe(false);
    expect(service.csrfMatches(session, other.csrfToken, other.csrfToken)).toBe(false);
  });
});
