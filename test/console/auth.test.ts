import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';
import { basic, ConsoleClient } from './console-client';

/** Console authentication: sessions, CSRF, Basic credentials for scripts, and who is refused. */
describe('console authentication', () => {
  let berth: TestBerth;
  let db: DataSource;
  let admin: ConsoleClient;

  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${berth.url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) });
  const createUser = async (username: string, password: string) => {
    const res = await admin.post('/users', { username, password });
    expect(res.status).toBe(201);
    return res.body;
  };
  const auditEvents = async (query: string) => (await admin.get(`/audit?${query}`)).body.items as Record<string, any>[];

  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_LOGIN_FREE_FAILURES: '3' });
    db = berth.running.dataSource;
    admin = await ConsoleClient.admin(berth);
    await createUser('ann', 'ann-password-1');
  });
  afterAll(async () => {
    await berth.close();
  });

  it('logs in with an httpOnly SameSite=Lax session cookie and a readable CSRF cookie, storing only a hash of the token', async () => {
    const res = await login('ann', 'ann-password-1');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body.user).toEqual({ id: expect.any(String), username: 'ann', email: null, displayName: null, isAdmin: false });
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('berth_session='))!;
    const csrf = cookies.find((c) => c.startsWith('berth_csrf='))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).toMatch(/; Path=\//);
    expect(session).not.toMatch(/; Secure/);
    expect(csrf).not.toMatch(/HttpOnly/);
    expect(csrf).toMatch(/; SameSite=Lax/);
    const token = session.split(';')[0].slice('berth_session='.length);
    expect(csrf.split(';')[0].slice('berth_csrf='.length)).toBe(body.csrfToken);
    // 7 days at most, in the cookie; the 12 h sliding expiry is the server's.
    expect(Number(/Max-Age=(\d+)/.exec(session)?.[1])).toBeGreaterThan(7 * 24 * 3600 - 60);
    expect(new Date(body.expiresAt).getTime() - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    const rows = await db.query(`SELECT token_hash FROM console_session s JOIN app_user u ON u.id = s.user_id WHERE u.username = 'ann'`);
    expect(rows.map((r: { token_hash: string }) => r.token_hash)).toContain(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(await db.query('SELECT * FROM console_session'))).not.toContain(token);

    const me = await fetch(`${berth.url}/api/v1/me`, { headers: { Cookie: `berth_session=${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as Record<string, unknown>).username).toBe('ann');
  });

  it('believes X-Forwarded-Proto only from a trusted proxy (none here) for the Secure flag', async () => {
    // The trusted case is in test/identity/login-throttle-http.test.ts.
    const res = await login('ann', 'ann-password-1', { 'X-Forwarded-Proto': 'https' });
    expect(res.status).toBe(200);
    for (const cookie of res.headers.getSetCookie()) expect(cookie).not.toMatch(/; Secure/);
  });

  it('requires X-CSRF-Token equal to the CSRF cookie of this session on unsafe requests by cookie, not on reads', async () => {
    const ann = await ConsoleClient.session(berth, 'ann', 'ann-password-1');
    ann.sendCsrf = false;
    expect((await ann.get('/me')).status).toBe(200);
    const missing = await ann.patch('/me', { displayName: 'Ann' });
    expect(missing.status).toBe(403);
    expect(missing.body).toEqual({ code: 'FORBIDDEN', message: 'missing or wrong CSRF token', requestId: expect.any(String) });
    expect((await ann.patch('/me', { displayName: 'Ann' }, { 'X-CSRF-Token': 'guessed' })).status).toBe(403);
    expect((await ann.delete('/me/cli-secrets/1')).status).toBe(403);
    // Another session's CSRF token, even sent in both places, does not fit this session.
    const other = await ConsoleClient.session(berth, 'ann', 'ann-password-1');
    const foreign = other.cookies.get('berth_csrf')!;
    const cookie = `berth_session=${ann.cookies.get('berth_session')}; berth_csrf=${foreign}`;
    expect((await new ConsoleClient(berth.url).patch('/me', { displayName: 'Ann' }, { Cookie: cookie, 'X-CSRF-Token': foreign })).status).toBe(403);
    ann.sendCsrf = true;
    const ok = await ann.patch('/me', { displayName: 'Ann' });
    expect(ok.status).toBe(200);
    expect(ok.body.displayName).toBe('Ann');
  });

  it('logs out: the session row is deleted, the cookies cleared, and the old cookie no longer works', async () => {
    const ann = await ConsoleClient.session(berth, 'ann', 'ann-password-1');
    const token = ann.cookies.get('berth_session')!;
    const res = await ann.post('/auth/logout');
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().join('\n')).toMatch(/berth_session=;.*Expires=Thu, 01 Jan 1970/);
    const hash = createHash('sha256').update(token).digest('hex');
    expect(await db.query('SELECT id FROM console_session WHERE token_hash = $1', [hash])).toEqual([]);
    const replay = await fetch(`${berth.url}/api/v1/me`, { headers: { Cookie: `berth_session=${token}` } });
    expect(replay.status).toBe(401);
    // Logging out without a session is not an error.
    expect((await ConsoleClient.anonymous(berth).post('/auth/logout')).status).toBe(204);
  });

  it('slides the expiry by 12 hours with use, never past 7 days after login, and refuses expired sessions', async () => {
    const ann = await ConsoleClient.session(berth, 'ann', 'ann-password-1');
    const hash = createHash('sha256').update(ann.cookies.get('berth_session')!).digest('hex');
    const expiry = async () => (await db.query('SELECT expires_at FROM console_session WHERE token_hash = $1', [hash]))[0].expires_at.getTime() - Date.now();

    await db.query(`UPDATE console_session SET last_seen_at = now() - interval '2 hours', expires_at = now() + interval '10 hours' WHERE token_hash = $1`, [hash]);
    expect((await ann.get('/me')).status).toBe(200);
    expect(await expiry()).toBeGreaterThan(11.9 * 3600_000);

    await db.query(`UPDATE console_session SET created_at = now() - interval '6 days 23 hours', last_seen_at = now() - interval '2 hours' WHERE token_hash = $1`, [hash]);
    expect((await ann.get('/me')).status).toBe(200);
    expect(await expiry()).toBeLessThan(3600_000 + 5_000);

    await db.query(`UPDATE console_session SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hash]);
    const expired = await ann.get('/me');
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/expired/);
    expect(ann.cookies.has('berth_session')).toBe(false); // the answer cleared the stale cookie
  });

  it('answers every login failure with one generic 401, and records each with its reason (successes too)', async () => {
    await createUser('gone', 'gone-password-1');
    expect((await admin.patch('/users/gone', { disabled: true })).status).toBe(200);
    for (const [username, password] of [
      ['ann', 'wrong-password'],
      ['nobody', 'whatever-123'],
      ['gone', 'gone-password-1'],
    ]) {
      const res = await login(username, password);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ code: 'UNAUTHORIZED', message: 'invalid username or password', requestId: expect.any(String) });
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    const failures = (await auditEvents('action=login&page_size=100')).filter((e) => !e.success && e.resource === 'console');
    expect(failures.map((e) => [e.actor, e.details.reason]).sort()).toEqual([
      ['ann', 'wrong_password'],
      ['gone', 'disabled'],
      ['nobody', 'unknown_user'],
    ]);
    const successes = await auditEvents('action=login&actor=ann');
    expect(successes.some((e) => e.success && e.resource === 'console' && /127\.0\.0\.1/.test(e.address))).toBe(true);
    expect(JSON.stringify(await auditEvents('page_size=100'))).not.toMatch(/wrong-password|ann-password-1/);
  });

  it('answers 429 with Retry-After once a username has failed too often, even with the right password', async () => {
    await createUser('victim', 'victim-password');
    for (let i = 0; i < 3; i++) expect((await login('victim', 'not-the-password')).status).toBe(401);
    const blocked = await login('victim', 'victim-password');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await blocked.json()) as Record<string, unknown>).code).toBe('TOO_MANY_REQUESTS');
    // Basic credentials share the limiter.
    expect((await ConsoleClient.basic(berth, 'victim', 'victim-password').get('/me')).status).toBe(429);
    const limited = (await auditEvents('action=login&actor=victim&page_size=50')).filter((e) => e.details.reason === 'rate_limited');
    expect(limited.length).toBeGreaterThanOrEqual(1);
  });

  it('takes Basic credentials (password or CLI secret) from scripts, without CSRF, and refuses wrong ones with 401', async () => {
    const byPassword = ConsoleClient.basic(berth, 'admin', TEST_ADMIN_PASSWORD);
    expect((await byPassword.get('/me')).body.username).toBe('admin');
    const created = await byPassword.post('/projects', { name: 'scripted' });
    expect(created.status).toBe(201);
    const { token } = (await byPassword.post('/me/cli-secrets', { name: 'ci' })).body;
    const bySecret = ConsoleClient.basic(berth, 'admin', token);
    expect((await bySecret.patch('/projects/scripted', { description: 'by a script' })).status).toBe(200);
    const wrong = await ConsoleClient.basic(berth, 'admin', 'wrong-password').get('/me');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBeNull(); // no browser password prompt
    expect((await new ConsoleClient(berth.url, 'Bearer abc').get('/me')).status).toBe(401);
    expect((await ConsoleClient.basic(berth, 'ann', token).get('/me')).status).toBe(401); // someone else's secret
  });

  it('refuses robot credentials on the console API with 403, though they work for docker login', async () => {
    const created = await admin.post('/projects/scripted/robots', { name: 'ci', permissions: ['pull', 'push'] });
    expect(created.status).toBe(201);
    const { robot, secret } = created.body;
    const docker = await fetch(`${berth.url}/service/token?service=berth`, { headers: { Authorization: basic(robot.name, secret) } });
    expect(docker.status).toBe(200);
    for (const path of ['/me', '/projects', '/projects/scripted']) {
      const res = await ConsoleClient.basic(berth, robot.name, secret).get(path);
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/robot accounts are for docker login only/);
    }
  });

  it('ends a disabled user\'s sessions at once, and refuses their Basic credentials', async () => {
    await createUser('bob', 'bob-password-1');
    const bob = await ConsoleClient.session(berth, 'bob', 'bob-password-1');
    expect((await bob.get('/me')).status).toBe(200);
    expect((await ConsoleClient.basic(berth, 'bob', 'bob-password-1').get('/me')).status).toBe(200);
    expect((await admin.patch('/users/bob', { disabled: true })).status).toBe(200);
    expect((await bob.get('/me')).status).toBe(401);
    expect(await db.query(`SELECT s.id FROM console_session s JOIN app_user u ON u.id = s.user_id WHERE u.username = 'bob'`)).toEqual([]);
    expect((await ConsoleClient.basic(berth, 'bob', 'bob-password-1').get('/me')).status).toBe(401);
    // Enabling the account again does not bring the old session back.
    expect((await admin.patch('/users/bob', { disabled: false })).status).toBe(200);
    expect((await bob.get('/me')).status).toBe(401);
  });

  it('answers 401 without credentials on every authenticated route, in the error shape', async () => {
    const anonymous = ConsoleClient.anonymous(berth);
    for (const [method, path] of [
      ['GET', '/me'],
      ['PATCH', '/me'],
      ['GET', '/me/cli-secrets'],
      ['GET', '/users'],
      ['GET', '/settings'],
      ['POST', '/projects'],
      ['GET', '/projects/library/members'],
      ['GET', '/robots'],
      ['GET', '/audit'],
    ]) {
      const res = await anonymous.request(method, path, method === 'GET' ? undefined : {});
      expect([method, path, res.status]).toEqual([method, path, 401]);
      expect(res.body).toEqual({ code: 'UNAUTHORIZED', message: 'authentication required', requestId: res.headers.get('x-request-id') });
    }
  });

  it('lets people sign up only while self_registration is on', async () => {
    const anonymous = ConsoleClient.anonymous(berth);
    const off = await anonymous.post('/auth/signup', { username: 'newbie', password: 'newbie-password' });
    expect(off.status).toBe(403);
    expect(off.body.code).toBe('FORBIDDEN');
    expect((await admin.patch('/settings', { self_registration: true })).status).toBe(200);
    const on = await anonymous.post('/auth/signup', { username: 'newbie', password: 'newbie-password', email: 'newbie@example.org' });
    expect(on.status).toBe(201);
    expect(on.body).toEqual({ id: expect.any(String), username: 'newbie', email: 'newbie@example.org', displayName: null, isAdmin: false });
    expect((await anonymous.post('/auth/signup', { username: 'newbie', password: 'another-password' })).status).toBe(409);
    const short = await anonymous.post('/auth/signup', { username: 'shorty', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.details.issues).toEqual([{ path: 'password', message: expect.stringMatching(/at least 8/) }]);
    expect((await ConsoleClient.session(berth, 'newbie', 'newbie-password')).cookies.has('berth_session')).toBe(true);
    expect((await admin.patch('/settings', { self_registration: false })).status).toBe(200);
  });

  it('answers malformed requests in the error shape: unknown endpoints, bad JSON, non-JSON bodies, schema violations', async () => {
    const notFound = await admin.get('/no-such-thing');
    expect(notFound.status).toBe(404);
    expect(notFound.body).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });

    const badJson = await fetch(`${berth.url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"username":' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ code: 'INVALID', message: 'the request body is not valid JSON' });

    const form = await fetch(`${berth.url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'username=admin&password=x' });
    expect(form.status).toBe(400);
    expect(((await form.json()) as Record<string, unknown>).message).toMatch(/must be JSON/);

    const huge = await fetch(`${berth.url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'x'.repeat(3 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as Record<string, unknown>).code).toBe('QUOTA');

    const invalid = await ConsoleClient.anonymous(berth).post('/auth/login', { username: '', password: 42, extra: true });
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('INVALID');
    expect(invalid.body.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['', 'password', 'username']);
    const missing = await ConsoleClient.anonymous(berth).post('/auth/login');
    expect(missing.status).toBe(400);
    expect(missing.body.details.issues).toHaveLength(1);
  });
});
