import { createHash } from 'node:crypto';
import { SigningKeyRepository } from '../../apps/api/src/auth/signing-key.repository';
import { TokenService } from '../../apps/api/src/auth/token.service';
import { addMember, adminBasicAuth, basicAuth, createProject, createRobot, createUser, robotName } from '../support/access';
import { RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

interface TokenAnswer {
  status: number;
  headers: Headers;
  body: Record<string, any>;
}

/**
 * POST /service/token: the OAuth2 form of distribution's token spec (grant_type=password and
 * refresh_token), which containerd and buildkit try first, and the refresh tokens that let `docker login`
 * keep an identity token instead of the password (GET with offline_token=true). Refresh tokens are
 * stored as hashes, expire when unused, and stop working when their user is disabled, deleted or changes
 * password, or when the CLI secret they came from is revoked.
 */
describe('the token endpoint: OAuth2 POST and refresh tokens', () => {
  let berth: TestBerth;
  let verifier: TokenService;

  async function post(form: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<TokenAnswer> {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) for (const v of [value].flat()) body.append(key, v);
    const res = await fetch(`${berth.url}/service/token`, { method: 'POST', body, headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  }
  async function get(query: Record<string, string>, authorization?: string): Promise<TokenAnswer> {
    const res = await fetch(`${berth.url}/service/token?${new URLSearchParams(query)}`, { headers: authorization ? { Authorization: authorization } : {} });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  }
  const passwordGrant = (username: string, password: string, extra: Record<string, string | string[]> = {}) =>
    post({ grant_type: 'password', service: 'berth', client_id: 'containerd-client', username, password, ...extra });
  const refreshGrant = (refreshToken: string, extra: Record<string, string | string[]> = {}) =>
    post({ grant_type: 'refresh_token', service: 'berth', client_id: 'docker', refresh_token: refreshToken, ...extra });
  /** An OAuth2 error answer (RFC 6749 §5.2), which also carries the registry envelope docker's client reads. */
  function expectOAuthError(answer: TokenAnswer, status: number, error: string): string {
    expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
    expect(typeof answer.body.error_description).toBe('string');
    expect(answer.body.errors?.[0]?.message).toBe(answer.body.error_description);
    expect(answer.body.access_token).toBeUndefined();
    return answer.body.error_description;
  }
  async function offlineToken(username: string, password: string): Promise<string> {
    const answer = await passwordGrant(username, password, { access_type: 'offline' });
    expect(answer.status).toBe(200);
    expect(answer.body.refresh_token).toEqual(expect.any(String));
    return answer.body.refresh_token;
  }

  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_LOGIN_MAX_FAILURES_PER_USER: '3', BERTH_REFRESH_TOKEN_DAYS: '30' });
    verifier = new TokenService(new SigningKeyRepository(berth.running.dataSource));
    await verifier.onModuleInit();
    await createProject(berth, 'team');
    for (const user of ['dev', 'changer', 'resetme', 'disableme', 'deleteme', 'secretive', 'throttled', 'robotless']) await createUser(berth, user, `${user}-password`);
    await addMember(berth, 'team', 'dev', 'developer');
    await new RegistryClient(berth.url).pushImage('team/app', { tag: 'v1' });
  });
  afterAll(async () => {
    await berth.close();
  });

  describe('grant_type=password', () => {
    it('answers access_token, scope, expires_in and issued_at for the scopes the user may have; the token pulls', async () => {
      const answer = await passwordGrant('dev', 'dev-password', { scope: 'repository:team/app:pull,push repository:team/other:pull' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.body).toEqual({
        access_token: expect.any(String),
        token: answer.body.access_token,
        scope: 'repository:team/app:pull,push repository:team/other:pull',
        expires_in: 300,
        issued_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const verified = await verifier.verify(answer.body.access_token);
      expect(verified?.subject).toBe('dev');
      const pull = await new RegistryClient(berth.url, `Bearer ${answer.body.access_token}`).request('GET', '/v2/team/app/manifests/v1');
      expect(pull.status).toBe(200);
    });

    it('takes scope repeated as well as space separated, and grants only what the user may do', async () => {
      const answer = await passwordGrant('dev', 'dev-password', { scope: ['repository:team/app:pull', 'repository:team/app:delete repository:library/x:pull'] });
      expect(answer.status).toBe(200);
      expect(answer.body.scope).toBe('repository:team/app:pull repository:library/x:pull');
      expect((await verifier.verify(answer.body.access_token))?.access).toEqual([
        { type: 'repository', name: 'team/app', actions: ['pull'] },
        { type: 'repository', name: 'library/x', actions: ['pull'] },
      ]);
    });

    it('gives a refresh token only for access_type=offline', async () => {
      expect((await passwordGrant('dev', 'dev-password')).body.refresh_token).toBeUndefined();
      expect((await passwordGrant('dev', 'dev-password', { access_type: 'online' })).body.refresh_token).toBeUndefined();
      expect(await offlineToken('dev', 'dev-password')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    });

    it('a wrong password is 400 invalid_grant, and counts toward the login limit: then even the right one is 429', async () => {
      expect(expectOAuthError(await passwordGrant('throttled', 'wrong-password'), 400, 'invalid_grant')).toBe('invalid username or password');
      expectOAuthError(await passwordGrant('nobody', 'whatever-password'), 400, 'invalid_grant');
      await passwordGrant('throttled', 'wrong-password');
      await passwordGrant('throttled', 'wrong-password');
      const limited = await passwordGrant('throttled', 'throttled-password');
      expectOAuthError(limited, 429, 'invalid_grant');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // The GET form shares the same limit.
      expect((await get({ service: 'berth' }, basicAuth('throttled', 'throttled-password'))).status).toBe(429);
    });

    it('robots and CLI secrets log in too; a robot gets no refresh token', async () => {
      const created = await fetch(`${berth.url}/api/v1/me/cli-secrets`, {
        method: 'POST',
        headers: { Authorization: basicAuth('robotless', 'robotless-password'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'laptop' }),
      });
      expect(created.status).toBe(201);
      const { token } = (await created.json()) as { token: string };
      expect((await passwordGrant('robotless', token)).status).toBe(200);
      const robotSecret = await createRobot(berth, 'team', 'ci', ['pull']);
      const robot = await passwordGrant(robotName('team', 'ci'), robotSecret, { access_type: 'offline', scope: 'repository:team/app:pull,push' });
      expect(robot.status).toBe(200);
      expect(robot.body.scope).toBe('repository:team/app:pull');
      // A robot's secret is already a revocable credential for machines: it is what the client keeps.
      expect(robot.body.refresh_token).toBeUndefined();
    });
  });

  describe('grant_type=refresh_token', () => {
    it('answers a new access token for the requested scopes, as the refresh token’s user; the refresh token is not echoed', async () => {
      const refresh = await offlineToken('dev', 'dev-password');
      const answer = await refreshGrant(refresh, { scope: 'repository:team/app:pull' });
      expect(answer.status).toBe(200);
      expect(answer.body.refresh_token).toBeUndefined();
      expect(answer.body.scope).toBe('repository:team/app:pull');
      const verified = await verifier.verify(answer.body.access_token);
      expect(verified).toMatchObject({ subject: 'dev', access: [{ type: 'repository', name: 'team/app', actions: ['pull'] }] });
      // It keeps working: docker uses one identity token for every later pull.
      expect((await refreshGrant(refresh)).status).toBe(200);
    });

    it('stores only a hash of the refresh token; an unknown or mangled one is 400 invalid_grant', async () => {
      const refresh = await offlineToken('dev', 'dev-password');
      const rows: { token_hash: string }[] = await berth.running.dataSource.query('SELECT token_hash FROM refresh_token');
      expect(rows.some((r) => r.token_hash.includes(refresh) || refresh.includes(r.token_hash))).toBe(false);
      expect(rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(refresh).digest('hex'));
      expectOAuthError(await refreshGrant(`${refresh}x`), 400, 'invalid_grant');
      expectOAuthError(await refreshGrant('not-a-refresh-token'), 400, 'invalid_grant');
      // Never in the audit log either.
      const audit = await berth.running.dataSource.query(`SELECT count(*)::int AS n FROM audit_event WHERE details::text LIKE $1`, [`%${refresh.slice(0, 20)}%`]);
      expect(audit).toEqual([{ n: 0 }]);
    });

    it('expires when unused for BERTH_REFRESH_TOKEN_DAYS; each use starts the period again', async () => {
      const refresh = await offlineToken('dev', 'dev-password');
      const hash = createHash('sha256').update(refresh).digest('hex');
      const [row] = await berth.running.dataSource.query(`SELECT expires_at - created_at AS ttl FROM refresh_token WHERE token_hash = $1`, [hash]);
      expect(row.ttl).toMatchObject({ days: 30 });
      await berth.running.dataSource.query(`UPDATE refresh_token SET expires_at = now() + interval '1 minute' WHERE token_hash = $1`, [hash]);
      expect((await refreshGrant(refresh)).status).toBe(200);
      const [renewed] = await berth.running.dataSource.query(`SELECT expires_at > now() + interval '29 days' AS renewed FROM refresh_token WHERE token_hash = $1`, [hash]);
      expect(renewed).toEqual({ renewed: true });
      await berth.running.dataSource.query(`UPDATE refresh_token SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hash]);
      expectOAuthError(await refreshGrant(refresh), 400, 'invalid_grant');
    });

    it('stops working when the user changes their password or an admin sets it', async () => {
      const refresh = await offlineToken('changer', 'changer-password');
      const changed = await fetch(`${berth.url}/api/v1/me/password`, {
        method: 'PUT',
        headers: { Authorization: basicAuth('changer', 'changer-password'), 'Content-Type': 'application/json' },
        body: JSON.stringify({ currentPassword: 'changer-password', newPassword: 'changer-password-2' }),
      });
      expect(changed.status).toBeLessThan(300);
      expectOAuthError(await refreshGrant(refresh), 400, 'invalid_grant');

      const reset = await offlineToken('resetme', 'resetme-password');
      const set = await fetch(`${berth.url}/api/v1/users/resetme/password`, {
        method: 'PUT',
        headers: { Authorization: adminBasicAuth(), 'Content-Type': 'application/json' },
        body: JSON.stringify({ password: 'resetme-password-2' }),
      });
      expect(set.status).toBeLessThan(300);
      expectOAuthError(await refreshGrant(reset), 400, 'invalid_grant');
    });

    it('stops working when the user is disabled (also once enabled again) or deleted', async () => {
      const refresh = await offlineToken('disableme', 'disableme-password');
      const patch = (disabled: boolean) =>
        fetch(`${berth.url}/api/v1/users/disableme`, { method: 'PATCH', headers: { Authorization: adminBasicAuth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ disabled }) });
      expect((await patch(true)).status).toBe(200);
      expectOAuthError(await refreshGrant(refresh), 400, 'invalid_grant');
      expect((await patch(false)).status).toBe(200);
      expectOAuthError(await refreshGrant(refresh), 400, 'invalid_grant');

      const gone = await offlineToken('deleteme', 'deleteme-password');
      expect((await fetch(`${berth.url}/api/v1/users/deleteme`, { method: 'DELETE', headers: { Authorization: adminBasicAuth() } })).status).toBeLessThan(300);
      expectOAuthError(await refreshGrant(gone), 400, 'invalid_grant');
    });

    it('one obtained with a CLI secret stops working when that secret is revoked', async () => {
      const auth = { Authorization: basicAuth('secretive', 'secretive-password'), 'Content-Type': 'application/json' };
      const created = (await (await fetch(`${berth.url}/api/v1/me/cli-secrets`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'ci' }) })).json()) as { secret: { id: string }; token: string };
      const refresh = await offlineToken('secretive', created.token);
      const password = await offlineToken('secretive', 'secretive-password');
      expect((await refreshGrant(refresh)).status).toBe(200);
      expect((await fetch(`${berth.url}/api/v1/me/cli-secrets/${created.secret.id}`, { method: 'DELETE', headers: auth })).status).toBeLessThan(300);
      expectOAuthError(await refreshGrant(refresh), 400, 'invalid_grant');
      expect((await refreshGrant(password)).status).toBe(200);
    });
  });

  describe('GET with offline_token=true (docker login)', () => {
    it('adds a refresh token for a user’s basic credentials, which a refresh grant then takes', async () => {
      const answer = await get({ service: 'berth', client_id: 'docker', offline_token: 'true' }, basicAuth('dev', 'dev-password'));
      expect(answer.status).toBe(200);
      expect(answer.body.refresh_token).toEqual(expect.any(String));
      expect((await refreshGrant(answer.body.refresh_token, { scope: 'repository:team/app:pull' })).status).toBe(200);
      expect((await get({ service: 'berth', client_id: 'docker' }, basicAuth('dev', 'dev-password'))).body.refresh_token).toBeUndefined();
      expect((await get({ service: 'berth', offline_token: 'true' })).body.refresh_token).toBeUndefined();
    });
  });

  describe('bad requests', () => {
    it.each([
      ['no grant_type', { service: 'berth', client_id: 'x' }, 400, 'invalid_request'],
      ['an unknown grant_type', { grant_type: 'client_credentials', service: 'berth', client_id: 'x' }, 400, 'unsupported_grant_type'],
      ['no client_id', { grant_type: 'password', service: 'berth', username: 'dev', password: 'dev-password' }, 400, 'invalid_request'],
      ['a password grant without a password', { grant_type: 'password', service: 'berth', client_id: 'x', username: 'dev' }, 400, 'invalid_request'],
      ['a refresh grant without a refresh token', { grant_type: 'refresh_token', service: 'berth', client_id: 'x' }, 400, 'invalid_request'],
      ['a repeated grant_type', { grant_type: ['password', 'refresh_token'], service: 'berth', client_id: 'x' }, 400, 'invalid_request'],
    ])('%s is refused', async (_, form, status, error) => {
      expectOAuthError(await post(form as Record<string, string | string[]>), status, error);
    });

    it('a body that is not a form is 400 invalid_request; an oversized one is 413', async () => {
      const json = await fetch(`${berth.url}/service/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ grant_type: 'password' }) });
      expect(json.status).toBe(400);
      expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
      const huge = await post({ grant_type: 'password', client_id: 'x', username: 'dev', password: 'p'.repeat(100_000) });
      expect(huge.status).toBe(413);
      expect(huge.body.error).toBe('invalid_request');
    });
  });
});
