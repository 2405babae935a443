import { DataSource } from 'typeorm';
import { LoginAttemptRepository } from '../../apps/api/src/identity/login-attempt.repository';
import { LoginLimiter, LoginLimits } from '../../apps/api/src/identity/login-limiter';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { identityServices, IdentityServices } from './identity-services';

const LIMITS: LoginLimits = { windowMs: 15 * 60_000, maxFailuresPerUser: 3, maxFailuresPerAddress: 5 };

describe('login rate limits', () => {
  let berth: TestBerth;
  let db: DataSource;
  let id: IdentityServices;
  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    id = identityServices(db, LIMITS);
    for (const username of ['mallory-target', 'victim', 'forgiven', 'shared', 'elapsed', 'bystander']) {
      await id.users.create({ username, password: `${username}-password` });
    }
  });
  afterAll(async () => {
    await berth.close();
  });

  const rows = async (where: string, params: unknown[]) => (await db.query(`SELECT count(*)::int AS n FROM login_attempt WHERE ${where}`, params))[0].n;
  /** Moves every recorded attempt back in time, as if that much time had passed. */
  const age = (minutes: number) => db.query(`UPDATE login_attempt SET at = at - make_interval(mins => $1)`, [minutes]);

  it('blocks a username after its failures, from any address, even with the right password', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await id.users.authenticatePassword('mallory-target', 'guess', `198.51.100.${i}`)).toEqual({ ok: false, reason: 'wrong_password' });
    }
    const blocked = await id.users.authenticatePassword('Mallory-Target', 'mallory-target-password', '198.51.100.99');
    expect(blocked).toEqual({ ok: false, reason: 'rate_limited', retryAfterSeconds: expect.any(Number) });
    expect(blocked.ok === false && blocked.reason === 'rate_limited' && blocked.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(blocked.ok === false && blocked.reason === 'rate_limited' && blocked.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    // Refused attempts are not written: an attacker cannot grow the table or stretch the block.
    expect(await rows('lower(username) = $1', ['mallory-target'])).toBe(3);
    // Other users from those addresses are unaffected.
    expect(await id.users.authenticatePassword('bystander', 'bystander-password', '198.51.100.0')).toMatchObject({ ok: true });
  });

  it('blocks an address after failures across usernames, for every account, even with the right password', async () => {
    const address = '203.0.113.7';
    for (let i = 0; i < 5; i++) {
      expect(await id.users.authenticatePassword(`no-such-user-${i}`, 'guess', address)).toEqual({ ok: false, reason: 'unknown_user' });
    }
    expect(await id.users.authenticatePassword('victim', 'victim-password', address)).toMatchObject({ ok: false, reason: 'rate_limited' });
    // The same address in its IPv4-mapped IPv6 form is the same client.
    expect(await id.users.authenticatePassword('victim', 'victim-password', `::ffff:${address}`)).toMatchObject({ ok: false, reason: 'rate_limited' });
    expect(await id.users.authenticatePassword('victim', 'victim-password', '203.0.113.8')).toMatchObject({ ok: true });
  });

  it('lets attempts resume once the window has passed', async () => {
    for (let i = 0; i < 3; i++) await id.users.authenticatePassword('elapsed', 'guess', '192.0.2.50');
    expect(await id.users.authenticatePassword('elapsed', 'elapsed-password', '192.0.2.50')).toMatchObject({ reason: 'rate_limited' });
    await age(14);
    expect(await id.users.authenticatePassword('elapsed', 'elapsed-password', '192.0.2.50')).toMatchObject({ reason: 'rate_limited' });
    await age(2);
    expect(await id.users.authenticatePassword('elapsed', 'elapsed-password', '192.0.2.50')).toMatchObject({ ok: true });
  });

  it('forgives a username its failures once it logs in, but never an address', async () => {
    const address = '192.0.2.60';
    await id.users.authenticatePassword('forgiven', 'typo-1', address);
    await id.users.authenticatePassword('forgiven', 'typo-2', address);
    expect(await id.users.authenticatePassword('forgiven', 'forgiven-password', address)).toMatchObject({ ok: true });
    await id.users.authenticatePassword('forgiven', 'typo-3', address);
    await id.users.authenticatePassword('forgiven', 'typo-4', address);
    expect(await id.users.authenticatePassword('forgiven', 'forgiven-password', address)).toMatchObject({ ok: true });
    // Four failures from this address so far; the fifth fills its budget, and a success did not reset it.
    await id.users.authenticatePassword('forgiven', 'typo-5', address);
    expect(await id.users.authenticatePassword('forgiven', 'forgiven-password', address)).toMatchObject({ reason: 'rate_limited' });
  });

  it('lets no more than the limit through when guesses arrive all at once', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => id.users.authenticatePassword('burst', `guess-${i}`, `192.0.2.${100 + i}`)),
    );
    const reasons = guesses.map((g) => (g.ok ? 'ok' : g.reason));
    expect(reasons.filter((r) => r === 'unknown_user').length).toBeLessThanOrEqual(LIMITS.maxFailuresPerUser);
    expect(reasons.filter((r) => r === 'rate_limited').length).toBeGreaterThanOrEqual(20 - LIMITS.maxFailuresPerUser);
    expect(await rows('username = $1', ['burst'])).toBeLessThanOrEqual(LIMITS.maxFailuresPerUser);
  });

  it('is shared by replicas through the database', async () => {
    const replicaA = identityServices(db, LIMITS);
    const replicaB = identityServices(db, LIMITS);
    await replicaA.users.authenticatePassword('shared', 'guess', '192.0.2.70');
    await replicaB.users.authenticatePassword('shared', 'guess', '192.0.2.71');
    await replicaA.users.authenticatePassword('shared', 'guess', '192.0.2.72');
    expect(await replicaB.users.authenticatePassword('shared', 'shared-password', '192.0.2.73')).toMatchObject({ reason: 'rate_limited' });
  });

  it('records successes as well as failures, for the audit log', async () => {
    const before = await rows('username = $1 AND success', ['bystander']);
    await id.users.authenticatePassword('bystander', 'bystander-password', '192.0.2.80');
    expect(await rows('username = $1 AND success', ['bystander'])).toBe(before + 1);
  });

  it('prunes rows older than a day, opportunistically', async () => {
    await db.query(`INSERT INTO login_attempt (username, address, success, at) VALUES ('ancient', '192.0.2.90', false, now() - interval '25 hours')`);
    await db.query(`INSERT INTO login_attempt (username, address, success, at) VALUES ('recent', '192.0.2.90', false, now() - interval '23 hours')`);
    // A fresh limiter has not pruned yet in this process.
    const limiter = new LoginLimiter(new LoginAttemptRepository(db), { loginLimits: LIMITS });
    await limiter.admit('someone', '192.0.2.91');
    expect(await rows('username = $1', ['ancient'])).toBe(0);
    expect(await rows('username = $1', ['recent'])).toBe(1);
  });
});
