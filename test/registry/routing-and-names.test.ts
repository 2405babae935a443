import { ConsoleClient } from '../console/console-client';
import { createProject, createProjectsFor } from '../support/access';
import { expectError, listFiles, RegistryClient, sha256 } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

const DIGEST = sha256('anything');
const UUID = '0b7e9a8c-3f1d-4c2a-9e55-1d2f3a4b5c6d';

describe('registry routing', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth();
    // As admin, into an existing project: what is under test is routing, not access.
    reg = new RegistryClient(berth.url);
    await createProject(berth, 'foo');
  });
  afterAll(async () => {
    await berth.close();
  });

  it.each(['/v2/', '/v2'])('GET %s answers 200 {} with the API version header', async (path) => {
    const res = await reg.request('GET', path);
    expect(res.status).toBe(200);
    expect(res.header('docker-distribution-api-version')).toBe('registry/2.0');
    expect(res.json()).toEqual({});
  });

  it.each([
    ['GET', '/v2/foo/manifests/v%zz', 404, 'MANIFEST_UNKNOWN'],
    ['PUT', '/v2/foo/app/manifests/v%zz', 400, 'MANIFEST_INVALID'],
    ['GET', '/v2/foo/blobs/sha256:%zz', 400, 'DIGEST_INVALID'],
    ['GET', '/v2/foo/blobs/uploads/%zz', 404, 'BLOB_UPLOAD_UNKNOWN'],
    ['GET', '/v2/%zz', 404, 'UNSUPPORTED'],
  ] as const)('malformed percent-encoding in %s %s answers %i %s in the envelope', async (method, path, status, code) => {
    expectError(await reg.request(method, path, method === 'PUT' ? { body: '{}' } : {}), status, code);
  });

  it('HEAD /v2/ answers 200 with the header and no body', async () => {
    const res = await reg.request('HEAD', '/v2/');
    expect(res.status).toBe(200);
    expect(res.header('docker-distribution-api-version')).toBe('registry/2.0');
    expect(res.body.length).toBe(0);
  });

  it.each([
    '/v2/foo',
    '/v2/foo/bar/baz',
    '/v2/foo/tags/other',
    '/v2/foo/manifests/',
    '/v2/foo/blobs/',
    '/v2/_catalog/extra',
    '/v2/foo/referrers/',
  ])('an unknown path %s is 404 in the error envelope', async (path) => {
    const res = await reg.request('GET', path);
    expectError(res, 404, 'UNSUPPORTED');
    expect(res.header('docker-distribution-api-version')).toBe('registry/2.0');
    expect(res.header('content-type')).toMatch(/^application\/json/);
  });

  it.each([
    ['PUT', '/v2/'],
    ['POST', '/v2/_catalog'],
    ['DELETE', '/v2/foo/tags/list'],
    ['POST', '/v2/foo/manifests/latest'],
    ['PATCH', '/v2/foo/manifests/latest'],
    ['PUT', `/v2/foo/blobs/${DIGEST}`],
    ['POST', `/v2/foo/blobs/${DIGEST}`],
    ['PATCH', `/v2/foo/blobs/${DIGEST}`],
    ['GET', '/v2/foo/blobs/uploads/'],
    ['DELETE', '/v2/foo/blobs/uploads/'],
    ['POST', `/v2/foo/blobs/uploads/${UUID}`],
    ['DELETE', `/v2/foo/referrers/${DIGEST}`],
    ['PUT', `/v2/foo/referrers/${DIGEST}`],
    ['OPTIONS', '/v2/foo/tags/list'],
  ])('%s %s is 405 UNSUPPORTED', async (method, path) => {
    const res = await reg.request(method, path);
    expectError(res, 405, 'UNSUPPORTED');
    expect(res.header('docker-distribution-api-version')).toBe('registry/2.0');
  });
});

