import { DataSource } from 'typeorm';
import { basic, ConsoleClient } from '../console/console-client';
import { createProject, createRobot, robotName } from '../support/access';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

/**
 * The login throttle over real HTTP, on every door a credential comes through (console login, console
 * API Basic, the registry token endpoint, Basic on /v2), behind a trusted proxy and without one.
 */
describe('login throttling behind a trusted proxy', () => {
  let berth: TestBerth;
  let db: DataSource;
  let admin: ConsoleClient;
  let robotSecret: string;
  let cliSecret: string;

  const from = (address: string): Record<string, string> => ({ 'X-Forwarded-For': address });
  const login = (username: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${berth.url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) });
  const token = (user: string, secret: string, headers: Record<string, string> = {}) =>
    fetch(`${berth.url}/service/token?service=berth`, { headers: { Authorization: basic(user, secret), ...headers } });
  const v2 = (user: string, secret: string, headers: Record<string, string> = {}) => fetch(`${berth.url}/v2/`, { headers: { Authorization: basic(user, secret), ...headers } });
  const consoleApi = (user: string, secret: string, headers: Record<string, string> = {}) =>
    fetch(`${berth.url}/api/v1/me`, { headers: { Authorization: basic(user, secret), ...headers } });
  const doors = { login, token, v2, consoleApi };

  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_TRUSTED_PROXIES: 'loopback', BERTH_LOGIN_FREE_FAILURES: '3', BERTH_LOGIN_MAX_FAILURES_PER_ADDRESS: '100' });
    db = berth.running.dataSource;
    admin = await ConsoleClient.admin(berth);
    for (const name of ['login', 'token', 'v2', 'consoleApi']) expect((await admin.post('/users', { username: `owner-${name.toLowerCase()}`, password: 'owner-password' })).status).toBe(201);
    await createProject(berth, 'team-t');
    robotSecret = await createRobot(berth, 'team-t', 'ci', ['pull']);
    cliSecret = (await admin.post('/me/cli-secrets', { name: 'ci' })).body.token;
  });
  afterAll(async () => {
    await berth.close();
  });

  for (const [door, call] of Object.entries(doors)) {
    it(`${door}: an attacker hammering a username waits, while its owner signs in from their own address`, async () => {
      const user = `owner-${door.toLowerCase()}`;
      for (let i = 0; i < 3; i++) expect((await call(user, `guess-${i}`, from('198.51.100.66'))).status).toBe(401);
      const held = await call(user, 'owner-password', from('198.51.100.66'));
      expect(held.status).toBe(429);
      expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(30);
      expect((await call(user, 'owner-password', from('203.0.113.5'))).status).toBe(200);
    });
  }

  it('the admin stays reachable from elsewhere however long an attacker keeps guessing', async () => {
    for (let i = 0; i < 3; i++) expect((await login('admin', `guess-${i}`, from('198.51.100.70'))).status).toBe(401);
    for (let i = 0; i < 20; i++) expect((await login('admin', `guess-more-${i}`, from('198.51.100.70'))).status).toBe(429);
    expect((await login('admin', TEST_ADMIN_PASSWORD, from('198.51.100.71'))).status).toBe(200);
  });

  it('records the forwarded client address in the throttle and the audit log, also from an RFC 7239 Forwarded header', async () => {
    expect((await login('admin', 'wrong', { Forwarded: 'for="[2001:db8::7]:4711";proto=https' })).status).toBe(401);
    expect((await login('admin', 'wrong', from('198.51.100.72, 127.0.0.1'))).status).toBe(401);
    const rows = await db.query(`SELECT address FROM login_attempt WHERE username = 'admin' AND address IN ('2001:db8::7', '198.51.100.72')`);
    expect(rows.map((r: { address: string }) => r.address).sort()).toEqual(['198.51.100.72', '2001:db8::7']);
    const audit = (await admin.get('/audit?action=login&actor=admin&page_size=100')).body.items as { address: string }[];
    expect(audit.map((a) => a.address)).toEqual(expect.arrayContaining(['2001:db8::7', '198.51.100.72']));
  });

  it('marks session cookies Secure when the trusted proxy says the client came over https', async () => {
    const viaXfp = await login('admin', TEST_ADMIN_PASSWORD, { 'X-Forwarded-Proto': 'https' });
    expect(viaXfp.status).toBe(200);
    for (const cookie of viaXfp.headers.getSetCookie()) expect(cookie).toMatch(/; Secure/);
    const viaForwarded = await login('admin', TEST_ADMIN_PASSWORD, { Forwarded: 'for=192.0.2.9;proto=https' });
    for (const cookie of viaForwarded.headers.getSetCookie()) expect(cookie).toMatch(/; Secure/);
    for (const cookie of (await login('admin', TEST_ADMIN_PASSWORD)).headers.getSetCookie()) expect(cookie).not.toMatch(/; Secure/);
  });

  it('throttles robot secret guesses on the token endpoint and on /v2', async () => {
    const robot = robotName('team-t', 'ci');
    for (let i = 0; i < 3; i++) expect((await token(robot, `guess-${i}`, from('198.51.100.80'))).status).toBe(401);
    expect((await token(robot, robotSecret, from('198.51.100.80'))).status).toBe(429);
    expect((await v2(robot, robotSecret, from('198.51.100.80'))).status).toBe(429);
    expect((await token(robot, robotSecret, from('198.51.100.81'))).status).toBe(200);
  });

  it('throttles CLI secret guesses', async () => {
    for (let i = 0; i < 3; i++) expect((await consoleApi('admin', `${cliSecret.slice(0, -3)}-${i}-`, from('198.51.100.90'))).status).toBe(401);
    expect((await consoleApi('admin', cliSecret, from('198.51.100.90'))).status).toBe(429);
    expect((await consoleApi('admin', cliSecret, from('198.51.100.91'))).status).toBe(200);
  });
});

describe('login throttling without a trusted proxy', () => {
  let berth: TestBerth;
  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_LOGIN_FREE_FAILURES: '3' });
  });
  afterAll(async () => {
    await berth.close();
  });

  it('ignores forwarding headers: a client cannot dodge the throttle by inventing addresses, nor set its own scheme', async () => {
    const login = (password: string, headers: Record<string, string>) =>
      fetch(`${berth.url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ username: 'admin', password }) });
    for (let i = 0; i < 3; i++) expect((await login(`guess-${i}`, { 'X-Forwarded-For': `198.51.100.${i}`, Forwarded: `for=198.51.100.${i}` })).status).toBe(401);
    expect((await login(TEST_ADMIN_PASSWORD, { 'X-Forwarded-For': '198.51.100.200' })).status).toBe(429);
    const rows = await berth.running.dataSource.query(`SELECT DISTINCT address FROM login_attempt WHERE username = 'admin'`);
    expect(rows.map((r: { address: string }) => r.address)).toEqual(['127.0.0.1']);
  });
});
