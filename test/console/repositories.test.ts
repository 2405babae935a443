import { DataSource } from 'typeorm';
import { addMember, createUser } from '../support/access';
import { RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

interface Item {
  name: string;
  excerpt: string;
  artifactCount: number;
  tagCount: number;
  pullCount: number;
  pushedAt: string | null;
}

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
      { name: 'team/app', excerpt: '', artifactCount: 3, tagCount: 2, pullCount: 1, pushedAt: expect.any(String) },
      { name: 'team/app/api', excerpt: '', artifactCount: 1, tagCount: 1, pullCount: 3, pushedAt: expect.any(String) },
      { name: 'team/web', excerpt: '', artifactCount: 1, tagCount: 1, pullCount: 7, pushedAt: expect.any(String) },
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
    expect(nested.body).toEqual({ name: 'team/app/api', description: '', excerpt: '', artifactCount: 1, tagCount: 1, pullCount: 3, pushedAt: expect.any(String) });
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
