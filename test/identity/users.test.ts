import { DataSource } from 'typeorm';
import { PasswordHasher } from '../../apps/api/src/identity/password-hasher';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { domainError, identityServices, IdentityServices } from './identity-services';

describe('users', () => {
  let berth: TestBerth;
  let db: DataSource;
  let id: IdentityServices;
  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    id = identityServices(db);
  });
  afterAll(async () => {
    await berth.close();
  });

  const storedHash = async (username: string): Promise<string> =>
    (await db.query('SELECT password_hash FROM app_user WHERE username = $1', [username]))[0].password_hash;

  describe('create', () => {
    it('stores an argon2id hash, never the password, and returns the user without it', async () => {
      const user = await id.users.create({ username: 'alice', password: 'wonderland-1', email: ' Alice@Example.org ', displayName: ' Alice ' });
      expect(user).toEqual({
        id: expect.stringMatching(/^\d+$/),
        username: 'alice',
        email: 'Alice@Example.org',
        displayName: 'Alice',
        isAdmin: false,
        disabled: false,
        createdAt: expect.any(Date),
        updatedAt: expect.any(Date),
        lastLoginAt: null,
      });
      expect(JSON.stringify(user)).not.toMatch(/argon2|wonderland/);
      const hash = await storedHash('alice');
      expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(hash).not.toBe('wonderland-1');
      expect(hash).not.toContain('wonderland');
    });

    it('refuses a taken username, and a taken email whatever its case, with CONFLICT', async () => {
      await id.users.create({ username: 'bob', password: 'builder-123', email: 'bob@example.org' });
      const taken = await domainError(id.users.create({ username: 'bob', password: 'builder-456' }), 'CONFLICT');
      expect(taken.details).toEqual({ field: 'username' });
      const email = await domainError(id.users.create({ username: 'bobby', password: 'builder-456', email: 'BOB@example.ORG' }), 'CONFLICT');
      expect(email.details).toEqual({ field: 'email' });
      expect(await id.users.findByUsername('bobby')).toBeUndefined();
      // Users without email do not collide with each other.
      await id.users.create({ username: 'noemail-1', password: 'password-1' });
      await id.users.create({ username: 'noemail-2', password: 'password-2', email: '' });
    });

    it.each(['A', 'Alice', 'x', '.hidden', 'has space', 'slash/name', 'x'.repeat(65), 'robot$ci', 'robot$proj+bot'])(
      'refuses the username %j with INVALID and stores nothing',
      async (username) => {
        await domainError(id.users.create({ username, password: 'long-enough-1' }), 'INVALID');
        const [{ n }] = await db.query('SELECT count(*)::int AS n FROM app_user WHERE username = $1', [username]);
        expect(n).toBe(0);
      },
    );

    it('names the robot namespace as the reason for robot$ names', async () => {
      const err = await domainError(id.users.create({ username: 'robot$ci', password: 'long-enough-1' }), 'INVALID');
      expect(err.message).toMatch(/reserved for robot accounts/);
    });

    it('refuses passwords shorter than 8 characters', async () => {
      const err = await domainError(id.users.create({ username: 'shorty', password: '1234567' }), 'INVALID');
      expect(err.details).toEqual({ field: 'password', minLength: 8 });
      expect(await id.users.findByUsername('shorty')).toBeUndefined();
      await id.users.create({ username: 'shorty', password: '12345678' });
    });

    it('refuses a malformed email and an over-long display name', async () => {
      await domainError(id.users.create({ username: 'mal', password: 'password-1', email: 'not-an-email' }), 'INVALID');
      await domainError(id.users.create({ username: 'mal', password: 'password-1', displayName: 'x'.repeat(200) }), 'INVALID');
    });
  });

  describe('lookups, search and paging', () => {
    beforeAll(async () => {
      for (const n of [5, 3, 1, 4, 2]) {
        await id.users.create({ username: `page-${n}`, password: 'password-1', displayName: n === 4 ? 'Fourth 100%_Done' : null });
      }
    });

    it('gets by id and by username, and answers NOT_FOUND for unknown or malformed ids', async () => {
      const byName = await id.users.getByUsername('page-1');
      expect(await id.users.get(byName.id)).toEqual(byName);
      await domainError(id.users.getByUsername('nobody'), 'NOT_FOUND');
      await domainError(id.users.get('999999999'), 'NOT_FOUND');
      await domainError(id.users.get('not-a-number'), 'NOT_FOUND');
      await domainError(id.users.get('99999999999999999999999'), 'NOT_FOUND');
    });

    it('pages through matches in username order with the total', async () => {
      const first = await id.users.list({ q: 'page-', page: 1, pageSize: 2 });
      expect(first.items.map((u) => u.username)).toEqual(['page-1', 'page-2']);
      expect(first).toMatchObject({ total: 5, page: 1, pageSize: 2 });
      const last = await id.users.list({ q: 'page-', page: 3, pageSize: 2 });
      expect(last.items.map((u) => u.username)).toEqual(['page-5']);
      const beyond = await id.users.list({ q: 'page-', page: 9, pageSize: 2 });
      expect(beyond).toMatchObject({ items: [], total: 5 });
    });

    it('searches username, email and display name case-insensitively, with % and _ taken literally', async () => {
      expect((await id.users.list({ q: 'FOURTH' })).items.map((u) => u.username)).toEqual(['page-4']);
      expect((await id.users.list({ q: '100%_d' })).items.map((u) => u.username)).toEqual(['page-4']);
      expect((await id.users.list({ q: '%' })).items.map((u) => u.username)).toEqual(['page-4']);
      expect((await id.users.list({ q: 'example.ORG' })).items.map((u) => u.username)).toEqual(['alice', 'bob']);
      const all = await id.users.list({ q: '  ', pageSize: 100 });
      expect(all.total).toBe(all.items.length);
      expect(all.total).toBeGreaterThanOrEqual(10);
    });

    it('refuses nonsense paging', async () => {
      await domainError(id.users.list({ page: 0 }), 'INVALID');
      await domainError(id.users.list({ pageSize: 101 }), 'INVALID');
      await domainError(id.users.list({ pageSize: 1.5 }), 'INVALID');
    });
  });

  describe('update and delete', () => {
    it('changes only the given fields and enforces email uniqueness', async () => {
      const carol = await id.users.create({ username: 'carol', password: 'password-1', email: 'carol@example.org', displayName: 'Carol' });
      const renamed = await id.users.update(carol.id, { displayName: 'Carol C.' });
      expect(renamed).toMatchObject({ displayName: 'Carol C.', email: 'carol@example.org', isAdmin: false });
      expect(renamed.updatedAt.getTime()).toBeGreaterThanOrEqual(carol.updatedAt.getTime());
      const conflict = await domainError(id.users.update(carol.id, { email: 'ALICE@example.org' }), 'CONFLICT');
      expect(conflict.details).toEqual({ field: 'email' });
      expect(await id.users.update(carol.id, { email: '' })).toMatchObject({ email: null });
      expect(await id.users.update(carol.id, { isAdmin: true, disabled: true })).toMatchObject({ isAdmin: true, disabled: true });
      expect(await id.users.update(carol.id, {})).toMatchObject({ username: 'carol', isAdmin: true });
      await domainError(id.users.update(carol.id, { email: 'nope' }), 'INVALID');
      await domainError(id.users.update('999999999', { displayName: 'x' }), 'NOT_FOUND');
      await domainError(id.users.update('999999999', {}), 'NOT_FOUND');
    });

    it('deletes a user, whose secrets go with it', async () => {
      const dave = await id.users.create({ username: 'dave', password: 'password-1' });
      await id.cliSecrets.create(dave.id, 'laptop');
      await id.users.delete(dave.id);
      await domainError(id.users.get(dave.id), 'NOT_FOUND');
      await domainError(id.users.delete(dave.id), 'NOT_FOUND');
      const [{ n }] = await db.query('SELECT count(*)::int AS n FROM cli_secret WHERE user_id = $1', [dave.id]);
      expect(n).toBe(0);
    });

    it('never demotes, disables or deletes the last enabled admin, even when two requests race', async () => {
      // Start from a known set of admins, whatever earlier tests or a bootstrap created.
      await db.query('UPDATE app_user SET is_admin = false');
      const root1 = await id.users.create({ username: 'root-1', password: 'password-1', isAdmin: true });
      const root2 = await id.users.create({ username: 'root-2', password: 'password-1', isAdmin: true });
      const results = await Promise.allSettled([id.users.update(root1.id, { isAdmin: false }), id.users.update(root2.id, { isAdmin: false })]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toMatchObject({ code: 'PRECONDITION' });
      const [{ n }] = await db.query('SELECT count(*)::int AS n FROM app_user WHERE is_admin AND NOT disabled');
      expect(n).toBe(1);
      const last = (await id.users.get(root1.id)).isAdmin ? root1 : root2;
      await domainError(id.users.update(last.id, { disabled: true }), 'PRECONDITION');
      await domainError(id.users.delete(last.id), 'PRECONDITION');
      // A disabled admin does not count: it cannot sign in to manage anything.
      const other = last === root1 ? root2 : root1;
      await id.users.update(other.id, { isAdmin: true, disabled: true });
      await domainError(id.users.update(last.id, { isAdmin: false }), 'PRECONDITION');
      await id.users.update(other.id, { disabled: false });
      await id.users.delete(last.id);
      expect((await id.users.get(other.id)).isAdmin).toBe(true);
    });
  });

  describe('passwords', () => {
    it('resetPassword replaces the password without the old one, under the same policy', async () => {
      const erin = await id.users.create({ username: 'erin', password: 'first-password' });
      await domainError(id.users.resetPassword(erin.id, 'short'), 'INVALID');
      await id.users.resetPassword(erin.id, 'second-password');
      expect(await id.users.authenticatePassword('erin', 'first-password', '192.0.2.10')).toEqual({ ok: false, reason: 'wrong_password' });
      expect(await id.users.authenticatePassword('erin', 'second-password', '192.0.2.10')).toMatchObject({ ok: true });
      await domainError(id.users.resetPassword('999999999', 'third-password'), 'NOT_FOUND');
    });

    it('changePassword needs the current password, and leaves it in place when that is wrong', async () => {
      const frank = await id.users.create({ username: 'frank', password: 'current-password' });
      const before = await storedHash('frank');
      const wrong = await domainError(id.users.changePassword(frank.id, 'not-the-password', 'next-password'), 'UNAUTHORIZED');
      expect(wrong.details).toEqual({ field: 'currentPassword' });
      expect(await storedHash('frank')).toBe(before);
      await domainError(id.users.changePassword(frank.id, 'current-password', 'short'), 'INVALID');
      expect(await storedHash('frank')).toBe(before);
      await id.users.changePassword(frank.id, 'current-password', 'next-password');
      const after = await storedHash('frank');
      expect(after).not.toBe(before);
      expect(after).toMatch(/^\$argon2id\$/);
      expect(after).not.toContain('next-password');
      expect(await id.users.authenticatePassword('frank', 'next-password', '192.0.2.11')).toMatchObject({ ok: true });
      expect(await id.users.authenticatePassword('frank', 'current-password', '192.0.2.11')).toEqual({ ok: false, reason: 'wrong_password' });
      await domainError(id.users.changePassword('999999999', 'x', 'next-password'), 'NOT_FOUND');
    });
  });

  describe('authenticatePassword', () => {
    const attempts = async (address: string) =>
      db.query('SELECT username, success FROM login_attempt WHERE address = $1 ORDER BY id', [address]) as Promise<{ username: string; success: boolean }[]>;

    it('accepts the right password, whatever the case of the username, and stamps the login', async () => {
      const grace = await id.users.create({ username: 'grace', password: 'hopper-1906' });
      const result = await id.users.authenticatePassword(' Grace ', 'hopper-1906', '192.0.2.20');
      expect(result).toEqual({ ok: true, user: { ...grace, lastLoginAt: expect.any(Date) } });
      expect((await id.users.get(grace.id)).lastLoginAt).toEqual(result.ok && result.user.lastLoginAt);
      expect(await attempts('192.0.2.20')).toEqual([{ username: 'grace', success: true }]);
    });

    it('tells the audit log why a login failed: wrong password, unknown user, disabled user', async () => {
      const heidi = await id.users.create({ username: 'heidi', password: 'right-password' });
      expect(await id.users.authenticatePassword('heidi', 'wrong-password', '192.0.2.21')).toEqual({ ok: false, reason: 'wrong_password' });
      expect(await id.users.authenticatePassword('nobody-here', 'right-password', '192.0.2.21')).toEqual({ ok: false, reason: 'unknown_user' });
      expect(await id.users.authenticatePassword('x'.repeat(5000), 'right-password', '192.0.2.21')).toEqual({ ok: false, reason: 'unknown_user' });
      await id.users.update(heidi.id, { disabled: true });
      expect(await id.users.authenticatePassword('heidi', 'right-password', '192.0.2.21')).toEqual({ ok: false, reason: 'disabled' });
      // Only someone who knows the password learns that the account is disabled.
      expect(await id.users.authenticatePassword('heidi', 'wrong-password', '192.0.2.21')).toEqual({ ok: false, reason: 'wrong_password' });
      expect(await attempts('192.0.2.21')).toEqual([
        { username: 'heidi', success: false },
        { username: 'nobody-here', success: false },
        { username: 'x'.repeat(128), success: false },
        { username: 'heidi', success: false },
        { username: 'heidi', success: false },
      ]);
      expect((await id.users.get(heidi.id)).lastLoginAt).toBeNull();
    });

    it('upgrades a hash made with older parameters at the next successful login', async () => {
      const ivan = await id.users.create({ username: 'ivan', password: 'password-ivan' });
      const old = await new PasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1 }).hash('password-ivan');
      await db.query('UPDATE app_user SET password_hash = $2 WHERE id = $1', [ivan.id, old]);
      expect(await id.users.authenticatePassword('ivan', 'wrong-password', '192.0.2.22')).toEqual({ ok: false, reason: 'wrong_password' });
      expect(await storedHash('ivan')).toBe(old);
      expect(await id.users.authenticatePassword('ivan', 'password-ivan', '192.0.2.22')).toMatchObject({ ok: true });
      const upgraded = await storedHash('ivan');
      expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(await id.users.authenticatePassword('ivan', 'password-ivan', '192.0.2.22')).toMatchObject({ ok: true });
    });
  });
});
