import { DataSource } from 'typeorm';
import { addMember, createUser } from '../support/access';
import { randomBytes } from 'node:crypto';
import { Descriptor, json, ociImage, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

interface Item {
  name: string;
  excerpt: string;
  badge: 'official' | 'verified' | null;
  ownBadge: 'official' | 'verified' | null;
  starCount: number;
  starred: boolean;
  artifactCount: number;
  tagCount: number;
  pullCount: number;
  pushedAt: string | null;
}

/** What a repository shows before anyone badges or stars it. */
const plain = { badge: null, ownBadge: null, starCount: 0, starred: false };

/** Repositories through /api/v1/projects/:name/repositories and /api/v1/repositories, after real pushes. */
describe('repositories', () => {
  let berth: TestBerth;
  let db: DataSource;
  let registry: RegistryClient;
  let admin: ConsoleClient;
  let developer: ConsoleClient;
  let guest: ConsoleClient;
  let maintainer: ConsoleClient;
  let outsider: ConsoleClient;
  let anonymous: ConsoleClient;

  const names = (items: Item[]) => items.map((i) => i.name);

  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    registry = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/projects', { name: 'team' })).status).toBe(201);
    expect((await admin.post('/projects', { name: 'open', public: true })).status).toBe(201);
    for (const [username, role] of [
      ['dora', 'developer'],
      ['gus', 'guest'],
      ['max', 'maintainer'],
    ] as const) {
      await createUser(berth, username, `${username}-password`);
      await addMember(berth, 'team', username, role);
    }
    await createUser(berth, 'oscar', 'oscar-password');
    developer = await ConsoleClient.session(berth, 'dora', 'dora-password');
    guest = await ConsoleClient.session(berth, 'gus', 'gus-password');
    maintainer = await ConsoleClient.session(berth, 'max', 'max-password');
    outsider = await ConsoleClient.session(berth, 'oscar', 'oscar-password');
    anonymous = ConsoleClient.anonymous(berth);

    // team/app: two tagged images and one untagged; team/app/api (nested) and team/web: one each; open/tool: one.
    await registry.pushImage('team/app', { tag: 'v1' });
    await registry.pushImage('team/app', { tag: 'v2' });
    await registry.pushImage('team/app');
    await registry.pushImage('team/app/api', { tag: 'latest' });
    await registry.pushImage('team/web', { tag: 'latest' });
    await registry.pushImage('open/tool', { tag: '1.0' });
    await db.query(`UPDATE repository SET pull_count = 7, pushed_at = now() - interval '1 day' WHERE name = 'team/web'`);
    await db.query(`UPDATE repository SET pull_count = 3, pushed_at = now() - interval '2 days' WHERE name = 'team/app/api'`);
    await db.query(`UPDATE repository SET pull_count = 1, pushed_at = now() - interval '3 days' WHERE name = 'team/app'`);
  });
  afterAll(async () => {
    await berth.close();
  });

  it("lists a project's repositories with their counts", async () => {
    const res = await developer.get('/projects/team/repositories');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 3, page: 1 });
    expect(res.body.items).toEqual([
      { name: 'team/app', excerpt: '', ...plain, artifactCount: 3, tagCount: 2, pullCount: 1, pushedAt: expect.any(String) },
      { name: 'team/app/api', excerpt: '', ...plain, artifactCount: 1, tagCount: 1, pullCount: 3, pushedAt: expect.any(String) },
      { name: 'team/web', excerpt: '', ...plain, artifactCount: 1, tagCount: 1, pullCount: 7, pushedAt: expect.any(String) },
    ]);
    expect(res.headers.get('x-total-count')).toBe('3');
  });

  it('sorts, filters by a substring of the name, and pages', async () => {
    const order = async (query: string) => names((await developer.get(`/projects/team/repositories?${query}`)).body.items);
    expect(await order('sort=-name')).toEqual(['team/web', 'team/app/api', 'team/app']);
    expect(await order('sort=pulls')).toEqual(['team/app', 'team/app/api', 'team/web']);
    expect(await order('sort=-pulls')).toEqual(['team/web', 'team/app/api', 'team/app']);
    expect(await order('sort=pushed_at')).toEqual(['team/app', 'team/app/api', 'team/web']);
    expect(await order('sort=-pushed_at')).toEqual(['team/web', 'team/app/api', 'team/app']);
    expect(await order('sort=updated')).toEqual(['team/app', 'team/app/api', 'team/web']);
    expect(await order('sort=-updated')).toEqual(['team/web', 'team/app/api', 'team/app']);
    expect(await order('q=app')).toEqual(['team/app', 'team/app/api']);
    expect(await order('q=API')).toEqual(['team/app/api']);
    expect(await order('q=nothing')).toEqual([]);
    expect((await developer.get('/projects/team/repositories?sort=size')).status).toBe(400);

    const page = await developer.get('/projects/team/repositories?page=2&page_size=2');
    expect(page.body).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    expect(names(page.body.items)).toEqual(['team/web']);
    expect(page.headers.get('x-total-count')).toBe('3');
    const filtered = await developer.get('/projects/team/repositories?q=app&page_size=1');
    expect(filtered.body.items).toHaveLength(1);
    expect(filtered.headers.get('x-total-count')).toBe('2');
  });

  it('lists across projects only what the caller may see', async () => {
    const all = async (client: ConsoleClient) => names((await client.get('/repositories?page_size=100')).body.items);
    expect(await all(admin)).toEqual(['open/tool', 'team/app', 'team/app/api', 'team/web']);
    expect(await all(developer)).toEqual(['open/tool', 'team/app', 'team/app/api', 'team/web']);
    expect(await all(outsider)).toEqual(['open/tool']);
    expect(await all(anonymous)).toEqual(['open/tool']);
    const sorted = await admin.get('/repositories?sort=-pulls&q=team&page_size=2');
    expect(names(sorted.body.items)).toEqual(['team/web', 'team/app/api']);
    expect(sorted.headers.get('x-total-count')).toBe('3');
    expect((await anonymous.get('/projects/open/repositories')).body.items.map((i: Item) => i.name)).toEqual(['open/tool']);
  });

  it('gets nested repositories by their path, and answers 404 for unknown ones and hidden projects', async () => {
    const nested = await guest.get('/projects/team/repositories/app/api');
    expect(nested.status).toBe(200);
    expect(nested.body).toEqual({
      name: 'team/app/api',
      description: '',
      excerpt: '',
      ...plain,
      artifactCount: 1,
      tagCount: 1,
      pullCount: 3,
      pushedAt: expect.any(String),
      storageBytes: expect.any(Number),
      freeableBytes: expect.any(Number),
    });
    expect((await guest.get('/projects/team/repositories/app')).body.name).toBe('team/app');
    const unknown = await guest.get('/projects/team/repositories/app/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('repository "team/app/nope" not found');
    for (const client of [outsider, anonymous]) {
      expect((await client.get('/projects/team/repositories/app')).status).toBe(404);
      expect((await client.get('/projects/team/repositories')).status).toBe(404);
      expect((await client.request('PATCH', '/projects/team/repositories/app', { description: 'x' })).status).toBe(client === anonymous ? 401 : 404);
      expect((await client.request('DELETE', '/projects/team/repositories/app')).status).toBe(client === anonymous ? 401 : 404);
    }
    expect((await anonymous.get('/projects/open/repositories/tool')).status).toBe(200);
  });

  it('answers 404 in the console error shape for a path with a `-` segment (no repository name has one)', async () => {
    for (const path of ['app/-/nothing', 'app/-/star', 'app/api/-', '-/app']) {
      const res = await developer.get(`/projects/team/repositories/${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.body).toEqual({ code: 'NOT_FOUND', message: expect.any(String), requestId: expect.any(String) });
    }
    expect((await developer.patch('/projects/team/repositories/app/-/nothing', { description: 'x' })).status).toBe(404);
    expect((await maintainer.delete('/projects/team/repositories/app/-/nothing')).status).toBe(404);
    expect((await maintainer.get('/projects/team/repositories/app')).status).toBe(200);
    // Hidden projects stay 404 (and anonymous callers are asked to sign in before anything is looked up).
    expect((await outsider.get('/projects/team/repositories/app/-/nothing')).status).toBe(404);
    expect((await anonymous.request('PUT', '/projects/team/repositories/app/-/star')).status).toBe(401);
  });

  it('lets developers edit the description, stored as written; refuses guests and oversized text', async () => {
    const description = `# App\n\n  Markdown *as written*  \n${'x'.repeat(300)}`;
    const res = await developer.patch('/projects/team/repositories/app/api', { description });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'team/app/api', description, excerpt: description.slice(0, 200) });
    expect((await guest.get('/projects/team/repositories/app/api')).body.description).toBe(description);
    const listed = (await guest.get('/projects/team/repositories?q=api')).body.items[0];
    expect(listed.excerpt).toBe(description.slice(0, 200));
    expect(listed.description).toBeUndefined();

    expect((await guest.patch('/projects/team/repositories/app/api', { description: 'mine' })).status).toBe(403);
    const tooLong = await developer.patch('/projects/team/repositories/app/api', { description: 'x'.repeat(1024 * 1024 + 1) });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.details.issues[0].path).toBe('description');
    expect((await developer.patch('/projects/team/repositories/app/api', { description: 'é'.repeat(600 * 1024) })).status).toBe(400); // > 1 MiB of UTF-8
    expect((await developer.patch('/projects/team/repositories/app/api', { description: 'x'.repeat(1024 * 1024) })).status).toBe(200);
    expect((await developer.patch('/projects/team/repositories/app/api', { description: 'x', name: 'y' })).status).toBe(400);
    expect((await developer.patch('/projects/team/repositories/nope', { description: 'x' })).status).toBe(404);
    expect((await developer.patch('/projects/team/repositories/app/api', { description })).status).toBe(200);
  });

  it('lets maintainers delete a repository: its manifests and tags go, the registry answers 404', async () => {
    expect((await registry.request('GET', '/v2/team/web/manifests/latest')).status).toBe(200); // cached now, if anything caches
    expect((await developer.delete('/projects/team/repositories/web')).status).toBe(403);
    expect((await guest.delete('/projects/team/repositories/web')).status).toBe(403);
    expect((await maintainer.delete('/projects/team/repositories/web')).status).toBe(204);
    expect((await maintainer.get('/projects/team/repositories/web')).status).toBe(404);
    expect((await maintainer.delete('/projects/team/repositories/web')).status).toBe(404);
    expect((await registry.request('GET', '/v2/team/web/manifests/latest')).status).toBe(404);
    expect(names((await maintainer.get('/projects/team/repositories')).body.items)).toEqual(['team/app', 'team/app/api']);
    expect(await db.query(`SELECT 1 FROM tag t JOIN repository r ON r.id = t.repository_id WHERE r.name = 'team/web'`)).toEqual([]);

    // Nested names delete only themselves.
    expect((await maintainer.delete('/projects/team/repositories/app/api')).status).toBe(204);
    expect((await registry.request('GET', '/v2/team/app/api/manifests/latest')).status).toBe(404);
    expect((await registry.request('GET', '/v2/team/app/manifests/v1')).status).toBe(200);

    const events = (await admin.get('/audit?action=repository.delete&page_size=100')).body.items.map((e: { actor: string; resource: string }) => [e.actor, e.resource]);
    expect(events).toEqual(expect.arrayContaining([
      ['max', 'team/web'],
      ['max', 'team/app/api'],
    ]));
  });
});