describe('repository names', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth();
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, [
      `${'a'.repeat(127)}/b`,
      'team/app/api',
      'a.b_c__d-e--f/x1',
      'blobs',
      'x/blobs/uploads',
      'tags/list',
      'a/manifests/tags',
      'referrers/blobs',
      'uploads/blobs/uploads',
    ]);
  });
  afterAll(async () => {
    await berth.close();
  });

  const invalidNames = [
    'Upper',
    'team/App',
    'a/../b',
    'a/./b',
    '..',
    '%2e%2e',
    'a/%2e%2e/b',
    'a/%2E%2E/%2E%2E/etc',
    'a%2Fb',
    'a%2fb/c',
    'a//b',
    '/a',
    'a'.repeat(256),
    `${'a'.repeat(128)}/${'b'.repeat(127)}`,
    'foo-',
    '-foo',
    'foo_',
    'fo%zzo',
    'a%00b',
    'caf%C3%A9',
  ];

  /** Every route shape that carries a name, including the ones that write to storage. */
  const routes = (name: string): [string, string][] => [
    ['POST', `/v2/${name}/blobs/uploads/`],
    ['POST', `/v2/${name}/blobs/uploads/?digest=${DIGEST}`],
    ['PATCH', `/v2/${name}/blobs/uploads/${UUID}`],
    ['PUT', `/v2/${name}/blobs/uploads/${UUID}?digest=${DIGEST}`],
    ['PUT', `/v2/${name}/manifests/latest`],
    ['GET', `/v2/${name}/manifests/latest`],
    ['GET', `/v2/${name}/blobs/${DIGEST}`],
    ['DELETE', `/v2/${name}/blobs/${DIGEST}`],
    ['GET', `/v2/${name}/tags/list`],
    ['GET', `/v2/${name}/referrers/${DIGEST}`],
  ];

  it('refuses invalid names on every route with 400 NAME_INVALID, and nothing is written anywhere', async () => {
    const before = await listFiles(berth.config.dataDir);
    for (const name of invalidNames) {
      for (const [method, path] of routes(name)) {
        const res = await reg.request(method, path, method === 'GET' || method === 'DELETE' ? {} : { body: '{"x":1}' });
        try {
          expectError(res, 400, 'NAME_INVALID');
        } catch (err) {
          throw new Error(`${method} ${path}: ${(err as Error).message}\n${res.body.toString()}`);
        }
      }
    }
    expect(await listFiles(berth.config.dataDir)).toEqual(before);
    const db = berth.running.dataSource;
    expect(await db.query('SELECT count(*)::int AS n FROM upload')).toEqual([{ n: 0 }]);
    expect(await db.query('SELECT count(*)::int AS n FROM repository')).toEqual([{ n: 0 }]);
  });

  it('explains the problem in the message and echoes the name in detail', async () => {
    const err = expectError(await reg.request('GET', '/v2/Upper/tags/list'), 400, 'NAME_INVALID');
    expect(err.message).toMatch(/lowercase/);
    expect(err.detail).toEqual({ name: 'Upper' });
  });

  it('accepts a 255-character name', async () => {
    const name = `${'a'.repeat(127)}/${'b'.repeat(127)}`;
    expect(name).toHaveLength(255);
    const image = await reg.pushImage(name, { tag: 'v1' });
    const res = await reg.request('GET', `/v2/${name}/manifests/v1`);
    expect(res.status).toBe(200);
    expect(res.header('docker-content-digest')).toBe(image.digest);
  });

  it.each(['team/app/api', 'a.b_c__d-e--f/x1/y2/z3'])('a nested name %s works on every route', async (name) => {
    const image = await reg.pushImage(name, { tag: 'v1' });
    expect((await reg.request('GET', `/v2/${name}/manifests/v1`)).header('docker-content-digest')).toBe(image.digest);
    expect((await reg.request('HEAD', `/v2/${name}/blobs/${image.layers[0].digest}`)).status).toBe(200);
    expect((await reg.request('GET', `/v2/${name}/tags/list`)).json()).toEqual({ name, tags: ['v1'] });
    expect((await reg.request('GET', `/v2/${name}/referrers/${image.digest}`)).status).toBe(200);
    expect((await reg.request('GET', '/v2/_catalog')).json().repositories).toContain(name);
  });

  it.each(['blobs/manifests', 'x/blobs/uploads', 'tags/list', 'a/manifests/tags', 'referrers/blobs', 'blobs/blobs', 'uploads/blobs/uploads'])(
    'a name made of route words (%s) routes to the right repository',
    async (name) => {
      const image = await reg.pushImage(name, { tag: 'list' });
      const chunked = await reg.startUpload(name);
      expect(chunked).toMatch(new RegExp(`^/v2/${name}/blobs/uploads/[0-9a-f-]+$`));
      expect((await reg.request('GET', chunked)).status).toBe(204);
      const manifest = await reg.request('GET', `/v2/${name}/manifests/list`);
      expect(manifest.status).toBe(200);
      expect(manifest.header('docker-content-digest')).toBe(image.digest);
      const blob = await reg.request('GET', `/v2/${name}/blobs/${image.layers[0].digest}`);
      expect(blob.status).toBe(200);
      expect(sha256(blob.body)).toBe(image.layers[0].digest);
      expect((await reg.request('GET', `/v2/${name}/tags/list`)).json()).toEqual({ name, tags: ['list'] });
      expect((await reg.request('DELETE', chunked)).status).toBe(204);
    },
  );
});

