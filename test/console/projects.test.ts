import { DataSource } from 'typeorm';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { basic, ConsoleClient } from './console-client';

/** Projects, members and project robots through /api/v1/projects. */
describe('projects', () => {
  let berth: TestBerth;
  let db: DataSource;
  let admin: ConsoleClient;
  let owner: ConsoleClient;
  let outsider: ConsoleClient;
  let anonymous: ConsoleClient;

  /** A repository under `name`, with a manifest row unless `empty`. */
  const pushRepository = async (name: string, empty = false) => {
    const [repo] = await db.query(`INSERT INTO repository (name) VALUES ($1) RETURNING id`, [name]);
    if (!empty) {
      await db.query(`INSERT INTO manifest (repository_id, digest, media_type, size, total_size, content) VALUES ($1, $2, 'application/vnd.oci.image.manifest.v1+json', 2, 2, '\\x7b7d')`, [
        repo.id,
        `sha256:${'a'.repeat(63)}${name.length % 10}`,
      ]);
    }
  };

  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
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
      repositoryCount: 0,
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
    await pushRepository('team-a/app');
    await pushRepository('team-a/tools/cli');
    await pushRepository('team-a/empty', true);
    await pushRepository('team-ab/other');
    const names = async (client: ConsoleClient) => (await client.get('/projects?page_size=100')).body.items.map((p: { name: string }) => p.name);
    expect(await names(anonymous)).toEqual(['library', 'pub-b']);
    expect(await names(outsider)).toEqual(['library', 'pub-b']);
    expect(await names(owner)).toEqual(expect.arrayContaining(['library', 'pub-b', 'team-a', 'ab', 'my.team']));
    expect((await names(admin)).length).toBe((await db.query('SELECT count(*)::int AS n FROM project'))[0].n);
    const mine = (await owner.get('/projects?page_size=100')).body.items;
    expect(mine.find((p: { name: string }) => p.name === 'team-a')).toMatchObject({ role: 'project_admin', repositoryCount: 2, public: false });
    expect(mine.find((p: { name: string }) => p.name === 'library')).toMatchObject({ role: null, public: true });
    const paged = await owner.get('/projects?page=2&page_size=2');
    expect(paged.body).toMatchObject({ page: 2, pageSize: 2 });
    expect(paged.body.items).toHaveLength(2);
    expect(paged.headers.get('x-total-count')).toBe(String(mine.length));
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
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const roles = (await admin.get(`/projects/${name}/members`)).body.items.map((m: { role: string }) => m.role);
      expect(roles.filter((r: string) => r === 'project_admin')).toHaveLength(1);
    }
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
});
