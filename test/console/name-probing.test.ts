import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

/**
 * Anonymous sign-up and project creation must not work as a directory of who and what exists: the
 * refusals say nothing beyond "not available", and trying many names is throttled and audited.
 */
describe('probing for names', () => {
  let berth: TestBerth;
  let admin: ConsoleClient;
  const signup = (body: Record<string, string>, address = '198.51.100.10') =>
    new ConsoleClient(berth.url).post('/auth/signup', body, { 'X-Forwarded-For': address });

  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_TRUSTED_PROXIES: 'loopback' });
    admin = await ConsoleClient.admin(berth);
    expect((await admin.patch('/settings', { self_registration: true, project_creation: 'everyone' })).status).toBe(200);
    expect((await admin.post('/users', { username: 'existing', password: 'existing-password', email: 'existing@example.org' })).status).toBe(201);
    expect((await admin.post('/users', { username: 'prober', password: 'prober-password' })).status).toBe(201);
    expect((await admin.post('/projects', { name: 'acquisition-2027', public: false })).status).toBe(201);
  });
  afterAll(async () => {
    await berth.close();
  });

  it('answers a taken username and a taken email alike, without saying which', async () => {
    const byName = await signup({ username: 'existing', password: 'some-password-1' });
    const byEmail = await signup({ username: 'brand-new', password: 'some-password-1', email: 'existing@example.org' });
    expect(byName.status).toBe(409);
    expect(byEmail.status).toBe(409);
    const shape = (b: Record<string, unknown>) => ({ ...b, requestId: undefined });
    expect(shape(byName.body)).toEqual(shape(byEmail.body));
    expect(JSON.stringify(byName.body)).not.toMatch(/existing|taken|already/);
    // The refusals are in the audit log, with the real reason and the address.
    const refused = ((await admin.get('/audit?action=user.signup&page_size=100')).body.items as { success: boolean; address: string; details: { reason: string } }[]).filter((e) => !e.success);
    expect(refused.map((e) => e.address)).toEqual(['198.51.100.10', '198.51.100.10']);
    expect(refused.map((e) => e.details.reason).sort()).toEqual(['another user already has this email', 'the username "existing" is taken']);
  });

  it('lets one address try to sign up 5 times an hour, whatever the outcome; other addresses are not held up', async () => {
    const address = '198.51.100.20';
    expect((await signup({ username: 'fresh-1', password: 'some-password-1' }, address)).status).toBe(201);
    for (let i = 0; i < 4; i++) expect((await signup({ username: 'existing', password: 'some-password-1' }, address)).status).toBe(409);
    const held = await signup({ username: 'fresh-2', password: 'some-password-1' }, address);
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toBe('3600');
    expect((await signup({ username: 'fresh-2', password: 'some-password-1' }, '198.51.100.21')).status).toBe(201);
  });

  it('refuses a private project name it cannot see exactly like any taken name, and throttles the guessing', async () => {
    const prober = await ConsoleClient.session(berth, 'prober', 'prober-password');
    const hidden = await prober.post('/projects', { name: 'acquisition-2027' });
    const visible = await prober.post('/projects', { name: 'library' });
    expect(hidden.status).toBe(409);
    expect(visible.status).toBe(409);
    expect(hidden.body.message).toBe('the project name "acquisition-2027" is not available; choose another');
    expect(visible.body.message).toBe('the project name "library" is not available; choose another');
    expect(hidden.body.details).toEqual(visible.body.details);
    // The private project's admins see that someone tried its name.
    const trail = (await admin.get('/projects/acquisition-2027/audit?action=project.create&page_size=100')).body.items as { actor: string; success: boolean }[];
    expect(trail).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'prober', success: false })]));
    // Ten refusals an hour, then 429 even for a free name: a dictionary of names takes days, in plain sight.
    for (let i = 0; i < 8; i++) expect((await prober.post('/projects', { name: 'library' })).status).toBe(409);
    const throttled = await prober.post('/projects', { name: 'a-free-name' });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3600');
    // Admins see every project anyway: not throttled.
    for (let i = 0; i < 11; i++) expect((await admin.post('/projects', { name: 'library' })).status).toBe(409);
    expect((await admin.post('/projects', { name: 'admin-made' })).status).toBe(201);
  });
});