/** `docker push host/library:1`: a repository named like its project, which the console could not open or delete. */
describe('repository names without a project', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth();
    reg = new RegistryClient(berth.url);
  });
  afterAll(async () => {
    await berth.close();
  });

  it.each(['library', 'nginx'])('refuses a push of %s with NAME_INVALID naming library/<name>, and stores nothing', async (name) => {
    for (const [method, path] of [
      ['POST', `/v2/${name}/blobs/uploads/`],
      ['PUT', `/v2/${name}/manifests/1`],
    ]) {
      const err = expectError(await reg.request(method, path, method === 'PUT' ? { body: '{}' } : {}), 400, 'NAME_INVALID');
      expect(err.message).toBe(
        `invalid repository name: repository name "${name}" has no project: every repository lives in a project, so push library/${name} (the public project) or <project>/${name}`,
      );
    }
    await expect(reg.pushImage(name, { tag: '1' })).rejects.toThrow(/NAME_INVALID/);
    const db = berth.running.dataSource;
    expect(await db.query('SELECT count(*)::int AS n FROM upload')).toEqual([{ n: 0 }]);
    expect(await db.query('SELECT name FROM repository WHERE name NOT LIKE $1', ['%/%'])).toEqual([]);
  });

  it('still serves and lets the console open and delete one stored before the rule', async () => {
    // Such a repository can only come from an earlier version: push library/old and rename its row as that stored it.
    const image = await reg.pushImage('library/old', { tag: '1' });
    await berth.running.dataSource.query(`UPDATE repository SET name = 'library' WHERE name = 'library/old'`);
    const pulled = await reg.request('GET', '/v2/library/manifests/1');
    expect(pulled.status).toBe(200);
    expect(pulled.header('docker-content-digest')).toBe(image.digest);

    const admin = await ConsoleClient.admin(berth);
    const listed = await admin.get('/projects/library/repositories');
    expect(listed.body.items.map((r: { name: string }) => r.name)).toEqual(['library']);
    const opened = await admin.get('/projects/library/repositories/_');
    expect(opened.status).toBe(200);
    expect(opened.body.name).toBe('library');
    expect((await admin.get('/projects/library/repositories/_/-/tags')).body.items.map((t: { name: string }) => t.name)).toEqual(['1']);
    expect((await admin.delete('/projects/library/repositories/_')).status).toBe(204);
    expect(await berth.running.dataSource.query(`SELECT name FROM repository`)).toEqual([]);
    expect((await reg.request('GET', '/v2/library/manifests/1')).status).toBe(404);
  });
});
