import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunningBerth, startBerth } from '../../apps/api/src/bootstrap';
import { addMember, basicAuth, createProject, createUser, fetchToken } from '../support/access';
import { expectError, httpRequest, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

interface V1Results {
  query: string;
  num_results: number;
  num_pages: number;
  page: number;
  page_size: number;
  results: { name: string; description: string; star_count: number; pull_count: number; is_official: boolean; is_automated: boolean }[];
}

/**
 * `/v1/search`, Docker Hub's v1 search API that `docker search` and `podman search` ask (as Harbor
 * answers it), over Berth's search and within what the caller may see; and the paths next to it that
 * Berth does not have, which answer 404 JSON instead of the console's HTML. Projects: `pub` (public),
 * `priv` (private; `member` is its guest), `other` (private, no members).
 */
describe('/v1/search and unknown API prefixes', () => {
  let berth: TestBerth;
  let console: RunningBerth;
  let webDir: string;
  const get = (urlPath: string, headers: Record<string, string> = {}, base = berth.url) => httpRequest(base, 'GET', urlPath, { headers });
  const names = (body: V1Results) => body.results.map((r) => r.name);

  beforeAll(async () => {
    berth = await startTestBerth();
    await createProject(berth, 'pub', { public: true });
    await createProject(berth, 'priv');
    await createProject(berth, 'other');
    await createUser(berth, 'member', 'member-password');
    await createUser(berth, 'outsider', 'outsider-password');
    await addMember(berth, 'priv', 'member', 'guest');
    const admin = new RegistryClient(berth.url);
    for (const repo of ['pub/app', 'pub/tools/app-cli', 'pub/web', 'priv/app', 'other/app']) await admin.pushImage(repo, { tag: 'v1' });
    await berth.running.dataSource.query(`UPDATE repository SET description = 'The public app' WHERE name = 'pub/app'`);
    // The same database, serving a console, so a path that fell through to the console would answer its HTML.
    webDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-web-'));
    await fs.writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>fixture console</title>');
    console = await startBerth({ ...berth.config, port: 0, webDir });
  });
  afterAll(async () => {
    await console?.close();
    await berth?.close();
    if (webDir) await fs.rm(webDir, { recursive: true, force: true });
  });

  it('anonymous: the public repositories matching q, in Docker Hub’s v1 shape', async () => {
    const res = await get('/v1/search?q=app&n=25', {}, console.url);
    expect(res.status).toBe(200);
    expect(res.header('content-type')).toMatch(/^application\/json/);
    const body = res.json<V1Results>();
    expect(body).toMatchObject({ query: 'app', num_results: 2, num_pages: 1, page: 1, page_size: 25 });
    expect(body.results).toEqual([
      { name: 'pub/app', description: 'The public app', star_count: 0, pull_count: expect.any(Number), is_official: false, is_automated: false },
      { name: 'pub/tools/app-cli', description: '', star_count: 0, pull_count: expect.any(Number), is_official: false, is_automated: false },
    ]);
  });

  it('basic credentials see the private projects they are members of, and no others', async () => {
    expect(names(get_(await get('/v1/search?q=app', { Authorization: basicAuth('member', 'member-password') })))).toEqual(['priv/app', 'pub/app', 'pub/tools/app-cli']);
    expect(names(get_(await get('/v1/search?q=app', { Authorization: basicAuth('outsider', 'outsider-password') })))).toEqual(['pub/app', 'pub/tools/app-cli']);
    expect(names(get_(await get('/v1/search?q=app', { Authorization: basicAuth('admin', 'admin-password-for-tests') })))).toEqual(['other/app', 'priv/app', 'pub/app', 'pub/tools/app-cli']);
  });

  it('a bearer token for registry:catalog:search (what docker asks for) searches as its subject; other tokens are 401 with that challenge', async () => {
    const token = await fetchToken(berth, ['registry:catalog:search'], basicAuth('member', 'member-password'));
    expect(names(get_(await get('/v1/search?q=app', { Authorization: `Bearer ${token}` })))).toEqual(['priv/app', 'pub/app', 'pub/tools/app-cli']);
    const pullToken = await fetchToken(berth, ['repository:priv/app:pull'], basicAuth('member', 'member-password'));
    const refused = await get('/v1/search?q=app', { Authorization: `Bearer ${pullToken}` });
    expectError(refused, 401, 'UNAUTHORIZED');
    expect(refused.header('www-authenticate')).toBe(`Bearer realm="${berth.url}/service/token",service="berth",scope="registry:catalog:search",error="insufficient_scope"`);
    expectError(await get('/v1/search?q=app', { Authorization: 'Bearer not-a-token' }), 401, 'UNAUTHORIZED');
  });

  it('wrong credentials are 401, not an anonymous search', async () => {
    const res = await get('/v1/search?q=app', { Authorization: basicAuth('member', 'wrong-password') });
    expectError(res, 401, 'UNAUTHORIZED');
    expect(res.header('www-authenticate')).toMatch(/^Basic realm=/);
    expectError(await get('/v1/search?q=app', { Authorization: 'Basic !!!' }), 401, 'UNAUTHORIZED');
  });

  it('pages with n and page; q is required', async () => {
    const first = get_(await get('/v1/search?q=app&n=1', { Authorization: basicAuth('member', 'member-password') }));
    expect(first).toMatchObject({ num_results: 3, num_pages: 3, page: 1, page_size: 1 });
    expect(names(first)).toEqual(['priv/app']);
    const third = get_(await get('/v1/search?q=app&n=1&page=3', { Authorization: basicAuth('member', 'member-password') }));
    expect(names(third)).toEqual(['pub/tools/app-cli']);
    expect(get_(await get('/v1/search?q=app&n=1000'))).toMatchObject({ page_size: 100 });
    expect(get_(await get('/v1/search?q=APP&n=x&page=0'))).toMatchObject({ query: 'APP', page: 1, page_size: 25, num_results: 2 });
    expect(get_(await get('/v1/search?q=nothing-like-it'))).toMatchObject({ num_results: 0, num_pages: 0, results: [] });
    for (const bad of ['/v1/search', '/v1/search?q=', '/v1/search?q=%20%20']) {
      const err = expectError(await get(bad), 400, 'UNSUPPORTED');
      expect(err.message).toMatch(/q/);
    }
  });

  it('every other /v1, /v3 and /api path answers 404 JSON, not the console’s HTML; console pages still get it', async () => {
    for (const urlPath of ['/v1/', '/v1', '/v1/_ping', '/v1/repositories/pub/app/images', '/v3/', '/v3/pub/app/manifests/v1', '/api', '/api/v2/projects', '/v1/search/x']) {
      const res = await get(urlPath, {}, console.url);
      expect({ urlPath, status: res.status, type: res.header('content-type') }).toEqual({ urlPath, status: 404, type: expect.stringMatching(/^application\/json/) });
      expect(res.body.toString()).not.toContain('fixture console');
    }
    // The registry's error envelope, as an unknown /v2 path answers.
    expect(get_(await get('/v1/', {}, console.url), 404).errors[0].code).toBe('UNSUPPORTED');
    const page = await get('/projects/pub', {}, console.url);
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('fixture console');
  });

  function get_(res: { status: number; json<T>(): T }, status = 200): any {
    expect(res.status).toBe(status);
    return res.json();
  }
});
