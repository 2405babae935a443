import { SigningKeyRepository } from '../../apps/api/src/auth/signing-key.repository';
import { TokenService } from '../../apps/api/src/auth/token.service';
import { addMember, basicAuth, createProject, createRobot, createUser, fetchToken, robotName, setRobotDisabled } from '../support/access';
import { expectError, HttpResponse, MT, PushedImage, RegistryClient, sha256 } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

const PASSWORD = {
  dev: 'developer-password',
  guest: 'guest-password',
  lguest: 'limited-guest-password',
  maint: 'maintainer-password',
  outsider: 'outsider-password',
  gone: 'disabled-user-password',
};

const bearer = (token: string) => `Bearer ${token}`;

/** The parameters of a `WWW-Authenticate: Bearer k="v",...` header. */
function challengeOf(res: HttpResponse): Record<string, string> {
  const header = res.header('www-authenticate') ?? '';
  expect(header).toMatch(/^Bearer /);
  return Object.fromEntries([...header.slice('Bearer '.length).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

/** 401 UNAUTHORIZED with a Bearer challenge carrying `error` (or none). */
function expectChallenge(res: HttpResponse, error?: 'invalid_token' | 'insufficient_scope'): Record<string, string> {
  expectError(res, 401, 'UNAUTHORIZED');
  const challenge = challengeOf(res);
  expect(challenge.error).toBe(error);
  return challenge;
}

/**
 * The /v2 API with authentication on, over real HTTP: the challenge that starts docker's token flow,
 * bearer tokens and what they grant, basic credentials of users, members and robots, and what each
 * may see and do. Projects: `library` (public, exists in every Berth), `team-a` (private; dev is its
 * developer, guest its guest, lguest its limited guest, maint its maintainer), `team-b` and `secret`
 * (private, no members).
 */
describe('registry authentication', () => {
  let berth: TestBerth;
  let admin: RegistryClient;
  let anonymous: RegistryClient;
  const as = (user: keyof typeof PASSWORD) => admin.as(basicAuth(user, PASSWORD[user]));
  const withToken = (token: string) => admin.as(bearer(token));
  let teamApp: PushedImage;
  let secretBlob: string;
  let libraryBase: PushedImage;
  let realm: string;

  beforeAll(async () => {
    berth = await startTestBerth();
    realm = `${berth.url}/service/token`;
    admin = new RegistryClient(berth.url);
    anonymous = admin.as(null);
    await createProject(berth, 'team-a');
    await createProject(berth, 'team-b');
    await createProject(berth, 'secret');
    for (const [user, password] of Object.entries(PASSWORD)) await createUser(berth, user, password, { disabled: user === 'gone' });
    await addMember(berth, 'team-a', 'dev', 'developer');
    await addMember(berth, 'team-a', 'guest', 'guest');
    await addMember(berth, 'team-a', 'lguest', 'limited_guest');
    await addMember(berth, 'team-a', 'maint', 'maintainer');
    await addMember(berth, 'team-a', 'gone', 'developer');
    teamApp = await admin.pushImage('team-a/app', { tag: 'v1' });
    await admin.pushImage('team-b/app', { tag: 'v1' });
    libraryBase = await admin.pushImage('library/base', { tag: 'v1' });
    secretBlob = (await admin.pushImage('secret/app', { tag: 'v1' })).layers[0].digest;
  });
  afterAll(async () => {
    await berth.close();
  });

  describe('the challenge', () => {
    it('GET /v2/ without credentials is 401 with a challenge naming the token realm and service, no scope', async () => {
      const res = await anonymous.request('GET', '/v2/');
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.header('www-authenticate')).toBe(`Bearer realm="${realm}",service="berth"`);
      expect(res.header('docker-distribution-api-version')).toBe('registry/2.0');
      expect((await anonymous.request('HEAD', '/v2/')).header('www-authenticate')).toBe(`Bearer realm="${realm}",service="berth"`);
    });

    it('GET /v2/_catalog without credentials asks for registry:catalog:*', async () => {
      const res = await anonymous.request('GET', '/v2/_catalog');
      expectError(res, 401, 'UNAUTHORIZED');
      expect(res.header('www-authenticate')).toBe(`Bearer realm="${realm}",service="berth",scope="registry:catalog:*"`);
    });

    const UUID = '0b7e9a8c-3f1d-4c2a-9e55-1d2f3a4b5c6d';
    const DIGEST = sha256('anything');
    it.each([
      ['GET', '/v2/library/base/manifests/v1', 'pull'],
      ['HEAD', '/v2/library/base/manifests/v1', 'pull'],
      ['GET', `/v2/library/base/blobs/${DIGEST}`, 'pull'],
      ['HEAD', `/v2/library/base/blobs/${DIGEST}`, 'pull'],
      ['GET', '/v2/library/base/tags/list', 'pull'],
      ['GET', `/v2/library/base/referrers/${DIGEST}`, 'pull'],
      ['PUT', '/v2/library/base/manifests/v1', 'pull,push'],
      ['POST', '/v2/library/base/blobs/uploads/', 'pull,push'],
      ['POST', `/v2/library/base/blobs/uploads/?digest=${DIGEST}`, 'pull,push'],
      ['GET', `/v2/library/base/blobs/uploads/${UUID}`, 'pull,push'],
      ['PATCH', `/v2/library/base/blobs/uploads/${UUID}`, 'pull,push'],
      ['PUT', `/v2/library/base/blobs/uploads/${UUID}?digest=${DIGEST}`, 'pull,push'],
      ['DELETE', `/v2/library/base/blobs/uploads/${UUID}`, 'pull,push'],
      ['DELETE', '/v2/library/base/manifests/v1', 'delete'],
      ['DELETE', `/v2/library/base/blobs/${DIGEST}`, 'delete'],
    ])('%s %s without credentials asks for repository:library/base:%s', async (method, path, actions) => {
      const res = await anonymous.request(method, path, method === 'PUT' || method === 'PATCH' ? { body: '{}' } : {});
      expect(res.status).toBe(401);
      expect(res.header('www-authenticate')).toBe(`Bearer realm="${realm}",service="berth",scope="repository:library/base:${actions}"`);
      expect(res.header('docker-distribution-api-version')).toBe('registry/2.0');
      if (method !== 'HEAD') {
        const err = expectError(res, 401, 'UNAUTHORIZED');
        expect(err.detail).toEqual([{ Type: 'repository', Name: 'library/base', Action: actions === 'pull,push' ? 'push' : actions }]);
      }
    });

    it('nothing is stored by a refused push', async () => {
      const content = Buffer.from('refused bytes');
      expect((await anonymous.request('POST', `/v2/library/refused/blobs/uploads/?digest=${sha256(content)}`, { body: content })).status).toBe(401);
      expect(await berth.running.dataSource.query(`SELECT count(*)::int AS n FROM repository WHERE name = 'library/refused'`)).toEqual([{ n: 0 }]);
      expect(await berth.running.dataSource.query(`SELECT count(*)::int AS n FROM blob WHERE digest = $1`, [sha256(content)])).toEqual([{ n: 0 }]);
    });
  });

  describe('the token flow', () => {
    /** What docker does: follow the challenge to its realm with the service and scope it names. */
    async function tokenFor(res: HttpResponse, authorization?: string): Promise<string> {
      const challenge = expectChallenge(res);
      const url = new URL(challenge.realm);
      url.searchParams.set('service', challenge.service);
      if (challenge.scope) url.searchParams.set('scope', challenge.scope);
      const answer = await fetch(url, { headers: authorization ? { Authorization: authorization } : {} });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { token: string; access_token: string; expires_in: number };
      expect(body.access_token).toBe(body.token);
      return body.token;
    }

    it('challenge -> realm with the scope -> bearer: a member pulls from a private project', async () => {
      const token = await tokenFor(await anonymous.request('GET', '/v2/team-a/app/manifests/v1'), basicAuth('dev', PASSWORD.dev));
      const res = await withToken(token).request('GET', '/v2/team-a/app/manifests/v1', { headers: { accept: MT.ociManifest } });
      expect(res.status).toBe(200);
      expect(res.header('docker-content-digest')).toBe(teamApp.digest);
      expect(res.body.equals(teamApp.body)).toBe(true);
      // The same token answers the base endpoint, as docker checks it after login.
      expect((await withToken(token).request('GET', '/v2/')).status).toBe(200);
    });

    it('challenge -> realm -> bearer: a member pushes an image with the token of the push challenge', async () => {
      const token = await tokenFor(await anonymous.request('POST', '/v2/team-a/flow/blobs/uploads/'), basicAuth('dev', PASSWORD.dev));
      const pushed = await withToken(token).pushImage('team-a/flow', { tag: 'v1' });
      expect((await admin.request('GET', '/v2/team-a/flow/manifests/v1')).header('docker-content-digest')).toBe(pushed.digest);
    });

    it('the catalog challenge leads to a token for registry:catalog:*', async () => {
      const token = await tokenFor(await anonymous.request('GET', '/v2/_catalog'), basicAuth('dev', PASSWORD.dev));
      expect((await withToken(token).request('GET', '/v2/_catalog')).status).toBe(200);
    });

    it('a token for another repository is 401 insufficient_scope, with the challenge for this one', async () => {
      const token = await fetchToken(berth, ['repository:team-a/other:pull,push'], basicAuth('dev', PASSWORD.dev));
      const res = await withToken(token).request('GET', '/v2/team-a/app/manifests/v1');
      const challenge = expectChallenge(res, 'insufficient_scope');
      expect(challenge).toEqual({ realm, service: 'berth', scope: 'repository:team-a/app:pull', error: 'insufficient_scope' });
      // A repository whose name only starts like the granted one is another repository.
      expectChallenge(await withToken(token).request('GET', '/v2/team-a/other2/tags/list'), 'insufficient_scope');
      // And a repository token does not open the catalog.
      const catalog = expectChallenge(await withToken(token).request('GET', '/v2/_catalog'), 'insufficient_scope');
      expect(catalog).toEqual({ realm, service: 'berth', scope: 'registry:catalog:*', error: 'insufficient_scope' });
    });

    it('a pull-only token used to push is 401 insufficient_scope, even for a caller who may push', async () => {
      const token = await fetchToken(berth, ['repository:team-a/app:pull'], basicAuth('dev', PASSWORD.dev));
      expect((await withToken(token).request('GET', '/v2/team-a/app/tags/list')).status).toBe(200);
      const push = await withToken(token).request('POST', `/v2/team-a/app/blobs/uploads/?digest=${sha256('x')}`, { body: 'x' });
      expect(expectChallenge(push, 'insufficient_scope').scope).toBe('repository:team-a/app:pull,push');
      const put = await withToken(token).request('PUT', '/v2/team-a/app/manifests/v2', { body: teamApp.body, headers: { 'content-type': MT.ociManifest } });
      expectChallenge(put, 'insufficient_scope');
      expectChallenge(await withToken(token).request('DELETE', `/v2/team-a/app/manifests/${teamApp.digest}`), 'insufficient_scope');
    });

    it('a guest asking for pull,push gets a pull token: its push is 401 insufficient_scope', async () => {
      const token = await fetchToken(berth, ['repository:team-a/app:pull,push'], basicAuth('guest', PASSWORD.guest));
      expect((await withToken(token).request('GET', '/v2/team-a/app/manifests/v1')).status).toBe(200);
      expectChallenge(await withToken(token).request('POST', '/v2/team-a/app/blobs/uploads/'), 'insufficient_scope');
    });

    it('a token with a tampered signature, a tampered payload, no signature, or garbage is 401 invalid_token', async () => {
      const token = await fetchToken(berth, ['repository:team-a/app:pull'], basicAuth('dev', PASSWORD.dev));
      expect((await withToken(token).request('GET', '/v2/team-a/app/tags/list')).status).toBe(200);
      const [header, payload, signature] = token.split('.');
      const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      const widened = Buffer.from(JSON.stringify({ ...claims, access: [{ type: 'repository', name: 'team-b/app', actions: ['pull'] }] })).toString('base64url');
      const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${widened}.`;
      for (const bad of [`${header}.${payload}.${flipped}`, `${header}.${widened}.${signature}`, none, 'not-a-token', '', `${token}x`]) {
        const res = await admin.as(`Bearer ${bad}`).request('GET', bad.includes(widened) ? '/v2/team-b/app/tags/list' : '/v2/team-a/app/tags/list');
        expectChallenge(res, 'invalid_token');
      }
    });

    it('an expired token is 401 invalid_token; the same token service issuing a current one is honoured', async () => {
      // Issued by the server's own key, through a TokenService on its database whose clock is two minutes
      // behind: a 1 s token from then is past its expiry and past the 30 s allowance for replicas' clock skew.
      const db = berth.running.dataSource;
      const past = new TokenService(new SigningKeyRepository(db), { clock: () => Date.now() - 120_000 });
      await past.onModuleInit();
      const access = [{ type: 'repository', name: 'team-a/app', actions: ['pull'] }];
      const expired = await past.issue('dev', access, { ttlSeconds: 1 });
      expectChallenge(await withToken(expired.token).request('GET', '/v2/team-a/app/tags/list'), 'invalid_token');
      const now = new TokenService(new SigningKeyRepository(db));
      await now.onModuleInit();
      const current = await now.issue('dev', access, { ttlSeconds: 1 });
      expect((await withToken(current.token).request('GET', '/v2/team-a/app/tags/list')).status).toBe(200);
    });

    it('an anonymous token pulls from a public project and gets nothing for a private one', async () => {
      const token = await tokenFor(await anonymous.request('GET', '/v2/library/base/manifests/v1'));
      const res = await withToken(token).request('GET', '/v2/library/base/manifests/v1');
      expect(res.status).toBe(200);
      expect(res.header('docker-content-digest')).toBe(libraryBase.digest);
      expect((await withToken(token).request('GET', `/v2/library/base/blobs/${libraryBase.layers[0].digest}`)).status).toBe(200);

      const denied = await tokenFor(await anonymous.request('GET', '/v2/team-a/app/manifests/v1'));
      expectChallenge(await withToken(denied).request('GET', '/v2/team-a/app/manifests/v1'), 'insufficient_scope');
      // Anonymous push to the public project: no push in the token either.
      const push = await tokenFor(await anonymous.request('POST', '/v2/library/base/blobs/uploads/'));
      expectChallenge(await withToken(push).request('POST', '/v2/library/base/blobs/uploads/'), 'insufficient_scope');
    });
  });

  describe('basic credentials sent directly to /v2', () => {
    it('admin pulls, pushes and deletes in any project, members or not', async () => {
      expect((await admin.request('GET', '/v2/team-b/app/manifests/v1')).status).toBe(200);
      const pushed = await admin.pushImage('secret/admin', { tag: 'v1' });
      expect((await admin.request('DELETE', `/v2/secret/admin/manifests/${pushed.digest}`)).status).toBe(202);
    });

    it('a developer pushes and pulls', async () => {
      const dev = as('dev');
      const pushed = await dev.pushImage('team-a/dev-app', { tag: 'v1' });
      const res = await dev.request('GET', '/v2/team-a/dev-app/manifests/v1');
      expect(res.status).toBe(200);
      expect(res.header('docker-content-digest')).toBe(pushed.digest);
      expect((await dev.request('GET', '/v2/team-a/app/tags/list')).json()).toEqual({ name: 'team-a/app', tags: ['v1'] });
    });

    it('a guest pulls; its push is 403 DENIED naming the user and the project', async () => {
      const guest = as('guest');
      expect((await guest.request('GET', '/v2/team-a/app/manifests/v1')).status).toBe(200);
      expect((await guest.request('GET', `/v2/team-a/app/blobs/${teamApp.layers[0].digest}`)).status).toBe(200);
      const err = expectError(await guest.request('POST', '/v2/team-a/app/blobs/uploads/'), 403, 'DENIED');
      expect(err.message).toMatch(/guest/);
      expect(err.message).toMatch(/team-a/);
      expectError(await guest.request('PUT', '/v2/team-a/app/manifests/v2', { body: teamApp.body, headers: { 'content-type': MT.ociManifest } }), 403, 'DENIED');
      expect((await admin.request('GET', '/v2/team-a/app/tags/list')).json().tags).toEqual(['v1']);
    });

    it('a limited guest pulls, and may not push', async () => {
      const lguest = as('lguest');
      expect((await lguest.request('GET', '/v2/team-a/app/manifests/v1')).status).toBe(200);
      expect((await lguest.request('GET', '/v2/team-a/app/tags/list')).status).toBe(200);
      expectError(await lguest.request('POST', '/v2/team-a/app/blobs/uploads/'), 403, 'DENIED');
    });

    it('a non-member gets 404 NAME_UNKNOWN pulling from a private project and 403 DENIED pushing into it', async () => {
      const outsider = as('outsider');
      const err = expectError(await outsider.request('GET', '/v2/team-a/app/manifests/v1'), 404, 'NAME_UNKNOWN');
      expect(err.detail).toEqual({ name: 'team-a/app' });
      expectError(await outsider.request('GET', '/v2/team-a/app/tags/list'), 404, 'NAME_UNKNOWN');
      expectError(await outsider.request('GET', `/v2/team-a/app/blobs/${teamApp.layers[0].digest}`), 404, 'NAME_UNKNOWN');
      expectError(await outsider.request('POST', '/v2/team-a/app/blobs/uploads/'), 403, 'DENIED');
      expectError(await outsider.request('DELETE', `/v2/team-a/app/manifests/${teamApp.digest}`), 403, 'DENIED');
      // The same answers as for a project that does not exist at all: private names do not leak.
      expectError(await outsider.request('GET', '/v2/no-such-project/app/manifests/v1'), 404, 'NAME_UNKNOWN');
      // Public projects are open to every user.
      expect((await outsider.request('GET', '/v2/library/base/manifests/v1')).status).toBe(200);
      expectError(await outsider.request('POST', '/v2/library/base/blobs/uploads/'), 403, 'DENIED');
    });

    it('a disabled user, a wrong password, an unknown user and malformed credentials are 401', async () => {
      for (const authorization of [
        basicAuth('gone', PASSWORD.gone),
        basicAuth('dev', 'not-the-password'),
        basicAuth('nobody-here', 'whatever-password'),
        'Basic !!!',
        `Basic ${Buffer.from('no-colon').toString('base64')}`,
      ]) {
        const client = admin.as(authorization);
        expectChallenge(await client.request('GET', '/v2/team-a/app/manifests/v1'), 'invalid_token');
        expectChallenge(await client.request('GET', '/v2/library/base/manifests/v1'), 'invalid_token');
        expectChallenge(await client.request('GET', '/v2/'), 'invalid_token');
      }
      // The right password keeps working after wrong ones.
      expect((await as('dev').request('GET', '/v2/team-a/app/manifests/v1')).status).toBe(200);
    });

    it('a push into a project that does not exist is 403 DENIED saying so, for admins too; nothing is created', async () => {
      for (const client of [admin, as('dev')]) {
        const err = expectError(await client.request('POST', '/v2/nowhere/app/blobs/uploads/'), 403, 'DENIED');
        expect(err.message).toMatch(/project nowhere does not exist/);
        expectError(await client.request('PUT', '/v2/nowhere/app/manifests/v1', { body: teamApp.body, headers: { 'content-type': MT.ociManifest } }), 403, 'DENIED');
        expectError(await client.request('GET', '/v2/nowhere/app/manifests/v1'), 404, 'NAME_UNKNOWN');
      }
      expect(await berth.running.dataSource.query(`SELECT count(*)::int AS n FROM repository WHERE name LIKE 'nowhere/%'`)).toEqual([{ n: 0 }]);
      expect(await berth.running.dataSource.query(`SELECT count(*)::int AS n FROM project WHERE name = 'nowhere'`)).toEqual([{ n: 0 }]);
    });

    it('a push into an existing project creates the repository', async () => {
      const db = berth.running.dataSource;
      expect(await db.query(`SELECT count(*)::int AS n FROM repository WHERE name = 'team-a/brand-new'`)).toEqual([{ n: 0 }]);
      const pushed = await as('dev').pushImage('team-a/brand-new', { tag: 'v1' });
      expect(await db.query(`SELECT count(*)::int AS n FROM repository WHERE name = 'team-a/brand-new'`)).toEqual([{ n: 1 }]);
      expect((await as('guest').request('GET', '/v2/team-a/brand-new/manifests/v1')).header('docker-content-digest')).toBe(pushed.digest);
      expect((await as('dev').request('GET', '/v2/_catalog')).json().repositories).toContain('team-a/brand-new');
    });
  });

  describe('delete permission', () => {
    it('a developer may not DELETE a manifest (403 DENIED); a maintainer may', async () => {
      const image = await as('dev').pushImage('team-a/deletable', { tag: 'v1' });
      const err = expectError(await as('dev').request('DELETE', `/v2/team-a/deletable/manifests/${image.digest}`), 403, 'DENIED');
      expect(err.message).toMatch(/dev/);
      expectError(await as('dev').request('DELETE', '/v2/team-a/deletable/manifests/v1'), 403, 'DENIED');
      expectError(await as('dev').request('DELETE', `/v2/team-a/deletable/blobs/${image.layers[0].digest}`), 403, 'DENIED');
      expect((await as('dev').request('GET', '/v2/team-a/deletable/manifests/v1')).status).toBe(200);
      expect((await as('maint').request('DELETE', `/v2/team-a/deletable/manifests/${image.digest}`)).status).toBe(202);
      expectError(await as('dev').request('GET', '/v2/team-a/deletable/manifests/v1'), 404, 'MANIFEST_UNKNOWN');
    });

    it('through tokens: the developer gets no delete, the maintainer does (also when asking for *)', async () => {
      const image = await as('dev').pushImage('team-a/deletable2', { tag: 'v1' });
      const devToken = await fetchToken(berth, ['repository:team-a/deletable2:pull,delete'], basicAuth('dev', PASSWORD.dev));
      expectChallenge(await withToken(devToken).request('DELETE', `/v2/team-a/deletable2/manifests/${image.digest}`), 'insufficient_scope');
      const devStar = await fetchToken(berth, ['repository:team-a/deletable2:*'], basicAuth('dev', PASSWORD.dev));
      expectChallenge(await withToken(devStar).request('DELETE', `/v2/team-a/deletable2/manifests/${image.digest}`), 'insufficient_scope');
      const maintToken = await fetchToken(berth, ['repository:team-a/deletable2:*'], basicAuth('maint', PASSWORD.maint));
      expect((await withToken(maintToken).request('GET', '/v2/team-a/deletable2/manifests/v1')).status).toBe(200);
      expect((await withToken(maintToken).request('DELETE', `/v2/team-a/deletable2/manifests/${image.digest}`)).status).toBe(202);
    });
  });

  describe('the catalog', () => {
    const projectsIn = (repositories: string[]) => [...new Set(repositories.map((r) => r.split('/')[0]))].sort();

    it('lists everything for admin, the member’s projects and public ones for a member, public ones for anonymous', async () => {
      const all: string[] = (await admin.request('GET', '/v2/_catalog')).json().repositories;
      expect(all).toEqual(expect.arrayContaining(['library/base', 'secret/app', 'team-a/app', 'team-b/app']));
      expect(projectsIn(all)).toEqual(['library', 'secret', 'team-a', 'team-b']);

      const dev: string[] = (await as('dev').request('GET', '/v2/_catalog')).json().repositories;
      expect(dev).toEqual(all.filter((r) => r.startsWith('library/') || r.startsWith('team-a/')));
      // Through a token the member sees the same.
      const devToken = await fetchToken(berth, ['registry:catalog:*'], basicAuth('dev', PASSWORD.dev));
      expect((await withToken(devToken).request('GET', '/v2/_catalog')).json().repositories).toEqual(dev);
      // Any role counts: a limited guest sees its project too.
      expect((await as('lguest').request('GET', '/v2/_catalog')).json().repositories).toEqual(dev);

      const outsider: string[] = (await as('outsider').request('GET', '/v2/_catalog')).json().repositories;
      expect(outsider).toEqual(all.filter((r) => r.startsWith('library/')));

      const anonymousToken = await fetchToken(berth, ['registry:catalog:*']);
      const anon: string[] = (await withToken(anonymousToken).request('GET', '/v2/_catalog')).json().repositories;
      expect(anon).toEqual(all.filter((r) => r.startsWith('library/')));
      expect(anon).toContain('library/base');
    });

    it('pages only through what the caller may see', async () => {
      const dev = as('dev');
      const visible: string[] = (await dev.request('GET', '/v2/_catalog')).json().repositories;
      const first = await dev.request('GET', '/v2/_catalog?n=1');
      expect(first.json().repositories).toEqual([visible[0]]);
      const rest = await dev.request('GET', `/v2/_catalog?n=1000&last=${encodeURIComponent(visible[0])}`);
      expect(rest.json().repositories).toEqual(visible.slice(1));
    });
  });

  describe('cross-repository mounts', () => {
    it('a mount from a private repository the caller cannot pull falls back to a 202 upload; the blob does not leak', async () => {
      const dev = as('dev');
      const res = await dev.request('POST', `/v2/team-a/mounted/blobs/uploads/?mount=${secretBlob}&from=secret/app`);
      expect(res.status).toBe(202);
      expect(res.header('location')).toMatch(/^\/v2\/team-a\/mounted\/blobs\/uploads\/[0-9a-f-]{36}$/);
      expectError(await dev.request('GET', `/v2/team-a/mounted/blobs/${secretBlob}`), 404, 'BLOB_UNKNOWN');
      expect((await dev.request('HEAD', `/v2/team-a/mounted/blobs/${secretBlob}`)).status).toBe(404);
      // A guest of the source cannot mount out of it either: mounting takes push on the target, which it has not.
      expectError(await as('guest').request('POST', `/v2/team-b/x/blobs/uploads/?mount=${teamApp.layers[0].digest}&from=team-a/app`), 403, 'DENIED');
    });

    it('a mount from a repository the caller may pull is 201, and the blob is readable in the target', async () => {
      const dev = as('dev');
      const layer = libraryBase.layers[0].digest;
      const res = await dev.request('POST', `/v2/team-a/mounted/blobs/uploads/?mount=${layer}&from=library/base`);
      expect(res.status).toBe(201);
      expect(res.header('location')).toBe(`/v2/team-a/mounted/blobs/${layer}`);
      expect((await dev.request('GET', `/v2/team-a/mounted/blobs/${layer}`)).status).toBe(200);
      const own = teamApp.layers[0].digest;
      expect((await dev.request('POST', `/v2/team-a/mounted/blobs/uploads/?mount=${own}&from=team-a/app`)).status).toBe(201);
    });

    it('with a bearer token the source must be in the token: pull on it is what makes the mount 201', async () => {
      const creds = basicAuth('dev', PASSWORD.dev);
      const layer = teamApp.config.digest;
      const targetOnly = await fetchToken(berth, ['repository:team-a/tmount:pull,push'], creds);
      expect((await withToken(targetOnly).request('POST', `/v2/team-a/tmount/blobs/uploads/?mount=${layer}&from=team-a/app`)).status).toBe(202);
      const both = await fetchToken(berth, ['repository:team-a/tmount:pull,push', 'repository:team-a/app:pull'], creds);
      expect((await withToken(both).request('POST', `/v2/team-a/tmount/blobs/uploads/?mount=${layer}&from=team-a/app`)).status).toBe(201);
      // Asking for pull on a private source does not put it in an outsider's token.
      const sneaky = await fetchToken(berth, ['repository:team-a/tmount:pull,push', 'repository:secret/app:pull'], creds);
      expect((await withToken(sneaky).request('POST', `/v2/team-a/tmount/blobs/uploads/?mount=${secretBlob}&from=secret/app`)).status).toBe(202);
      expectError(await as('dev').request('GET', `/v2/team-a/tmount/blobs/${secretBlob}`), 404, 'BLOB_UNKNOWN');
    });

    it('the challenge of a mount also asks for pull on the source, so a client asking for exactly it can mount (as distribution does)', async () => {
      const layer = teamApp.layers[0].digest;
      const path = `/v2/team-a/cmount/blobs/uploads/?mount=${layer}&from=team-a/app`;
      const challenge = expectChallenge(await anonymous.request('POST', path));
      expect(challenge.scope).toBe('repository:team-a/cmount:pull,push repository:team-a/app:pull');
      // Exactly what the challenge names, one scope value with both, as containerd sends it.
      const url = new URL(challenge.realm);
      url.searchParams.set('service', challenge.service);
      url.searchParams.set('scope', challenge.scope);
      const answer = await fetch(url, { headers: { Authorization: basicAuth('dev', PASSWORD.dev) } });
      const { token } = (await answer.json()) as { token: string };
      const mounted = await withToken(token).request('POST', path);
      expect(mounted.status).toBe(201);
      expect(mounted.header('location')).toBe(`/v2/team-a/cmount/blobs/${layer}`);
      // A source that is not a repository name adds nothing to the challenge (the mount would be a plain upload).
      const bad = expectChallenge(await anonymous.request('POST', `/v2/team-a/cmount/blobs/uploads/?mount=${layer}&from=Team/../x`));
      expect(bad.scope).toBe('repository:team-a/cmount:pull,push');
      // `from` without `mount` is no mount.
      expect(expectChallenge(await anonymous.request('POST', '/v2/team-a/cmount/blobs/uploads/?from=team-a/app')).scope).toBe('repository:team-a/cmount:pull,push');
    });
  });

  describe('robots', () => {
    let ci: RegistryClient;
    let reader: RegistryClient;
    let ciSecret: string;
    beforeAll(async () => {
      ciSecret = await createRobot(berth, 'team-a', 'ci', ['pull', 'push']);
      ci = admin.as(basicAuth(robotName('team-a', 'ci'), ciSecret));
      reader = admin.as(basicAuth(robotName('team-a', 'reader'), await createRobot(berth, 'team-a', 'reader', ['pull'])));
    });

    it('a pull,push robot pushes and pulls in its project', async () => {
      const pushed = await ci.pushImage('team-a/robot-app', { tag: 'v1' });
      expect((await ci.request('GET', '/v2/team-a/robot-app/manifests/v1')).header('docker-content-digest')).toBe(pushed.digest);
      expect((await ci.request('GET', '/v2/team-a/app/manifests/v1')).status).toBe(200);
      expectError(await ci.request('DELETE', `/v2/team-a/robot-app/manifests/${pushed.digest}`), 403, 'DENIED');
    });

    it('only in its project: another private project is unknown to it, a public one is pull-only', async () => {
      expectError(await ci.request('GET', '/v2/team-b/app/manifests/v1'), 404, 'NAME_UNKNOWN');
      expectError(await ci.request('POST', '/v2/team-b/app/blobs/uploads/'), 403, 'DENIED');
      expect((await ci.request('GET', '/v2/library/base/manifests/v1')).status).toBe(200);
      const err = expectError(await ci.request('POST', '/v2/library/base/blobs/uploads/'), 403, 'DENIED');
      expect(err.message).toMatch(/robot\$team-a\+ci/);
      // Its catalog: its project and the public ones.
      const catalog: string[] = (await ci.request('GET', '/v2/_catalog')).json().repositories;
      expect([...new Set(catalog.map((r) => r.split('/')[0]))].sort()).toEqual(['library', 'team-a']);
    });

    it('a pull-only robot pulls and may not push', async () => {
      expect((await reader.request('GET', '/v2/team-a/app/manifests/v1')).status).toBe(200);
      expectError(await reader.request('POST', '/v2/team-a/app/blobs/uploads/'), 403, 'DENIED');
    });

    it('robots go through the token flow too, and get their permissions in the token', async () => {
      const creds = basicAuth(robotName('team-a', 'ci'), ciSecret);
      const token = await fetchToken(berth, ['repository:team-a/robot-token:pull,push,delete', 'repository:team-b/app:pull'], creds);
      const pushed = await withToken(token).pushImage('team-a/robot-token', { tag: 'v1' });
      expectChallenge(await withToken(token).request('DELETE', `/v2/team-a/robot-token/manifests/${pushed.digest}`), 'insufficient_scope');
      expectChallenge(await withToken(token).request('GET', '/v2/team-b/app/manifests/v1'), 'insufficient_scope');
    });

    it('a system robot reaches every project, with its permissions only', async () => {
      const system = admin.as(basicAuth(robotName(null, 'auditor'), await createRobot(berth, null, 'auditor', ['pull'])));
      expect((await system.request('GET', '/v2/team-b/app/manifests/v1')).status).toBe(200);
      expect((await system.request('GET', '/v2/secret/app/manifests/v1')).status).toBe(200);
      expectError(await system.request('POST', '/v2/team-b/app/blobs/uploads/'), 403, 'DENIED');
    });

    it('an expired robot and a disabled robot are 401, directly and at the token endpoint', async () => {
      const expiredSecret = await createRobot(berth, 'team-a', 'old', ['pull', 'push'], new Date(Date.now() - 60_000));
      const disabledSecret = await createRobot(berth, 'team-a', 'off', ['pull', 'push']);
      await setRobotDisabled(berth, robotName('team-a', 'off'), true);
      for (const creds of [basicAuth(robotName('team-a', 'old'), expiredSecret), basicAuth(robotName('team-a', 'off'), disabledSecret)]) {
        expectChallenge(await admin.as(creds).request('GET', '/v2/team-a/app/manifests/v1'), 'invalid_token');
        expectChallenge(await admin.as(creds).request('POST', '/v2/team-a/app/blobs/uploads/'), 'invalid_token');
        const token = await fetch(`${berth.url}/service/token?service=berth&scope=repository:team-a/app:pull`, { headers: { Authorization: creds } });
        expect(token.status).toBe(401);
      }
      // A wrong secret for a live robot is refused the same way.
      expectChallenge(await admin.as(basicAuth(robotName('team-a', 'ci'), 'wrong-secret')).request('GET', '/v2/team-a/app/manifests/v1'), 'invalid_token');
    });

    it('a robot without push cannot push with a token for * either (delete does not imply push)', async () => {
      const cleaner = await createRobot(berth, 'team-a', 'cleaner', ['pull', 'delete']);
      const creds = basicAuth(robotName('team-a', 'cleaner'), cleaner);
      expectError(await admin.as(creds).request('POST', '/v2/team-a/app/blobs/uploads/'), 403, 'DENIED');
      const token = await fetchToken(berth, ['repository:team-a/cleaned:*'], creds);
      const content = Buffer.from('pushed by a robot that may not push');
      expectChallenge(await withToken(token).request('POST', `/v2/team-a/cleaned/blobs/uploads/?digest=${sha256(content)}`, { body: content }), 'insufficient_scope');
      // What it may do, the token still allows: pull and delete.
      const image = await admin.pushImage('team-a/cleaned', { tag: 'v1' });
      expect((await withToken(token).request('GET', '/v2/team-a/cleaned/manifests/v1')).status).toBe(200);
      expect((await withToken(token).request('DELETE', `/v2/team-a/cleaned/manifests/${image.digest}`)).status).toBe(202);
    });
  });
});

describe('registry authentication behind a public URL, with login limits', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_PUBLIC_URL: 'https://registry.example.com/', BERTH_LOGIN_FREE_FAILURES: '3' });
    reg = new RegistryClient(berth.url, null);
    await createUser(berth, 'dev', PASSWORD.dev);
  });
  afterAll(async () => {
    await berth.close();
  });

  it('the challenge names the configured public URL as the realm, whatever Host the client used', async () => {
    const res = await reg.request('GET', '/v2/library/base/manifests/v1');
    expect(res.header('www-authenticate')).toBe('Bearer realm="https://registry.example.com/service/token",service="berth",scope="repository:library/base:pull"');
  });

  it('basic credentials on /v2 count toward the login limit: after 3 failures even the right password is 429', async () => {
    for (let i = 0; i < 3; i++) expectChallenge(await reg.as(basicAuth('dev', `wrong-password-${i}`)).request('GET', '/v2/library/base/tags/list'), 'invalid_token');
    const limited = await reg.as(basicAuth('dev', PASSWORD.dev)).request('GET', '/v2/library/base/tags/list');
    expectError(limited, 429, 'TOOMANYREQUESTS');
    expect(Number(limited.header('retry-after'))).toBeGreaterThan(0);
  });
});
