import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createRobot } from '../support/access';
import { Descriptor, json, MT, ociImage, ociIndex, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { basic, ConsoleClient } from './console-client';

interface ProjectItem {
  name: string;
  public: boolean;
  badge: 'official' | 'verified' | null;
  role: string | null;
  repositoryCount: number;
  storageBytes: number;
  quotaBytes: number | null;
}

/** The links of a Link header by rel. */
function linksOf(header: string | null): Record<string, string> {
  if (!header) throw new Error('no Link header');
  return Object.fromEntries(
    header.split(', ').map((part) => {
      const match = /^<([^>]+)>; rel="(\w+)"$/.exec(part);
      if (!match) throw new Error(`not a link: ${part}`);
      return [match[2], match[1]];
    }),
  );
}

const sizeOf = (blobs: Descriptor[]) => blobs.reduce((sum, b) => sum + b.size, 0);

/** Projects, members and project robots through /api/v1/projects. */
describe('projects', () => {
  let berth: TestBerth;
  let db: DataSource;
  let registry: RegistryClient;
  let admin: ConsoleClient;
  let owner: ConsoleClient;
  let outsider: ConsoleClient;
  let anonymous: ConsoleClient;

  /** A real push into `name` (as the admin): an image, or with `empty` only a blob, which makes the repository row without a manifest. */
  const pushRepository = async (name: string, empty = false) => {
    if (empty) await registry.pushBlob(name, randomBytes(16));
    else await registry.pushImage(name, { tag: 'latest' });
  };

  /** An OCI image in `repository` from a fresh config and the given layers (pushed again: a blob may already be there); answers every blob it references. */
  const pushImageOf = async (repository: string, tag: string, layers: Buffer[]): Promise<{ blobs: Descriptor[]; descriptor: Descriptor }> => {
    const config = await registry.pushBlob(repository, json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(8).toString('hex') }), MT.ociConfig);
    const pushedLayers: Descriptor[] = [];
    for (const layer of layers) pushedLayers.push(await registry.pushBlob(repository, layer, MT.ociLayer));
    const manifest = await registry.pushManifest(repository, tag, ociImage({ config, layers: pushedLayers }));
    return { blobs: [config, ...pushedLayers], descriptor: { ...manifest.descriptor, platform: { os: 'linux', architecture: 'amd64' } } };
  };

  const list = async (client: ConsoleClient, query: string): Promise<ProjectItem[]> => {
    const res = await client.get(`/projects?${query}`);
    expect([query, res.status]).toEqual([query, 200]);
    return res.body.items;
  };
  const namesOf = async (client: ConsoleClient, query: string) => (await list(client, query)).map((p) => p.name);

  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    registry = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    for (const name of ['olga', 'oscar', 'mia']) expect((await admin.post('/users', { username: name, password: `${name}-password` })).status).toBe(201);
    expect((await admin.patch('/settings', { project_creation: 'everyone' })).status).toBe(200);
    owner = await ConsoleClient.session(berth, 'olga', 'olga-password');
    outsider = await ConsoleClient.session(berth, 'oscar', 'oscar-password');
    anonymous = ConsoleClient.anonymous(berth);
  });
  afterAll(async () => {
    await berth.close();
  });

  it('creates projects with valid names only, makes the creator project admin, and refuses duplicates with 409', async () => {
    const created = await owner.post('/projects', { name: 'team-a', description: 'Team A images' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'team-a',
      public: false,
      description: 'Team A images',
      role: 'project_admin',
      badge: null,
      repositoryCount: 0,
      storageBytes: 0,
      quotaBytes: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const duplicate = await admin.post('/projects', { name: 'team-a' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.code).toBe('CONFLICT');
    for (const name of ['A-team', 'a', 'team/a', 'team..a', '-team', 'team_', 'x'.repeat(65), 'tëam']) {
      const res = await owner.post('/projects', { name });
      expect([name, res.status, res.body.details?.issues?.[0]?.path]).toEqual([name, 400, 'name']);
    }
    for (const name of ['ab', 'my.team', 'my__team', 'my--team', 'x'.repeat(64)]) expect((await owner.post('/projects', { name })).status).toBe(201);
    expect((await owner.post('/projects', { name: 'team-b', public: 'yes' })).status).toBe(400);
    expect((await owner.post('/projects', { name: 'pub-b', public: true })).body.public).toBe(true);
  });

  it('lists the projects the caller may see, with their role and repository count', async () => {
    expect((await admin.post('/projects', { name: 'team-ab' })).status).toBe(201);
    await pushRepository('team-a/app');
    await pushRepository('team-a/tools/cli');
    await pushRepository('team-a/empty', true);
    await pushRepository('team-ab/other');
    const names = async (client: ConsoleClient) => (await client.get('/projects?page_size=100')).body.items.map((p: { name: string }) => p.name);
    expect(await names(anonymous)).toEqual(['library', 'pub-b']);
    expect(await names(outsider)).toEqual(['library', 'pub-b']);
    expect(await names(admin)).toEqual(expect.arrayContaining(['team-a', 'team-ab']));
    expect(await names(owner)).toEqual(expect.arrayContaining(['library', 'pub-b', 'team-a', 'ab', 'my.team']));
    expect((await names(admin)).length).toBe((await db.query('SELECT count(*)::int AS n FROM project'))[0].n);
    const mine = (await owner.get('/projects?page_size=100')).body.items;
    expect(mine.find((p: { name: string }) => p.name === 'team-a')).toMatchObject({ role: 'project_admin', repositoryCount: 2, public: false });
    expect(mine.find((p: { name: string }) => p.name === 'library')).toMatchObject({ role: null, public: true });
    const paged = await owner.get('/projects?page=2&page_size=2');
    expect(paged.body).toMatchObject({ page: 2, pageSize: 2 });
    expect(paged.body.items).toHaveLength(2);
    expect(paged.headers.get('x-total-count')).toBe(String(mine.length));
    const last = Math.ceil(mine.length / 2);
    expect(linksOf(paged.headers.get('link'))).toEqual({
      first: '/api/v1/projects?page=1&page_size=2',
      prev: '/api/v1/projects?page=1&page_size=2',
      next: '/api/v1/projects?page=3&page_size=2',
      last: `/api/v1/projects?page=${last}&page_size=2`,
    });
  });

  it('hides private projects (404, never 403) from outsiders and anonymous callers, exactly like missing ones', async () => {
    expect((await owner.get('/projects/team-a')).status).toBe(200);
    expect((await anonymous.get('/projects/pub-b')).body).toMatchObject({ name: 'pub-b', role: null });
    for (const client of [outsider, anonymous]) {
      const hidden = await client.get('/projects/team-a');
      const missing = await client.get('/projects/team-zz');
      expect(hidden.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(hidden.body.message).toBe('project "team-a" not found');
      expect(missing.body.message).toBe('project "team-zz" not found');
    }
    for (const [method, path, body] of [
      ['PATCH', '/projects/team-a', { public: true }],
      ['DELETE', '/projects/team-a'],
      ['GET', '/projects/team-a/members'],
      ['POST', '/projects/team-a/members', { username: 'oscar', role: 'developer' }],
      ['PATCH', '/projects/team-a/members/olga', { role: 'guest' }],
      ['DELETE', '/projects/team-a/members/olga'],
      ['GET', '/projects/team-a/robots'],
      ['POST', '/projects/team-a/robots', { name: 'x', permissions: ['pull'] }],
      ['PATCH', '/projects/team-a/robots/1', { disabled: true }],
      ['POST', '/projects/team-a/robots/1/rotate'],
      ['DELETE', '/projects/team-a/robots/1'],
      ['GET', '/projects/team-a/audit'],
    ] as [string, string, unknown?][]) {
      const res = await outsider.request(method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    expect((await owner.get('/projects/team-a')).body.public).toBe(false);
  });

  it('lets the project admin change visibility and description', async () => {
    const res = await owner.patch('/projects/team-a', { public: true, description: 'now public' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ public: true, description: 'now public' });
    expect((await anonymous.get('/projects/team-a')).status).toBe(200);
    expect((await outsider.patch('/projects/team-a', { public: false })).status).toBe(403); // visible now, still not theirs
    expect((await owner.patch('/projects/team-a', { public: false, name: 'renamed' })).status).toBe(400);
    expect((await owner.patch('/projects/team-a', { public: false })).body.public).toBe(false);
  });

  it('manages members and keeps at least one project admin', async () => {
    const added = await owner.post('/projects/team-a/members', { username: 'mia', role: 'developer' });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ username: 'mia', displayName: null, role: 'developer', addedAt: expect.any(String) });
    expect((await owner.post('/projects/team-a/members', { username: 'mia', role: 'guest' })).status).toBe(409);
    expect((await owner.post('/projects/team-a/members', { username: 'ghost', role: 'guest' })).status).toBe(404);
    const badRole = await owner.post('/projects/team-a/members', { username: 'oscar', role: 'owner' });
    expect(badRole.status).toBe(400);
    expect(badRole.body.details.issues[0].path).toBe('role');

    const list = await owner.get('/projects/team-a/members');
    expect(list.body.items.map((m: { username: string; role: string }) => [m.username, m.role])).toEqual([
      ['mia', 'developer'],
      ['olga', 'project_admin'],
    ]);
    expect(list.headers.get('x-total-count')).toBe('2');

    const lastAdmin = await owner.delete('/projects/team-a/members/olga');
    expect(lastAdmin.status).toBe(409);
    expect(lastAdmin.body.code).toBe('PRECONDITION');
    expect((await owner.patch('/projects/team-a/members/olga', { role: 'maintainer' })).status).toBe(409);
    expect((await admin.delete('/projects/team-a/members/olga')).status).toBe(409); // not even a system admin

    expect((await owner.patch('/projects/team-a/members/mia', { role: 'project_admin' })).body.role).toBe('project_admin');
    expect((await owner.patch('/projects/team-a/members/olga', { role: 'maintainer' })).body.role).toBe('maintainer');
    expect((await owner.post('/projects/team-a/members', { username: 'oscar', role: 'guest' })).status).toBe(403); // olga is a maintainer now
    const mia = await ConsoleClient.session(berth, 'mia', 'mia-password');
    expect((await mia.delete('/projects/team-a/members/mia')).status).toBe(409);
    expect((await mia.patch('/projects/team-a/members/olga', { role: 'project_admin' })).status).toBe(200);
    expect((await mia.delete('/projects/team-a/members/mia')).status).toBe(204);
    expect((await owner.delete('/projects/team-a/members/mia')).status).toBe(404);
    expect((await owner.get('/projects/team-a/members')).body.items.map((m: { username: string }) => m.username)).toEqual(['olga']);
  });

  it('lets exactly one of two concurrent demotions of the last two project admins through, without deadlocking', async () => {
    for (let round = 0; round < 3; round++) {
      const name = `duo-${round}`;
      expect((await owner.post('/projects', { name })).status).toBe(201);
      expect((await owner.post(`/projects/${name}/members`, { username: 'mia', role: 'project_admin' })).status).toBe(201);
      const results = await Promise.all([
        owner.patch(`/projects/${name}/members/olga`, { role: 'developer' }),
        owner.patch(`/projects/${name}/members/mia`, { role: 'developer' }),
      ]);
      // Exactly one goes through. The other is refused as the last admin (409), or, when olga's own
      // demotion committed before her request about mia was authorized, because she no longer manages members (403).
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect([403, 409]).toContain(statuses.find((s) => s !== 200));
      const roles = (await admin.get(`/projects/${name}/members`)).body.items.map((m: { role: string }) => m.role);
      expect(roles.filter((r: string) => r === 'project_admin')).toHaveLength(1);
    }
  });

  it('filters and sorts members and robots like every other list', async () => {
    expect((await admin.post('/projects', { name: 'team-q' })).status).toBe(201);
    for (const [username, role] of [
      ['olga', 'guest'],
      ['oscar', 'maintainer'],
      ['mia', 'developer'],
    ] as const) {
      expect((await admin.post('/projects/team-q/members', { username, role })).status).toBe(201);
    }
    const members = async (query: string) => ((await admin.get(`/projects/team-q/members?${query}`)).body.items as { username: string }[]).map((m) => m.username);
    // The creator (admin) is the project's admin.
    expect(await members('sort=role')).toEqual(['admin', 'oscar', 'mia', 'olga']);
    expect(await members('sort=-username')).toEqual(['oscar', 'olga', 'mia', 'admin']);
    expect(await members('q=OL')).toEqual(['olga']);
    // The display name counts too: the admin's is Administrator.
    expect(await members('q=istrat')).toEqual(['admin']);
    expect((await admin.get('/projects/team-q/members?q=os')).headers.get('x-total-count')).toBe('1');
    expect((await admin.get('/projects/team-q/members?sort=age')).status).toBe(400);

    for (const [name, description, expiresAt] of [
      ['deploy', 'pushes releases', '2098-01-01T00:00:00Z'],
      ['backup', 'nightly copy', undefined],
      ['audit', 'reads for compliance', '2097-01-01T00:00:00Z'],
    ] as const) {
      expect((await admin.post('/projects/team-q/robots', { name, permissions: ['pull'], description, expiresAt })).status).toBe(201);
    }
    const robots = async (query: string) => ((await admin.get(`/projects/team-q/robots?${query}`)).body.items as { name: string }[]).map((r) => r.name.split('+')[1]);
    expect(await robots('')).toEqual(['audit', 'backup', 'deploy']);
    expect(await robots('sort=-name')).toEqual(['deploy', 'backup', 'audit']);
    // Never expiring sorts last either way.
    expect(await robots('sort=expires_at')).toEqual(['audit', 'deploy', 'backup']);
    expect(await robots('sort=-expires_at')).toEqual(['deploy', 'audit', 'backup']);
    expect(await robots('q=nightly')).toEqual(['backup']);
    expect((await admin.get('/projects/team-q/robots?sort=secret')).status).toBe(400);
    // Later tests count what these users can see.
    expect((await admin.delete('/projects/team-q')).status).toBe(204);
  });

  it('manages project robots: secret once, never in lists, refused outside their project', async () => {
    const created = await owner.post('/projects/team-a/robots', { name: 'ci', permissions: ['pull', 'push'], description: 'CI pipeline' });
    expect(created.status).toBe(201);
    const { robot, secret } = created.body;
    expect(robot).toMatchObject({ name: 'robot$team-a+ci', project: 'team-a', permissions: ['pull', 'push'], description: 'CI pipeline', expiresAt: null });
    expect(robot.secretHash).toBeUndefined();
    const list = await owner.get('/projects/team-a/robots');
    expect(list.body.items).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toMatch(/argon2/);
    expect((await owner.post('/projects/team-a/robots', { name: 'ci', permissions: ['pull'] })).status).toBe(409);
    expect((await owner.post('/projects/team-a/robots', { name: 'none', permissions: [] })).status).toBe(400);
    expect((await owner.post('/projects/team-a/robots', { name: 'past', permissions: ['pull'], expiresAt: '2001-01-01T00:00:00Z' })).status).toBe(400);

    const login = (s: string) => fetch(`${berth.url}/service/token?service=berth`, { headers: { Authorization: basic(robot.name, s) } });
    expect((await login(secret)).status).toBe(200);
    const updated = await owner.patch(`/projects/team-a/robots/${robot.id}`, { description: 'pipeline', permissions: ['pull'], expiresAt: '2098-05-01T12:00:00+02:00' });
    expect(updated.body).toMatchObject({ description: 'pipeline', permissions: ['pull'], expiresAt: '2098-05-01T10:00:00.000Z' });
    const rotated = await owner.post(`/projects/team-a/robots/${robot.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.robot.id).toBe(robot.id);
    expect((await login(secret)).status).toBe(401);
    expect((await login(rotated.body.secret)).status).toBe(200);

    // Another project's admin cannot reach this robot through their own project.
    expect((await owner.post('/projects', { name: 'team-c' })).status).toBe(201);
    for (const res of [
      await owner.patch(`/projects/team-c/robots/${robot.id}`, { disabled: true }),
      await owner.post(`/projects/team-c/robots/${robot.id}/rotate`),
      await owner.delete(`/projects/team-c/robots/${robot.id}`),
      await owner.delete('/projects/team-c/robots/999999'),
    ]) {
      expect(res.status).toBe(404);
    }
    expect((await owner.delete(`/projects/team-a/robots/${robot.id}`)).status).toBe(204);
    expect((await login(rotated.body.secret)).status).toBe(401);
  });

  it('deletes only projects without images, unless forced; forced deletion removes the repositories\' rows', async () => {
    expect((await owner.post('/projects', { name: 'doomed' })).status).toBe(201);
    await pushRepository('doomed/app');
    await pushRepository('doomed/empty', true);
    const refused = await owner.delete('/projects/doomed');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'PRECONDITION', details: { repositories: 1 } });
    expect((await owner.get('/projects/doomed')).status).toBe(200);
    expect((await owner.delete('/projects/doomed?force=maybe')).status).toBe(400);
    expect((await owner.delete('/projects/doomed?force=true')).status).toBe(204);
    expect((await owner.get('/projects/doomed')).status).toBe(404);
    expect(await db.query(`SELECT name FROM repository WHERE name LIKE 'doomed/%'`)).toEqual([]);
    expect(await db.query(`SELECT name FROM repository WHERE name = 'team-a/app'`)).toHaveLength(1);

    expect((await owner.post('/projects', { name: 'empty-one' })).status).toBe(201);
    await pushRepository('empty-one/never-pushed', true);
    expect((await owner.delete('/projects/empty-one')).status).toBe(204);
    expect(await db.query(`SELECT name FROM repository WHERE name LIKE 'empty-one/%'`)).toEqual([]);
    // A recreated project starts empty.
    expect((await owner.post('/projects', { name: 'doomed' })).body.repositoryCount).toBe(0);
  });

  it('shows the project\'s mutations in its audit log', async () => {
    const res = await owner.get('/projects/team-a/audit?page_size=100');
    expect(res.status).toBe(200);
    const actions = res.body.items.map((e: { action: string }) => e.action);
    for (const action of ['project.create', 'project.update', 'member.add', 'member.update', 'member.remove', 'robot.create', 'robot.update', 'robot.rotate', 'robot.delete']) {
      expect([action, actions.includes(action)]).toEqual([action, true]);
    }
    expect(res.body.items.every((e: { project: string }) => e.project === 'team-a')).toBe(true);
    const removal = (await owner.get('/projects/team-a/audit?action=member.remove')).body.items[0];
    expect(removal).toMatchObject({ actor: 'mia', details: { username: 'mia', role: 'project_admin' } });
    const deleted = (await admin.get('/audit?action=project.delete&page_size=100')).body.items.map((e: { resource: string; details: Record<string, unknown> }) => [e.resource, e.details]);
    expect(deleted).toEqual(
      expect.arrayContaining([
        ['project doomed', { force: true, repositoriesDeleted: 2 }],
        ['project empty-one', { force: false, repositoriesDeleted: 1 }],
      ]),
    );
  });
  describe('discovery: filters, sorts, storage, summary, quota and badges', () => {
    /** Storage of each sort-* project, by its blobs. */
    const storage: Record<string, number> = {};

    beforeAll(async () => {
      // Created in this order, so created_at, name, repository count and storage all sort differently:
      // sort-a: 2 repositories of small images; sort-b: public, nothing pushed; sort-c: 1 repository with a large layer.
      for (const [name, isPublic] of [['sort-c', false], ['sort-a', false], ['sort-b', true]] as const) {
        expect((await owner.post('/projects', { name, public: isPublic })).status).toBe(201);
      }
      const a1 = await pushImageOf('sort-a/one', 'v1', [randomBytes(100)]);
      const a2 = await pushImageOf('sort-a/two', 'v1', [randomBytes(100)]);
      const c1 = await pushImageOf('sort-c/big', 'v1', [randomBytes(5000)]);
      storage['sort-a'] = sizeOf([...a1.blobs, ...a2.blobs]);
      storage['sort-b'] = 0;
      storage['sort-c'] = sizeOf(c1.blobs);
      expect((await admin.patch('/projects/sort-a', { badge: 'official' })).status).toBe(200);
      expect((await admin.patch('/projects/sort-c', { badge: 'verified' })).status).toBe(200);
    });

    it('sorts by name, creation, repository count and storage, both ways', async () => {
      const expected: Record<string, string[]> = {
        name: ['sort-a', 'sort-b', 'sort-c'],
        '-name': ['sort-c', 'sort-b', 'sort-a'],
        created_at: ['sort-c', 'sort-a', 'sort-b'],
        '-created_at': ['sort-b', 'sort-a', 'sort-c'],
        repositories: ['sort-b', 'sort-c', 'sort-a'],
        '-repositories': ['sort-a', 'sort-c', 'sort-b'],
        storage: ['sort-b', 'sort-a', 'sort-c'],
        '-storage': ['sort-c', 'sort-a', 'sort-b'],
      };
      for (const [sort, order] of Object.entries(expected)) {
        expect([sort, await namesOf(owner, `q=sort-&sort=${sort}`)]).toEqual([sort, order]);
      }
      // Paged by storage: the page is cut after sorting every matching project, not before.
      expect(await namesOf(owner, 'q=sort-&sort=-storage&page=2&page_size=1')).toEqual(['sort-a']);
      expect(await namesOf(owner, 'q=sort-&sort=repositories&page=3&page_size=1')).toEqual(['sort-a']);
      expect(await namesOf(owner, 'sort=name&page_size=100')).toEqual([...(await namesOf(owner, 'sort=name&page_size=100'))].sort());
      const rows = await list(owner, 'q=sort-');
      expect(rows.map((p) => [p.name, p.repositoryCount, p.storageBytes, p.badge, p.public, p.quotaBytes, p.role])).toEqual([
        ['sort-a', 2, storage['sort-a'], 'official', false, null, 'project_admin'],
        ['sort-b', 0, 0, null, true, null, 'project_admin'],
        ['sort-c', 1, storage['sort-c'], 'verified', false, null, 'project_admin'],
      ]);
    });

    it('filters by name (any case), badge and visibility, and counts and links what the filter leaves', async () => {
      expect(await namesOf(owner, 'q=SORT-')).toEqual(['sort-a', 'sort-b', 'sort-c']);
      expect(await namesOf(owner, 'q=rt-c')).toEqual(['sort-c']);
      expect(await namesOf(owner, 'q=nothing-like-this')).toEqual([]);
      expect(await namesOf(owner, 'q=sort-&badge=official')).toEqual(['sort-a']);
      expect(await namesOf(owner, 'badge=verified')).toEqual(['sort-c']);
      expect(await namesOf(owner, 'q=sort-&public=true')).toEqual(['sort-b']);
      expect(await namesOf(owner, 'q=sort-&public=false')).toEqual(['sort-a', 'sort-c']);
      expect(await namesOf(owner, 'public=true&page_size=100')).toEqual(['library', 'pub-b', 'sort-b']);

      const page = await owner.get('/projects?q=sort-&sort=-name&page=2&page_size=1');
      expect(page.body).toMatchObject({ total: 3, page: 2, pageSize: 1, items: [{ name: 'sort-b' }] });
      expect(page.headers.get('x-total-count')).toBe('3');
      const links = linksOf(page.headers.get('link'));
      expect(links).toEqual({
        first: '/api/v1/projects?q=sort-&sort=-name&page=1&page_size=1',
        prev: '/api/v1/projects?q=sort-&sort=-name&page=1&page_size=1',
        next: '/api/v1/projects?q=sort-&sort=-name&page=3&page_size=1',
        last: '/api/v1/projects?q=sort-&sort=-name&page=3&page_size=1',
      });
      // The links are usable as they are.
      const next = await fetch(`${berth.url}${links.next}`, { headers: { Authorization: basic('olga', 'olga-password') } });
      expect(((await next.json()) as { items: ProjectItem[] }).items.map((p) => p.name)).toEqual(['sort-a']);
      const first = linksOf((await owner.get('/projects?q=sort-&badge=official')).headers.get('link'));
      expect(first).toEqual({ first: '/api/v1/projects?q=sort-&badge=official&page=1&page_size=20', last: '/api/v1/projects?q=sort-&badge=official&page=1&page_size=20' });
    });

    it('never shows private projects to outsiders or anonymous callers, whatever the filter or sort', async () => {
      for (const client of [outsider, anonymous]) {
        expect(await namesOf(client, 'q=sort-')).toEqual(['sort-b']);
        expect(await namesOf(client, 'q=sort-&sort=-storage')).toEqual(['sort-b']);
        expect(await namesOf(client, 'q=sort-&sort=-repositories')).toEqual(['sort-b']);
        expect(await namesOf(client, 'badge=official')).toEqual([]);
        expect(await namesOf(client, 'public=false')).toEqual([]);
        const res = await client.get('/projects?public=false');
        expect(res.headers.get('x-total-count')).toBe('0');
        expect((await client.get('/projects/sort-a')).status).toBe(404);
      }
      expect((await list(outsider, 'q=sort-b'))[0].role).toBeNull();
    });

    it('refuses bad filters, sorts and paging with 400 INVALID naming the parameter', async () => {
      for (const [query, path] of [
        ['sort=size', 'sort'],
        ['sort=NAME', 'sort'],
        ['badge=gold', 'badge'],
        ['public=maybe', 'public'],
        ['page=0', 'page'],
        ['page_size=1000', 'page_size'],
        [`q=${'x'.repeat(256)}`, 'q'],
      ]) {
        const res = await anonymous.get(`/projects?${query}`);
        expect([query, res.status, res.body.code, res.body.details?.issues?.[0]?.path]).toEqual([query, 400, 'INVALID', path]);
      }
    });

    it('counts storage once per blob: a layer shared by two repositories of a project once, and in each project that uses it', async () => {
      expect((await owner.post('/projects', { name: 'store' })).status).toBe(201);
      expect((await owner.post('/projects', { name: 'store-b', public: true })).status).toBe(201);
      const usage = async () => (await list(owner, 'q=store')).map((p) => [p.name, p.repositoryCount, p.storageBytes]);
      expect(await usage()).toEqual([
        ['store', 0, 0],
        ['store-b', 0, 0],
      ]);
      const shared = randomBytes(3000);
      const one = await pushImageOf('store/one', 'v1', [shared, randomBytes(200)]);
      const two = await pushImageOf('store/two', 'v1', [shared]);
      // The same manifest under a second tag, and an index over an image: more artifacts, no more blobs.
      await registry.pushManifest('store/one', 'latest', (await registry.request('GET', '/v2/store/one/manifests/v1', { headers: { accept: MT.ociManifest } })).body, MT.ociManifest);
      await registry.pushManifest('store/one', 'multi', ociIndex([one.descriptor]));
      await registry.pushBlob('store/unreferenced', randomBytes(10_000)); // a blob no manifest references: a repository without images, no storage
      const other = await pushImageOf('store-b/app', 'v1', [shared]);

      const distinct = new Map([...one.blobs, ...two.blobs].map((b) => [b.digest, b.size]));
      expect(distinct.size).toBe(4); // two configs, the shared layer once, the own layer
      const expected = [...distinct.values()].reduce((a, b) => a + b, 0);
      expect(expected).toBeLessThan(sizeOf([...one.blobs, ...two.blobs]));
      // Sums already shown are not served stale after pushes.
      expect(await usage()).toEqual([
        ['store', 2, expected],
        ['store-b', 1, sizeOf(other.blobs)],
      ]);
      expect(sizeOf(other.blobs)).toBe(other.blobs[0].size + shared.length);
      // A project's own view agrees with its row in the list.
      expect((await owner.get('/projects/store')).body).toMatchObject({ storageBytes: expected, repositoryCount: 2 });
      expect((await anonymous.get('/projects/store-b')).body).toMatchObject({ storageBytes: sizeOf(other.blobs) });
      expect(await namesOf(owner, 'q=store&sort=-storage')).toEqual(['store', 'store-b']);

      // Deleting a repository takes away what only it used; the shared layer stays counted in each project still using it.
      const gone = await pushImageOf('store-b/gone', 'v1', [randomBytes(9000), shared]);
      expect((await list(owner, 'q=store-b'))[0].storageBytes).toBe(sizeOf(other.blobs) + sizeOf(gone.blobs) - shared.length);
      expect(await namesOf(owner, 'q=store&sort=-storage')).toEqual(['store-b', 'store']);
      expect((await owner.delete('/projects/store-b/repositories/gone')).status).toBe(204);
      expect(await usage()).toEqual([
        ['store', 2, expected],
        ['store-b', 1, sizeOf(other.blobs)],
      ]);
      expect(await namesOf(owner, 'q=store&sort=-storage')).toEqual(['store', 'store-b']);
    });

    it("summarizes a project: repositories, artifacts, tags, members per role and robots", async () => {
      expect((await owner.post('/projects/store/members', { username: 'mia', role: 'developer' })).status).toBe(201);
      expect((await owner.post('/projects/store/members', { username: 'oscar', role: 'guest' })).status).toBe(201);
      await createRobot(berth, 'store', 'ci', ['pull']);
      const res = await owner.get('/projects/store');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'store', role: 'project_admin', public: false, badge: null, quotaBytes: null });
      expect(res.body.summary).toEqual({
        repositoryCount: 2,
        artifactCount: 3, // store/one: the image and the index; store/two: the image
        tagCount: 4, // v1, latest, multi; v1
        membersByRole: { project_admin: 1, maintainer: 0, developer: 1, guest: 1, limited_guest: 0 },
        robotCount: 1,
      });
      expect(res.body.summary.repositoryCount).toBe(res.body.repositoryCount);
      // A guest sees the same summary; an empty project has zeros everywhere but its admin.
      const oscar = await ConsoleClient.session(berth, 'oscar', 'oscar-password');
      expect((await oscar.get('/projects/store')).body).toMatchObject({ role: 'guest', summary: res.body.summary });
      expect((await anonymous.get('/projects/sort-b')).body.summary).toEqual({
        repositoryCount: 0,
        artifactCount: 0,
        tagCount: 0,
        membersByRole: { project_admin: 1, maintainer: 0, developer: 0, guest: 0, limited_guest: 0 },
        robotCount: 0,
      });
      for (const client of [anonymous, outsider, owner, admin]) expect((await client.get('/projects/no-such-project')).status).toBe(404);
    });

    it('lets only system administrators set quotas and badges; visibility and description stay with the project admin', async () => {
      for (const body of [{ quotaBytes: 10_485_760 }, { badge: 'official' }, { badge: null }, { quotaBytes: null }, { description: 'with a quota', quotaBytes: 1 }]) {
        const refused = await owner.patch('/projects/store', body);
        expect([body, refused.status, refused.body.code]).toEqual([body, 403, 'FORBIDDEN']);
        expect(refused.body.message).toBe("only system administrators may change a project's quota or badge");
      }
      expect((await owner.get('/projects/store')).body).toMatchObject({ description: '', quotaBytes: null, badge: null });
      expect((await outsider.patch('/projects/sort-a', { quotaBytes: 1 })).status).toBe(404); // hidden from them
      expect((await outsider.patch('/projects/store', { quotaBytes: 1 })).status).toBe(403); // a guest there now
      expect((await outsider.patch('/projects/store-b', { badge: 'official' })).status).toBe(403);

      const set = await admin.patch('/projects/store', { quotaBytes: 5 * 2 ** 40, badge: 'verified' });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ name: 'store', quotaBytes: 5 * 2 ** 40, badge: 'verified', role: null });
      expect((await owner.get('/projects/store')).body).toMatchObject({ quotaBytes: 5 * 2 ** 40, badge: 'verified', role: 'project_admin' });
      expect(await namesOf(owner, 'badge=verified')).toEqual(['sort-c', 'store']);
      // Other fields are left alone by a quota change, and the project admin still edits them.
      expect((await owner.patch('/projects/store', { description: 'limited', public: true })).body).toMatchObject({ description: 'limited', public: true, quotaBytes: 5 * 2 ** 40 });
      const cleared = await admin.patch('/projects/store', { quotaBytes: null, badge: null });
      expect(cleared.body).toMatchObject({ quotaBytes: null, badge: null, description: 'limited', public: true });

      for (const [body, path] of [
        [{ quotaBytes: -1 }, 'quotaBytes'],
        [{ quotaBytes: 0 }, 'quotaBytes'],
        [{ quotaBytes: 1.5 }, 'quotaBytes'],
        [{ quotaBytes: '100' }, 'quotaBytes'],
        [{ quotaBytes: 2 ** 60 }, 'quotaBytes'],
        [{ badge: 'gold' }, 'badge'],
        [{ badge: 'Official' }, 'badge'],
      ] as [Record<string, unknown>, string][]) {
        const res = await admin.patch('/projects/store', body);
        expect([body, res.status, res.body.code, res.body.details?.issues?.[0]?.path]).toEqual([body, 400, 'INVALID', path]);
      }
      expect((await admin.patch('/projects/no-such-project', { quotaBytes: 1 })).status).toBe(404);

      const audit = (await admin.get('/projects/store/audit?action=project.update&page_size=100')).body.items;
      expect(audit.map((e: { actor: string; details: unknown }) => [e.actor, e.details])).toEqual(
        expect.arrayContaining([
          ['admin', { quotaBytes: 5 * 2 ** 40, badge: 'verified' }],
          ['admin', { quotaBytes: null, badge: null }],
          ['olga', { description: 'limited', public: true }],
        ]),
      );
    });
  });
});