/** Badges, stars, storage use and privacy of /api/v1/projects/:name/repositories and /api/v1/repositories. */
describe('repositories: badges, stars and storage', () => {
  let berth: TestBerth;
  let db: DataSource;
  let registry: RegistryClient;
  let admin: ConsoleClient;
  let owner: ConsoleClient;
  let developer: ConsoleClient;
  let outsider: ConsoleClient;
  let other: ConsoleClient;
  let anonymous: ConsoleClient;
  /** The blobs pushed into team/app and team/lib: one layer is shared, the rest is each repository's own. */
  const blobs: Record<'shared' | 'appConfig' | 'appLayer' | 'appConfig2' | 'libConfig' | 'libLayer', Descriptor> = {} as never;

  const names = (items: Item[]) => items.map((i) => i.name);
  const list = async (client: ConsoleClient, query = '') => {
    const res = await client.get(`/repositories?page_size=100${query ? `&${query}` : ''}`);
    expect(res.status).toBe(200);
    return res.body.items as Item[];
  };
  const sizes = (...parts: Descriptor[]) => parts.reduce((sum, d) => sum + d.size, 0);

  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    registry = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/projects', { name: 'team' })).status).toBe(201);
    expect((await admin.post('/projects', { name: 'open', public: true })).status).toBe(201);
    expect((await admin.post('/projects', { name: 'partner', public: true })).status).toBe(201);
    for (const [username, role] of [
      ['pat', 'project_admin'],
      ['dora', 'developer'],
    ] as const) {
      await createUser(berth, username, `${username}-password`);
      await addMember(berth, 'team', username, role);
    }
    await createUser(berth, 'oscar', 'oscar-password');
    await createUser(berth, 'uma', 'uma-password');
    owner = await ConsoleClient.session(berth, 'pat', 'pat-password');
    developer = await ConsoleClient.session(berth, 'dora', 'dora-password');
    outsider = await ConsoleClient.session(berth, 'oscar', 'oscar-password');
    other = await ConsoleClient.session(berth, 'uma', 'uma-password');
    anonymous = ConsoleClient.anonymous(berth);

    // team/app and team/lib share one layer; team/app has a second image that uses the shared layer again.
    const shared = randomBytes(1000);
    blobs.shared = await registry.pushBlob('team/app', shared);
    await registry.pushBlob('team/lib', shared);
    blobs.appConfig = await registry.pushBlob('team/app', json({ architecture: 'amd64', os: 'linux', n: 1 }), 'application/vnd.oci.image.config.v1+json');
    blobs.appConfig2 = await registry.pushBlob('team/app', json({ architecture: 'arm64', os: 'linux', n: 2 }), 'application/vnd.oci.image.config.v1+json');
    blobs.appLayer = await registry.pushBlob('team/app', randomBytes(300));
    blobs.libConfig = await registry.pushBlob('team/lib', json({ architecture: 'amd64', os: 'linux', n: 3 }), 'application/vnd.oci.image.config.v1+json');
    blobs.libLayer = await registry.pushBlob('team/lib', randomBytes(500));
    await registry.pushManifest('team/app', 'v1', ociImage({ config: blobs.appConfig, layers: [blobs.shared, blobs.appLayer] }));
    await registry.pushManifest('team/app', 'v2', ociImage({ config: blobs.appConfig2, layers: [blobs.shared] }));
    await registry.pushManifest('team/lib', 'v1', ociImage({ config: blobs.libConfig, layers: [blobs.shared, blobs.libLayer] }));
    await registry.pushImage('open/tool', { tag: '1.0' });
    await registry.pushImage('open/cli', { tag: '1.0' });
    await registry.pushImage('partner/sdk', { tag: '1.0' });
    // Project badges are set through the projects API (not under test here).
    await db.query(`UPDATE project SET badge = 'verified' WHERE name = 'partner'`);
  });
  afterAll(async () => {
    await berth.close();
  });

  it('counts the bytes a repository stores and those only it references (what deleting it would free)', async () => {
    const app = (await developer.get('/projects/team/repositories/app')).body;
    expect(app).toMatchObject({
      storageBytes: sizes(blobs.shared, blobs.appConfig, blobs.appLayer, blobs.appConfig2),
      freeableBytes: sizes(blobs.appConfig, blobs.appLayer, blobs.appConfig2),
    });
    const lib = (await developer.get('/projects/team/repositories/lib')).body;
    expect(lib).toMatchObject({ storageBytes: sizes(blobs.shared, blobs.libConfig, blobs.libLayer), freeableBytes: sizes(blobs.libConfig, blobs.libLayer) });
    // Random layers and configs: nothing of open/tool is referenced elsewhere.
    const tool = (await anonymous.get('/projects/open/repositories/tool')).body;
    expect(tool.storageBytes).toBeGreaterThan(0);
    expect(tool.freeableBytes).toBe(tool.storageBytes);
  });

  it('lets system administrators badge a repository; the effective badge is its own, else its project\'s', async () => {
    const set = await admin.patch('/projects/team/repositories/app', { badge: 'official' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ name: 'team/app', badge: 'official', ownBadge: 'official' });
    expect((await developer.get('/projects/team/repositories?q=app')).body.items[0]).toMatchObject({ name: 'team/app', badge: 'official', ownBadge: 'official' });

    // partner/sdk inherits its project's badge; its own badge wins while it has one.
    expect((await anonymous.get('/projects/partner/repositories/sdk')).body).toMatchObject({ badge: 'verified', ownBadge: null });
    expect((await admin.patch('/projects/partner/repositories/sdk', { badge: 'official' })).body).toMatchObject({ badge: 'official', ownBadge: 'official' });
    expect(names(await list(anonymous, 'badge=official'))).toEqual(['partner/sdk']);
    expect((await admin.patch('/projects/partner/repositories/sdk', { badge: null })).body).toMatchObject({ badge: 'verified', ownBadge: null });

    expect(names(await list(admin, 'badge=official'))).toEqual(['team/app']);
    expect(names(await list(developer, 'badge=official'))).toEqual(['team/app']);
    expect(names(await list(anonymous, 'badge=official'))).toEqual([]);
    expect(names(await list(anonymous, 'badge=verified'))).toEqual(['partner/sdk']);
    expect(names((await anonymous.get('/projects/partner/repositories?badge=verified')).body.items)).toEqual(['partner/sdk']);
    expect(names((await developer.get('/projects/team/repositories?badge=verified')).body.items)).toEqual([]);
    expect((await anonymous.get('/repositories?badge=gold')).status).toBe(400);

    const events = (await admin.get('/audit?action=repository.badge&page_size=100')).body.items;
    expect(events.map((e: { actor: string; resource: string; details: unknown }) => [e.actor, e.resource, e.details])).toEqual(
      expect.arrayContaining([
        ['admin', 'team/app', { from: null, to: 'official' }],
        ['admin', 'partner/sdk', { from: 'official', to: null }],
      ]),
    );
  });

  it('refuses badge changes from anyone but system administrators', async () => {
    for (const client of [owner, developer]) {
      const res = await client.patch('/projects/team/repositories/lib', { badge: 'verified' });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ code: 'FORBIDDEN', message: 'only system administrators may set or remove a badge' });
    }
    // Nothing changes when a description comes with the refused badge.
    expect((await developer.patch('/projects/team/repositories/lib', { description: 'mine now', badge: 'official' })).status).toBe(403);
    expect((await developer.get('/projects/team/repositories/lib')).body).toMatchObject({ description: '', badge: null });
    expect((await outsider.patch('/projects/open/repositories/tool', { badge: 'official' })).status).toBe(403);
    expect((await outsider.patch('/projects/team/repositories/lib', { badge: 'official' })).status).toBe(404);
    expect((await anonymous.patch('/projects/open/repositories/tool', { badge: 'official' })).status).toBe(401);
    expect((await admin.patch('/projects/team/repositories/lib', { badge: 'gold' })).status).toBe(400);
    expect((await admin.patch('/projects/team/repositories/lib', {})).status).toBe(400);
  });

  it('stars and unstars idempotently, keeps the count, and lists and sorts by stars', async () => {
    const star = (client: ConsoleClient, repository: string) => client.put(`/projects/${repository.replace('/', '/repositories/')}/-/star`);
    const unstar = (client: ConsoleClient, repository: string) => client.delete(`/projects/${repository.replace('/', '/repositories/')}/-/star`);
    expect((await star(developer, 'team/lib')).status).toBe(204);
    expect((await star(developer, 'team/lib')).status).toBe(204);
    expect((await star(developer, 'open/cli')).status).toBe(204);
    expect((await star(outsider, 'open/cli')).status).toBe(204);
    expect((await star(other, 'open/cli')).status).toBe(204);
    expect((await star(other, 'open/tool')).status).toBe(204);

    expect((await developer.get('/projects/team/repositories/lib')).body).toMatchObject({ starCount: 1, starred: true });
    expect((await admin.get('/projects/team/repositories/lib')).body).toMatchObject({ starCount: 1, starred: false });
    expect((await anonymous.get('/projects/open/repositories/cli')).body).toMatchObject({ starCount: 3, starred: false });
    const mine = await list(developer, 'starred=true');
    expect(mine.map((i) => [i.name, i.starCount, i.starred])).toEqual([
      ['open/cli', 3, true],
      ['team/lib', 1, true],
    ]);
    expect(names(await list(other, 'starred=true'))).toEqual(['open/cli', 'open/tool']);
    expect(names(await list(admin, 'starred=true'))).toEqual([]);
    expect(names(await list(developer, 'starred=false'))).toHaveLength(5);
    expect(names((await developer.get('/projects/open/repositories?starred=true')).body.items)).toEqual(['open/cli']);
    const signIn = await anonymous.get('/repositories?starred=true');
    expect(signIn.status).toBe(401);
    expect(signIn.body.code).toBe('UNAUTHORIZED');
    expect((await anonymous.get('/repositories?starred=maybe')).status).toBe(400);

    expect(names(await list(admin, 'sort=-stars')).slice(0, 3)).toEqual(['open/cli', 'open/tool', 'team/lib']);
    expect(names(await list(admin, 'sort=stars')).slice(-3)).toEqual(['open/tool', 'team/lib', 'open/cli']);

    expect((await unstar(outsider, 'open/cli')).status).toBe(204);
    expect((await unstar(outsider, 'open/cli')).status).toBe(204);
    expect((await unstar(outsider, 'open/tool')).status).toBe(204); // never starred: still a no-op
    expect((await anonymous.get('/projects/open/repositories/cli')).body.starCount).toBe(2);
    expect((await anonymous.get('/projects/open/repositories/tool')).body.starCount).toBe(1);
    const [{ count }] = await db.query(`SELECT count(*)::int AS count FROM repository_star s JOIN repository r ON r.id = s.repository_id WHERE r.name = 'open/cli'`);
    expect(count).toBe(2);
  });

  it('stars only what the caller can pull, and only for signed-in users', async () => {
    expect((await outsider.put('/projects/team/repositories/lib/-/star')).status).toBe(404);
    expect((await outsider.delete('/projects/team/repositories/lib/-/star')).status).toBe(404);
    expect((await anonymous.put('/projects/open/repositories/tool/-/star')).status).toBe(401);
    expect((await anonymous.delete('/projects/open/repositories/tool/-/star')).status).toBe(401);
    const unknown = await developer.put('/projects/team/repositories/nope/-/star');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('repository "team/nope" not found');
    expect((await developer.put('/projects/nope/repositories/x/-/star')).status).toBe(404);
    expect((await developer.put('/projects/team/repositories/lib/-/star/-/star')).status).toBe(404);
  });

  it('keeps private projects out of every list for outsiders and anonymous callers', async () => {
    const everything = ['open/cli', 'open/tool', 'partner/sdk', 'team/app', 'team/lib'];
    expect(names(await list(admin))).toEqual(everything);
    expect(names(await list(developer))).toEqual(everything);
    for (const client of [outsider, anonymous]) {
      expect(names(await list(client))).toEqual(['open/cli', 'open/tool', 'partner/sdk']);
      expect(names(await list(client, 'q=team'))).toEqual([]);
      expect(names(await list(client, 'badge=official'))).toEqual([]);
      expect((await client.get('/projects/team/repositories')).status).toBe(404);
    }
    expect(names(await list(outsider, 'starred=true'))).toEqual([]);
    // A user's star on a repository of a project it has since left does not show it either.
    await db.query(`DELETE FROM project_member pm USING app_user u WHERE pm.user_id = u.id AND u.username = 'dora'`);
    expect(names(await list(developer, 'starred=true'))).toEqual(['open/cli']);
    await addMember(berth, 'team', 'dora', 'developer');
  });

  it('frees the shared layer once the other repository is gone', async () => {
    expect((await admin.delete('/projects/team/repositories/lib')).status).toBe(204);
    const app = (await developer.get('/projects/team/repositories/app')).body;
    expect(app.freeableBytes).toBe(app.storageBytes);
    expect(app.storageBytes).toBe(sizes(blobs.shared, blobs.appConfig, blobs.appLayer, blobs.appConfig2));
  });
});
