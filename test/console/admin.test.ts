import { startTestBerth, TestBerth } from '../support/test-berth';
import { basic, ConsoleClient } from './console-client';

/** What only system administrators may do: users, settings, system robots, the whole audit log. */
describe('administration', () => {
  let berth: TestBerth;
  let admin: ConsoleClient;
  let dave: ConsoleClient;

  beforeAll(async () => {
    berth = await startTestBerth();
    admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/users', { username: 'dave', password: 'dave-password-1' })).status).toBe(201);
    dave = await ConsoleClient.session(berth, 'dave', 'dave-password-1');
  });
  afterAll(async () => {
    await berth.close();
  });

  it('refuses non-admins with 403 on every admin route', async () => {
    for (const [method, path, body] of [
      ['GET', '/users'],
      ['POST', '/users', { username: 'eve', password: 'eve-password-1' }],
      ['GET', '/users/admin'],
      ['PATCH', '/users/dave', { isAdmin: true }],
      ['DELETE', '/users/admin'],
      ['PUT', '/users/admin/password', { password: 'taken-over-1' }],
      ['GET', '/settings'],
      ['PATCH', '/settings', { project_creation: 'everyone' }],
      ['GET', '/robots'],
      ['POST', '/robots', { name: 'sneaky', permissions: ['pull'] }],
      ['GET', '/audit'],
    ] as [string, string, unknown?][]) {
      const res = await dave.request(method, path, body);
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 403, 'FORBIDDEN']);
    }
    expect((await admin.get('/users/dave')).body.isAdmin).toBe(false);
    expect((await admin.get('/settings')).body.project_creation).toBe('admins');
  });

  it('creates, finds, pages, updates and deletes users', async () => {
    for (const name of ['user-a', 'user-b', 'user-c']) {
      const res = await admin.post('/users', { username: name, password: `${name}-password`, email: `${name}@example.org`, displayName: name.toUpperCase() });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ username: name, isAdmin: false, disabled: false });
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|password/);
    }
    const page = await admin.get('/users?q=user-&page=2&page_size=2');
    expect(page.status).toBe(200);
    expect(page.headers.get('x-total-count')).toBe('3');
    expect(page.body).toMatchObject({ total: 3, page: 2, pageSize: 2 });
    expect(page.body.items.map((u: { username: string }) => u.username)).toEqual(['user-c']);
    expect((await admin.get('/users?page_size=101')).status).toBe(400);
    expect((await admin.get('/users?page=0')).body.details.issues[0].path).toBe('page');

    expect((await admin.post('/users', { username: 'user-a', password: 'whatever-123' })).status).toBe(409);
    const badName = await admin.post('/users', { username: 'Bad Name', password: 'whatever-123' });
    expect(badName.status).toBe(400);
    expect(badName.body.details.issues[0].path).toBe('username');

    expect((await admin.get('/users/user-b')).body.email).toBe('user-b@example.org');
    expect((await admin.get('/users/nobody')).status).toBe(404);
    const promoted = await admin.patch('/users/user-b', { isAdmin: true, displayName: 'Bee' });
    expect(promoted.body).toMatchObject({ isAdmin: true, displayName: 'Bee' });
    expect((await admin.patch('/users/user-b', { disabled: 'yes' })).status).toBe(400);

    const c = await ConsoleClient.session(berth, 'user-c', 'user-c-password');
    expect((await admin.put('/users/user-c/password', { password: 'brand-new-pass' })).status).toBe(204);
    expect((await c.get('/me')).status).toBe(401); // an admin's password reset ends the user's sessions
    expect((await ConsoleClient.session(berth, 'user-c', 'brand-new-pass')).cookies.has('berth_session')).toBe(true);

    expect((await admin.delete('/users/user-a')).status).toBe(204);
    expect((await admin.get('/users/user-a')).status).toBe(404);
    expect((await admin.delete('/users/user-a')).status).toBe(404);
  });

  it('keeps admins from locking themselves out', async () => {
    expect((await admin.delete('/users/admin')).status).toBe(409);
    expect((await admin.patch('/users/admin', { disabled: true })).status).toBe(409);
    expect((await admin.patch('/users/user-b', { isAdmin: false })).status).toBe(200);
    const demote = await admin.patch('/users/admin', { isAdmin: false });
    expect(demote.status).toBe(409);
    expect(demote.body.code).toBe('PRECONDITION');
    expect((await admin.get('/me')).body.isAdmin).toBe(true);
  });

  it('reads and changes the system settings, validating them', async () => {
    expect((await admin.get('/settings')).body).toEqual({ self_registration: false, project_creation: 'admins' });
    expect((await dave.post('/projects', { name: 'daves' })).status).toBe(403);
    const bad = await admin.patch('/settings', { project_creation: 'anyone', colour: 'blue' });
    expect(bad.status).toBe(400);
    expect(bad.body.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['', 'project_creation']);
    const changed = await admin.patch('/settings', { project_creation: 'everyone' });
    expect(changed.body).toEqual({ self_registration: false, project_creation: 'everyone' });
    const created = await dave.post('/projects', { name: 'daves' });
    expect(created.status).toBe(201);
    expect(created.body.role).toBe('project_admin');
    expect((await admin.patch('/settings', { project_creation: 'admins' })).status).toBe(200);
    const event = (await admin.get('/audit?action=settings.update')).body.items.at(-1);
    expect(event).toMatchObject({ actor: 'admin', details: { before: { project_creation: 'admins' }, after: { project_creation: 'everyone' } } });
  });

  it('manages system robots, with their secret shown once, and not project robots through /robots', async () => {
    const created = await admin.post('/robots', { name: 'mirror', permissions: ['pull'], description: 'nightly mirror', expiresAt: '2099-01-01T00:00:00Z' });
    expect(created.status).toBe(201);
    const { robot, secret } = created.body;
    expect(robot).toMatchObject({ name: 'robot$mirror', project: null, permissions: ['pull'], disabled: false, expiresAt: '2099-01-01T00:00:00.000Z' });
    expect((await admin.post('/robots', { name: 'mirror', permissions: ['pull'] })).status).toBe(409);
    const invalid = await admin.post('/robots', { name: 'x', permissions: ['pull', 'admin'], expiresAt: 'tomorrow' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['expiresAt', 'permissions.1']);

    const list = await admin.get('/robots');
    expect(list.body.items.map((r: { name: string }) => r.name)).toEqual(['robot$mirror']);
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const token = () => fetch(`${berth.url}/service/token?service=berth`, { headers: { Authorization: basic('robot$mirror', secret) } });
    expect((await token()).status).toBe(200);
    const disabled = await admin.patch(`/robots/${robot.id}`, { disabled: true, permissions: ['pull', 'push'] });
    expect(disabled.body).toMatchObject({ disabled: true, permissions: ['pull', 'push'] });
    expect((await token()).status).toBe(401);
    await admin.patch(`/robots/${robot.id}`, { disabled: false });
    const rotated = await admin.post(`/robots/${robot.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    expect((await token()).status).toBe(401);

    expect((await admin.post('/projects', { name: 'with-robot' })).status).toBe(201);
    const projectRobot = (await admin.post('/projects/with-robot/robots', { name: 'ci', permissions: ['push'] })).body.robot;
    expect((await admin.patch(`/robots/${projectRobot.id}`, { disabled: true })).status).toBe(404);
    expect((await admin.delete(`/robots/${projectRobot.id}`)).status).toBe(404);
    expect((await admin.delete('/robots/abc')).status).toBe(404);

    expect((await admin.delete(`/robots/${robot.id}`)).status).toBe(204);
    expect((await admin.get('/robots')).body.total).toBe(0);
  });

  it('shows every mutation in the audit log, newest first, filtered by actor and action', async () => {
    const all = await admin.get('/audit?page_size=100');
    expect(all.status).toBe(200);
    expect(Number(all.headers.get('x-total-count'))).toBe(all.body.total);
    const actions = new Set(all.body.items.map((e: { action: string }) => e.action));
    for (const action of ['user.create', 'user.update', 'user.delete', 'user.password', 'settings.update', 'project.create', 'robot.create', 'robot.update', 'robot.rotate', 'robot.delete', 'login']) {
      expect([action, actions.has(action)]).toEqual([action, true]);
    }
    const times = all.body.items.map((e: { at: string }) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const deletes = await admin.get('/audit?action=user.delete&actor=admin');
    expect(deletes.body.items).toEqual([expect.objectContaining({ actor: 'admin', actorKind: 'user', resource: 'user user-a', success: true })]);
    const paged = await admin.get('/audit?page=2&page_size=3');
    expect(paged.body.items).toEqual(all.body.items.slice(3, 6));
  });
});
