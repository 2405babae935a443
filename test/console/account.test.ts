import { startTestBerth, TestBerth } from '../support/test-berth';
import { basic, ConsoleClient } from './console-client';

/** /api/v1/me: the caller's own profile, password, CLI secrets and permissions. */
describe('the caller\'s own account', () => {
  let berth: TestBerth;
  let admin: ConsoleClient;
  let cara: ConsoleClient;

  beforeAll(async () => {
    berth = await startTestBerth();
    admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/users', { username: 'cara', password: 'cara-password-1', email: 'cara@example.org' })).status).toBe(201);
    cara = await ConsoleClient.session(berth, 'cara', 'cara-password-1');
  });
  afterAll(async () => {
    await berth.close();
  });

  it('shows and edits the profile, with schema and policy errors as 400 INVALID issues', async () => {
    expect((await cara.get('/me')).body).toEqual({ id: expect.any(String), username: 'cara', email: 'cara@example.org', displayName: null, isAdmin: false });
    const updated = await cara.patch('/me', { email: 'c@example.org', displayName: ' Cara C. ' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ email: 'c@example.org', displayName: 'Cara C.' });
    expect((await cara.get('/me')).body.displayName).toBe('Cara C.');

    const badEmail = await cara.patch('/me', { email: 'not-an-address' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.body).toMatchObject({ code: 'INVALID', details: { issues: [{ path: 'email', message: expect.any(String) }] } });
    const unknownField = await cara.patch('/me', { isAdmin: true });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.details.issues).toEqual([{ path: '', message: expect.stringMatching(/isAdmin/) }]);
    const wrongType = await cara.patch('/me', { displayName: 7 });
    expect(wrongType.body.details.issues).toEqual([{ path: 'displayName', message: expect.any(String) }]);
    expect((await cara.get('/me')).body.isAdmin).toBe(false);
  });

  it('changes the password, proving the current one, and ends the other sessions only', async () => {
    const elsewhere = await ConsoleClient.session(berth, 'cara', 'cara-password-1');
    const wrong = await cara.put('/me/password', { currentPassword: 'not-it-at-all', newPassword: 'cara-password-2' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.details.issues).toEqual([{ path: 'currentPassword', message: 'the current password is not correct' }]);
    const short = await cara.put('/me/password', { currentPassword: 'cara-password-1', newPassword: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.details.issues[0].path).toBe('newPassword');

    expect((await cara.put('/me/password', { currentPassword: 'cara-password-1', newPassword: 'cara-password-2' })).status).toBe(204);
    expect((await cara.get('/me')).status).toBe(200);
    expect((await elsewhere.get('/me')).status).toBe(401);
    expect((await ConsoleClient.basic(berth, 'cara', 'cara-password-1').get('/me')).status).toBe(401);
    expect((await ConsoleClient.basic(berth, 'cara', 'cara-password-2').get('/me')).status).toBe(200);
    const events = (await admin.get('/audit?action=user.password&actor=cara')).body.items;
    expect(events).toHaveLength(1);
    expect(events[0].details).toEqual({ sessionsEnded: 1 });
  });

  it('creates CLI secrets whose token is shown once and works for docker login and scripts, lists them without it, and revokes them', async () => {
    const created = await cara.post('/me/cli-secrets', { name: 'laptop' });
    expect(created.status).toBe(201);
    const { secret, token } = created.body;
    expect(secret).toEqual({ id: expect.any(String), name: 'laptop', prefix: expect.any(String), createdAt: expect.any(String), lastUsedAt: null });
    expect(token).toMatch(new RegExp(`^berth_${secret.prefix}_`));
    expect((await cara.post('/me/cli-secrets', { name: 'laptop' })).status).toBe(409);
    expect((await cara.post('/me/cli-secrets', { name: '' })).status).toBe(400);

    const list = await cara.get('/me/cli-secrets');
    expect(list.status).toBe(200);
    expect(list.headers.get('x-total-count')).toBe('1');
    expect(list.body).toEqual({ items: [expect.objectContaining({ id: secret.id, name: 'laptop', prefix: secret.prefix })], total: 1, page: 1, pageSize: 20 });
    expect(JSON.stringify(list.body)).not.toContain(token);

    const docker = await fetch(`${berth.url}/service/token?service=berth`, { headers: { Authorization: basic('cara', token) } });
    expect(docker.status).toBe(200);
    expect((await ConsoleClient.basic(berth, 'cara', token).get('/me')).body.username).toBe('cara');

    // Other users' secrets are not theirs to revoke, nor to learn about.
    expect((await admin.delete(`/me/cli-secrets/${secret.id}`)).status).toBe(404);
    expect((await admin.delete('/me/cli-secrets/not-a-number')).status).toBe(404);
    expect((await cara.delete(`/me/cli-secrets/${secret.id}`)).status).toBe(204);
    expect((await cara.get('/me/cli-secrets')).body.items).toEqual([]);
    // Revocation takes effect at once on the console API.
    expect((await ConsoleClient.basic(berth, 'cara', token).get('/me')).status).toBe(401);

    const actions = (await admin.get('/audit?actor=cara&page_size=100')).body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['cli_secret.create', 'cli_secret.revoke', 'user.update']));
  });

  it('answers what the caller may do in a project, and 404 for projects they may not see', async () => {
    expect((await admin.post('/projects', { name: 'secret-team' })).status).toBe(201);
    expect((await admin.post('/projects/secret-team/members', { username: 'cara', role: 'developer' })).status).toBe(201);
    expect((await cara.get('/me/permissions?project=secret-team')).body).toEqual({
      project: 'secret-team',
      role: 'developer',
      permissions: ['pull', 'push', 'edit_description', 'read_members'],
    });
    expect((await cara.get('/me/permissions?project=library')).body).toEqual({ project: 'library', role: null, permissions: ['pull'] });
    expect((await admin.post('/projects', { name: 'hidden-team' })).status).toBe(201);
    const hidden = await cara.get('/me/permissions?project=hidden-team');
    const missing = await cara.get('/me/permissions?project=no-such-team');
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body.message).toBe('project "hidden-team" not found');
    expect((await cara.get('/me/permissions')).status).toBe(400);
    const asAdmin = (await admin.get('/me/permissions?project=hidden-team')).body;
    expect(asAdmin.role).toBe('project_admin'); // the creator
    expect(asAdmin.permissions).toHaveLength(10);
  });
});
