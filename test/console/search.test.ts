import { addMember, createUser } from '../support/access';
import { PushedImage, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

interface Hit {
  kind: 'project' | 'repository' | 'tag';
  name: string;
  project: string;
  repository?: string;
  tag?: string;
  digest?: string;
  badge: 'official' | 'verified' | null;
  pullCount?: number;
  starCount?: number;
  pushedAt?: string | null;
  excerpt?: string;
}

/** GET /api/v1/search over projects, repositories and tags, after real pushes. */
describe('search', () => {
  let berth: TestBerth;
  let registry: RegistryClient;
  let admin: ConsoleClient;
  let member: ConsoleClient;
  let outsider: ConsoleClient;
  let anonymous: ConsoleClient;
  let happyApp: PushedImage;

  const hits = async (client: ConsoleClient, query: string): Promise<string[]> => {
    const res = await client.get(`/search?${query}`);
    expect(res.status).toBe(200);
    return (res.body.items as Hit[]).map((h) => `${h.kind} ${h.name}`);
  };

  beforeAll(async () => {
    berth = await startTestBerth();
    registry = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/projects', { name: 'acme', public: true, description: 'Acme things' })).status).toBe(201);
    expect((await admin.post('/projects', { name: 'apps', public: true })).status).toBe(201);
    expect((await admin.post('/projects', { name: 'secret' })).status).toBe(201);
    await createUser(berth, 'mia', 'mia-password');
    await addMember(berth, 'secret', 'mia', 'guest');
    await createUser(berth, 'oscar', 'oscar-password');
    member = await ConsoleClient.session(berth, 'mia', 'mia-password');
    outsider = await ConsoleClient.session(berth, 'oscar', 'oscar-password');
    anonymous = ConsoleClient.anonymous(berth);

    await registry.pushImage('acme/app', { tag: 'latest' });
    await registry.pushImage('acme/web/app', { tag: 'latest' });
    await registry.pushImage('apps/tool', { tag: '1.0' });
    happyApp = await registry.pushImage('acme/happy', { tag: 'app' });
    await registry.pushImage('acme/happy', { tag: 'Apple-2' });
    await registry.pushImage('acme/happy', { tag: 'v1-app' });
    await registry.pushImage('secret/app', { tag: 'latest' });
    await registry.pushImage('secret/app', { tag: 'app' });
    expect((await admin.patch('/projects/acme/repositories/app', { description: 'The app', badge: 'official' })).status).toBe(200);
    await berth.running.dataSource.query(`UPDATE tag SET pull_count = 4 WHERE name = 'app' AND repository_id = (SELECT id FROM repository WHERE name = 'acme/happy')`);
  });
  afterAll(async () => {
    await berth.close();
  });

  it('ranks exact names first, then prefixes, then the rest; then projects, repositories, tags; then by name', async () => {
    const visible = [
      // exact: a repository's path or last component, a tag's name
      'repository acme/app',
      'repository acme/web/app',
      'tag acme/happy:app',
      // prefix (tags ignore case)
      'project apps',
      'repository apps/tool',
      'tag acme/happy:Apple-2',
      // contained
      'repository acme/happy',
      'tag acme/happy:v1-app',
    ];
    expect(await hits(outsider, 'q=app&page_size=100')).toEqual(visible);
    expect(await hits(anonymous, 'q=APP&page_size=100')).toEqual(visible);
    const all = ['repository acme/app', 'repository acme/web/app', 'repository secret/app', 'tag acme/happy:app', 'tag secret/app:app', ...visible.slice(3)];
    expect(await hits(admin, 'q=app&page_size=100')).toEqual(all);
    expect(await hits(member, 'q=app&page_size=100')).toEqual(all);
    // A project's own name ranks it above the repositories that merely start with it.
    expect(await hits(anonymous, 'q=acme')).toEqual(['project acme', 'repository acme/app', 'repository acme/happy', 'repository acme/web/app']);
  });

  it('answers hits the console can render as they are', async () => {
    const res = await anonymous.get('/search?q=app&page_size=100');
    const items = res.body.items as Hit[];
    expect(items.find((h) => h.name === 'acme/app')).toEqual({
      kind: 'repository',
      name: 'acme/app',
      project: 'acme',
      repository: 'acme/app',
      badge: 'official',
      pullCount: 0,
      starCount: 0,
      pushedAt: expect.any(String),
      excerpt: 'The app',
    });
    expect(items.find((h) => h.name === 'acme/happy:app')).toEqual({
      kind: 'tag',
      name: 'acme/happy:app',
      project: 'acme',
      repository: 'acme/happy',
      tag: 'app',
      digest: happyApp.digest,
      badge: null,
      pullCount: 4,
      pushedAt: expect.any(String),
    });
    expect(items.find((h) => h.kind === 'project')).toEqual({ kind: 'project', name: 'apps', project: 'apps', badge: null, excerpt: '' });
    expect((await anonymous.get('/search?q=acme')).body.items[0]).toEqual({ kind: 'project', name: 'acme', project: 'acme', badge: null, excerpt: 'Acme things' });
  });

  it('filters by kind and pages, with the total of every hit', async () => {
    expect(await hits(outsider, 'q=app&kind=tag')).toEqual(['tag acme/happy:app', 'tag acme/happy:Apple-2', 'tag acme/happy:v1-app']);
    expect(await hits(outsider, 'q=app&kind=project')).toEqual(['project apps']);
    expect(await hits(admin, 'q=app&kind=repository')).toEqual(['repository acme/app', 'repository acme/web/app', 'repository secret/app', 'repository apps/tool', 'repository acme/happy']);

    const page = await outsider.get('/search?q=app&page=2&page_size=3');
    expect(page.body).toMatchObject({ total: 8, page: 2, pageSize: 3 });
    expect(page.headers.get('x-total-count')).toBe('8');
    expect((page.body.items as Hit[]).map((h) => h.name)).toEqual(['apps', 'apps/tool', 'acme/happy:Apple-2']);
    const last = await outsider.get('/search?q=app&page=3&page_size=3');
    expect((last.body.items as Hit[]).map((h) => h.name)).toEqual(['acme/happy', 'acme/happy:v1-app']);
    const past = await outsider.get('/search?q=app&page=9&page_size=3');
    expect(past.body).toEqual({ items: [], total: 8, page: 9, pageSize: 3 });
    expect((await admin.get('/search?q=app&kind=tag&page=2&page_size=1')).body).toMatchObject({ total: 4 });
    expect((await anonymous.get('/search?q=nothing-like-this')).body).toEqual({ items: [], total: 0, page: 1, pageSize: 20 });
  });

  it('never shows a private project, its repositories or its tags to outsiders and anonymous callers', async () => {
    for (const client of [outsider, anonymous]) {
      expect(await hits(client, 'q=secret')).toEqual([]);
      expect(await hits(client, 'q=latest')).toEqual(['tag acme/app:latest', 'tag acme/web/app:latest']);
    }
    expect(await hits(member, 'q=secret')).toEqual(['project secret', 'repository secret/app']);
    expect(await hits(admin, 'q=latest')).toEqual(['tag acme/app:latest', 'tag acme/web/app:latest', 'tag secret/app:latest']);
  });

  it('takes LIKE wildcards in the query literally', async () => {
    expect(await hits(admin, `q=${encodeURIComponent('%')}&kind=tag`)).toEqual([]);
    expect(await hits(admin, `q=${encodeURIComponent('l_test')}&kind=tag`)).toEqual([]);
    expect(await hits(admin, `q=${encodeURIComponent('lat%')}`)).toEqual([]);
  });

  it('refuses a missing or empty query, an unknown kind and bad paging', async () => {
    for (const query of ['', 'q=', 'q=%20%20', `q=${'a'.repeat(256)}`, 'q=app&kind=image', 'q=app&page=0', 'q=app&page_size=1000']) {
      const res = await anonymous.get(`/search?${query}`);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 'INVALID' });
    }
    expect((await anonymous.get(`/search?q=${'a'.repeat(255)}`)).status).toBe(200);
  });
});
