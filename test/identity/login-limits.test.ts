import { DataSource } from 'typeorm';
import { LoginAttemptRepository } from '../../apps/api/src/identity/login-attempt.repository';
import { LoginLimiter, LoginLimits } from '../../apps/api/src/identity/login-limiter';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { PasswordAuthResult } from '../../apps/api/src/identity/user.service';
import { identityServices, IdentityServices } from './identity-services';

const LIMITS: LoginLimits = { windowMs: 15 * 60_000, freeFailures: 3, firstDelayMs: 60_000, maxDelayMs: 15 * 60_000, maxFailuresPerAddress: 5 };

describe('login rate limits', () => {
  let berth: TestBerth;
  let db: DataSource;
  let id: IdentityServices;
  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    id = identityServices(db, LIMITS);
    for (const username of ['mallory-target', 'victim', 'forgiven', 'shared', 'elapsed', 'bystander', 'growing']) {
      await id.users.create({ username, password: `${username}-password` });
    }
  });
  afterAll(async () => {
    await berth.close();
  });

  const rows = async (where: string, params: unknown[]) => (await db.query(`SELECT count(*)::int AS n FROM login_attempt WHERE ${where}`, params))[0].n;
  /** Moves every recorded attempt back in time, as if that much time had passed. */
  const age = (minutes: number) => db.query(`UPDATE login_attempt SET at = at - make_interval(secs => $1::float8 * 60)`, [minutes]);
  const retryAfter = (r: PasswordAuthResult) => (r.ok === false && r.reason === 'rate_limited' ? r.retryAfterSeconds : undefined);

  it('slows down the address that guesses a username, even with the right password, but never locks the account', async () => {
    const attacker = '198.51.100.1';
    for (let i = 0; i < 3; i++) {
      expect(await id.users.authenticatePassword('mallory-target', `guess-${i}`, attacker)).toEqual({ ok: false, reason: 'wrong_password' });
    }
    const delayed = await id.users.authenticatePassword('Mallory-Target', 'mallory-target-password', attacker);
    expect(delayed).toEqual({ ok: false, reason: 'rate_limited', retryAfterSeconds: expect.any(Number) });
    expect(retryAfter(delayed)).toBeGreaterThan(50);
    expect(retryAfter(delayed)).toBeLessThanOrEqual(60);
    // Refused attempts are not written: an attacker cannot grow the table or stretch the delay.
    expect(await rows('lower(username) = $1', ['mallory-target'])).toBe(3);
    // The owner, from their own address, gets in while the attacker waits.
    expect(await id.users.authenticatePassword('mallory-target', 'mallory-target-password', '198.51.100.99')).toMatchObject({ ok: true });
    // Other users from the attacker's address are unaffected too.
    expect(await id.users.authenticatePassword('bystander', 'bystander-password', attacker)).toMatchObject({ ok: true });
    // The owner's success elsewhere does not lift the attacker's delay.
    expect(await id.users.authenticatePassword('mallory-target', 'guess-3', attacker)).toMatchObject({ reason: 'rate_limited' });
  });

  it('doubles the wait with every further failure after the free ones, up to the cap', async () => {
    const address = '198.51.100.2';
    for (let i = 0; i < 3; i++) await id.users.authenticatePassword('growing', `guess-${i}`, address);
    expect(retryAfter(await id.users.authenticatePassword('growing', 'guess', address))).toBeGreaterThan(50);
    await age(1);
    expect(await id.users.authenticatePassword('growing', 'guess-4', address)).toEqual({ ok: false, reason: 'wrong_password' });
    const second = retryAfter(await id.users.authenticatePassword('growing', 'guess', address));
    expect(second).toBeGreaterThan(110);
    expect(second).toBeLessThanOrEqual(120);
    await age(2);
    expect(await id.users.authenticatePassword('growing', 'guess-5', address)).toEqual({ ok: false, reason: 'wrong_password' });
    expect(retryAfter(await id.users.authenticatePassword('growing', 'growing-password', address))).toBeGreaterThan(230);
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

  it('lets attempts resume once the delay has passed', async () => {
    for (let i = 0; i < 3; i++) await id.users.authenticatePassword('elapsed', 'guess', '192.0.2.50');
    expect(await id.users.authenticatePassword('elapsed', 'elapsed-password', '192.0.2.50')).toMatchObject({ reason: 'rate_limited' });
    await age(0.9);
    expect(await id.users.authenticatePassword('elapsed', 'elapsed-password', '192.0.2.50')).toMatchObject({ reason: 'rate_limited' });
    await age(0.2);
    expect(await id.users.authenticatePassword('elapsed', 'elapsed-password', '192.0.2.50')).toMatchObject({ ok: true });
  });

  it('forgives a username and address their failures once they log in, but never the address alone', async () => {
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
      Array.from({ length: 20 }, (_, i) => id.users.authenticatePassword('burst', `guess-${i}`, '192.0.2.100')),
    );
    const reasons = guesses.map((g) => (g.ok ? 'ok' : g.reason));
    expect(reasons.filter((r) => r === 'unknown_user').length).toBeLessThanOrEqual(LIMITS.freeFailures);
    expect(reasons.filter((r) => r === 'rate_limited').length).toBeGreaterThanOrEqual(20 - LIMITS.freeFailures);
    expect(await rows('username = $1', ['burst'])).toBeLessThanOrEqual(LIMITS.freeFailures);
  });

  it('is shared by replicas through the database', async () => {
    const replicaA = identityServices(db, LIMITS);
    const replicaB = identityServices(db, LIMITS);
    await replicaA.users.authenticatePassword('shared', 'guess', '192.0.2.70');
    await replicaB.users.authenticatePassword('shared', 'guess', '192.0.2.70');
    await replicaA.users.authenticatePassword('shared', 'guess', '192.0.2.70');
    expect(await replicaB.users.authenticatePassword('shared', 'shared-password', '192.0.2.70')).toMatchObject({ reason: 'rate_limited' });
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
