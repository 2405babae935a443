import { createHash } from 'node:crypto';
import { basic, ConsoleClient } from '../console/console-client';
import { createProject, createUser } from '../support/access';
import { eventually } from '../support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

type Row = { actor: string; action: string; resource: string; success: boolean; address: string; details: Record<string, any>; project: string | null };

/**
 * What the audit log keeps when clients repeat themselves: routine registry logins once an hour, failed
 * logins and refused pushes aggregated with a count, and nothing older than the retention.
 */
describe('audit log volume', () => {
  let berth: TestBerth;
  let admin: ConsoleClient;
  const token = (user: string, secret: string, scope?: string) =>
    fetch(`${berth.url}/service/token?service=berth${scope ? `&scope=${encodeURIComponent(scope)}` : ''}`, { headers: { Authorization: basic(user, secret) } });
  /** Read through the console API: reading closes the server's open aggregates, as an admin looking at the log would. */
  const events = async (query: string) => (await admin.get(`/audit?page_size=100&${query}`)).body.items as Row[];

  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_AUDIT_RETENTION_DAYS: '30', BERTH_LOGIN_FREE_FAILURES: '50' });
    admin = await ConsoleClient.admin(berth);
    await createProject(berth, 'secret-team');
    await createUser(berth, 'puller', 'puller-password');
  });
  afterAll(async () => {
    await berth.close();
  });

  it('records a registry client logging in before each of many pulls once, not once per pull', async () => {
    for (let i = 0; i < 10; i++) expect((await token('puller', 'puller-password')).status).toBe(200);
    const logins = await events('action=login&actor=puller');
    expect(logins).toHaveLength(1);
    expect(logins[0]).toMatchObject({ resource: 'registry', success: true });
  });

  it('aggregates failed logins of one name from one address into one row with a count, with the reason', async () => {
    for (let i = 0; i < 4; i++) expect((await token('nobody-here', `guess-${i}`)).status).toBe(401);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${berth.url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: 'nobody-here', password: `g-${i}` }) });
      expect(res.status).toBe(401);
    }
    const failures = await events('action=login&actor=nobody-here');
    expect(failures.map((f) => [f.resource, f.success, f.details]).sort()).toEqual([
      ['console', false, { reason: 'unknown_user', count: 3 }],
      ['registry', false, { reason: 'password: unknown_user', count: 4 }],
    ]);
    // A console sign-in that works is still a row of its own, every time.
    await ConsoleClient.session(berth, 'puller', 'puller-password');
    await ConsoleClient.session(berth, 'puller', 'puller-password');
    expect((await events('action=login&actor=puller')).filter((e) => e.resource === 'console')).toHaveLength(2);
  });

  it('records pushes refused by the token or by the access verdict, in the project the push aimed at', async () => {
    // By token: puller may not push into secret-team, so the token grants nothing and the push is refused.
    const granted = (await (await token('puller', 'puller-password', 'repository:secret-team/app:pull,push')).json()) as { token: string };
    const byToken = await fetch(`${berth.url}/v2/secret-team/app/blobs/uploads/`, { method: 'POST', headers: { Authorization: `Bearer ${granted.token}` } });
    expect(byToken.status).toBe(401);
    // By Basic credentials on /v2, twice: one row, counted.
    for (let i = 0; i < 2; i++) {
      expect((await fetch(`${berth.url}/v2/secret-team/app/blobs/uploads/`, { method: 'POST', headers: { Authorization: basic('puller', 'puller-password') } })).status).toBe(403);
    }
    const denied = await events('action=push&actor=puller');
    expect(denied).toHaveLength(2);
    for (const row of denied) expect(row).toMatchObject({ resource: 'secret-team/app', success: false, project: 'secret-team' });
    expect(denied.map((d) => d.details.count).sort()).toEqual([1, 2]);
    // A push that is allowed is not a denial.
    expect((await fetch(`${berth.url}/v2/secret-team/app/blobs/uploads/`, { method: 'POST', headers: { Authorization: basic('admin', TEST_ADMIN_PASSWORD) } })).status).toBe(202);
    expect(await events('action=push&actor=admin')).toEqual([]);
  });

  it('records a push a policy refused (the quota), with the policy\'s reason', async () => {
    expect((await admin.patch('/projects/secret-team', { quotaBytes: 10 })).status).toBe(200);
    const bytes = Buffer.alloc(100, 1);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const refused = await fetch(`${berth.url}/v2/secret-team/big/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes, headers: { Authorization: basic('admin', TEST_ADMIN_PASSWORD) } });
    expect(refused.status).toBe(403);
    const denied = await events('action=push&actor=admin');
    expect(denied).toEqual([expect.objectContaining({ resource: 'secret-team/big', success: false, project: 'secret-team', details: { reason: expect.stringMatching(/quota/), count: 1 } })]);
  });

  it('prunes events older than BERTH_AUDIT_RETENTION_DAYS, and keeps the rest', async () => {
    const db = berth.running.dataSource;
    await db.query(
      `INSERT INTO audit_event (at, actor, actor_kind, action, resource, success) VALUES
       (now() - interval '31 days', 'ancient', 'user', 'login', 'console', true),
       (now() - interval '29 days', 'recent', 'user', 'login', 'console', true)`,
    );
    // Pruning runs at start and hourly.
    await berth.restart();
    await eventually(async () => {
      const [{ n }] = await berth.running.dataSource.query(`SELECT count(*)::int AS n FROM audit_event WHERE actor = 'ancient'`);
      if (n !== 0) throw new Error('not pruned yet');
    }, 15_000, 100);
    const [{ n }] = await berth.running.dataSource.query(`SELECT count(*)::int AS n FROM audit_event WHERE actor = 'recent'`);
    expect(n).toBe(1);
  });
});
