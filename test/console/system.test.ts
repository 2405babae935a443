import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { addMember, createProject, createUser } from '../support/access';
import { Descriptor, httpRequest, json, MT, ociImage, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

const VERSION = (JSON.parse(readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;

/** The base URL of the token realm the registry's challenge names, for a request with these headers. */
async function realmBase(berth: TestBerth, headers: Record<string, string> = {}): Promise<string> {
  const challenge = (await httpRequest(berth.url, 'GET', '/v2/', { headers })).header('www-authenticate') ?? '';
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
  if (!realm) throw new Error(`no realm in ${challenge}`);
  return realm.replace(/\/service\/token$/, '');
}

/** GET /api/v1/system/info and GET /api/v1/statistics. */
describe('system info and statistics', () => {
  let berth: TestBerth;
  let admin: ConsoleClient;
  let member: ConsoleClient;
  let outsider: ConsoleClient;
  let anonymous: ConsoleClient;
  let registry: RegistryClient;

  beforeAll(async () => {
    berth = await startTestBerth();
    registry = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    await createUser(berth, 'uma', 'uma-password');
    await createUser(berth, 'otto', 'otto-password');
    member = await ConsoleClient.session(berth, 'uma', 'uma-password');
    outsider = await ConsoleClient.session(berth, 'otto', 'otto-password');
    anonymous = ConsoleClient.anonymous(berth);
  });
  afterAll(async () => {
    await berth.close();
  });

  describe('system info', () => {
    it('tells anyone the version, where this Berth is, and how users sign up and in', async () => {
      for (const client of [anonymous, member, admin]) {
        const res = await client.get('/system/info');
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.body).toEqual({
          version: VERSION,
          publicUrl: berth.url,
          registryHost: berth.host,
          selfRegistration: false,
          projectCreation: 'admins',
          authMode: 'database',
        });
      }
      expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    });

    it('follows the settings as soon as an admin changes them', async () => {
      expect((await admin.patch('/settings', { self_registration: true, project_creation: 'everyone' })).status).toBe(200);
      expect((await anonymous.get('/system/info')).body).toMatchObject({ selfRegistration: true, projectCreation: 'everyone' });
      expect((await admin.patch('/settings', { self_registration: false, project_creation: 'admins' })).status).toBe(200);
      expect((await anonymous.get('/system/info')).body).toMatchObject({ selfRegistration: false, projectCreation: 'admins' });
    });

    it('without BERTH_PUBLIC_URL, names the host the client used, exactly as the registry token realm does', async () => {
      const info = async (headers: Record<string, string>) => (await httpRequest(berth.url, 'GET', '/api/v1/system/info', { headers })).json();
      const variants: Record<string, string>[] = [{ host: 'registry.internal:8443' }, { host: 'Registry.Internal' }, { host: 'registry.internal:8443', 'x-forwarded-proto': 'https' }, { host: '[::1]:5000' }];
      for (const headers of variants) {
        const body = await info(headers);
        // Host names compare without case; the answer spells them in lower case.
        expect(body.publicUrl).toBe((await realmBase(berth, headers)).toLowerCase());
        expect(body.registryHost).toBe(new URL(body.publicUrl).host);
      }
      expect(await info({ host: 'registry.internal:8443' })).toMatchObject({ publicUrl: 'http://registry.internal:8443', registryHost: 'registry.internal:8443' });
      expect(await info({ host: 'Registry.Internal' })).toMatchObject({ publicUrl: 'http://registry.internal', registryHost: 'registry.internal' });
      // Not a host: the answer falls back to localhost rather than echo a path or credentials.
      for (const host of ['evil.example/phish', 'user@evil.example', 'evil.example?x=1']) {
        const body = await info({ host });
        expect([host, body.publicUrl]).toEqual([host, expect.stringMatching(/^http:\/\/localhost:\d+$/)]);
      }
    });

    it('with BERTH_PUBLIC_URL, always names it, whatever Host the request came with', async () => {
      const configured = await startTestBerth({ BERTH_PUBLIC_URL: 'https://registry.example.com/' });
      try {
        for (const headers of [{}, { host: 'elsewhere:1234' }] as Record<string, string>[]) {
          const res = await httpRequest(configured.url, 'GET', '/api/v1/system/info', { headers });
          expect(res.json()).toMatchObject({ publicUrl: 'https://registry.example.com', registryHost: 'registry.example.com' });
          expect(await realmBase(configured, headers)).toBe('https://registry.example.com');
        }
      } finally {
        await configured.close();
      }
    });
  });

  describe('statistics', () => {
    /** Each project's distinct blobs, by digest. */
    const blobs: Record<string, Map<string, number>> = {};
    const pushedTo: Record<string, [string, number][]> = {};
    let push: (repository: string, layers: Buffer[]) => Promise<void>;
    const storageOf = (...projects: string[]) => {
      const distinct = new Map<string, number>();
      for (const project of projects) for (const [digest, size] of blobs[project]) distinct.set(digest, size);
      return [...distinct.values()].reduce((a, b) => a + b, 0);
    };

    beforeAll(async () => {
      // library (public, from the start) and pub are public; priv-a has uma as a developer; priv-b is the admin's alone.
      await createProject(berth, 'pub', { public: true });
      await createProject(berth, 'priv-a');
      await createProject(berth, 'priv-b');
      await addMember(berth, 'priv-a', 'uma', 'developer');
      const shared = randomBytes(2000);
      push = async (repository: string, layers: Buffer[]) => {
        const config = await registry.pushBlob(repository, json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') }), MT.ociConfig);
        const pushed: Descriptor[] = [];
        for (const layer of layers) pushed.push(await registry.pushBlob(repository, layer, MT.ociLayer));
        await registry.pushManifest(repository, 'v1', ociImage({ config, layers: pushed }));
        const project = repository.split('/')[0];
        blobs[project] ??= new Map();
        pushedTo[repository] = [config, ...pushed].map((blob): [string, number] => [blob.digest, blob.size]);
        for (const [digest, size] of pushedTo[repository]) blobs[project].set(digest, size);
      };
      await push('library/base', [shared]);
      await push('pub/app', [shared, randomBytes(300)]);
      await push('pub/tool', [shared]);
      await push('priv-a/app', [shared, randomBytes(700)]);
      await push('priv-b/secret', [randomBytes(5000)]);
      await registry.pushBlob('priv-b/empty', randomBytes(100)); // a repository without manifests
    });

    it('totals the public projects for anonymous callers and for users who belong to nothing', async () => {
      const expected = { projects: 2, publicProjects: 2, privateProjects: 0, repositories: 3, storageBytes: storageOf('library', 'pub') };
      expect(expected.storageBytes).toBeLessThan(storageOf('library') + storageOf('pub')); // the shared layer counts once
      for (const client of [anonymous, outsider]) {
        const res = await client.get('/statistics');
        expect(res.status).toBe(200);
        expect(res.body).toEqual(expected);
      }
    });

    it('adds the private projects a user is a member of', async () => {
      expect((await member.get('/statistics')).body).toEqual({
        projects: 3,
        publicProjects: 2,
        privateProjects: 1,
        repositories: 4,
        storageBytes: storageOf('library', 'pub', 'priv-a'),
      });
    });

    it('totals everything for administrators, each blob once across projects', async () => {
      const res = await admin.get('/statistics');
      expect(res.body).toEqual({
        projects: 4,
        publicProjects: 2,
        privateProjects: 2,
        repositories: 5,
        storageBytes: storageOf('library', 'pub', 'priv-a', 'priv-b'),
      });
      // And never more than the blobs there are.
      const [{ total }] = await berth.running.dataSource.query('SELECT sum(size)::float8 AS total FROM blob');
      expect(res.body.storageBytes).toBeLessThan(total); // priv-b/empty's blob is referenced by no manifest
    });

    it('follows pushes and deletions at once', async () => {
      const before = (await anonymous.get('/statistics')).body;
      const added = randomBytes(4000);
      await push('pub/new', [added]);
      const after = (await anonymous.get('/statistics')).body;
      expect(after).toEqual({ ...before, repositories: before.repositories + 1, storageBytes: storageOf('library', 'pub') });
      expect(after.storageBytes).toBeGreaterThan(before.storageBytes + added.length);
      expect((await admin.delete('/projects/pub/repositories/new')).status).toBe(204);
      blobs.pub.clear();
      for (const [digest, size] of pushedTo['pub/app'].concat(pushedTo['pub/tool'])) blobs.pub.set(digest, size);
      expect((await anonymous.get('/statistics')).body).toEqual(before);
    });

    it('follows visibility changes at once', async () => {
      expect((await admin.patch('/projects/priv-b', { public: true })).status).toBe(200);
      expect((await anonymous.get('/statistics')).body).toMatchObject({ projects: 3, publicProjects: 3, repositories: 4, storageBytes: storageOf('library', 'pub', 'priv-b') });
      expect((await admin.patch('/projects/priv-b', { public: false })).status).toBe(200);
      expect((await anonymous.get('/statistics')).body).toMatchObject({ projects: 2, storageBytes: storageOf('library', 'pub') });
    });
  });
});
