import { AccessEntry } from '@berth/oci';
import { SigningKeyRepository } from '../../apps/api/src/auth/signing-key.repository';
import { TokenService, VerifiedToken } from '../../apps/api/src/auth/token.service';
import { PasswordHasher } from '../../apps/api/src/identity/password-hasher';
import { RobotRepository } from '../../apps/api/src/robots/robot.repository';
import { RobotService } from '../../apps/api/src/robots/robot.service';
import { identityServices } from '../identity/identity-services';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

/** GET /service/token the way docker asks: service, one or more scopes, basic credentials or none. */
describe('the registry token endpoint', () => {
  let berth: TestBerth;
  let verifier: TokenService;
  let robotSecret: string;
  let cliToken: string;

  async function token(scopes: string[], authorization?: string): Promise<{ status: number; body: Record<string, unknown>; verified?: VerifiedToken }> {
    const query = new URLSearchParams([['service', 'berth'], ...scopes.map((s): [string, string] => ['scope', s])]);
    const res = await fetch(`${berth.url}/service/token?${query}`, { headers: authorization ? { Authorization: authorization } : {} });
    const body = (await res.json()) as Record<string, unknown>;
    const verified = typeof body.token === 'string' ? await verifier.verify(body.token) : undefined;
    return { status: res.status, body, verified };
  }
  const actions = (verified: VerifiedToken | undefined, name: string) => verified?.access.find((a: AccessEntry) => a.name === name)?.actions ?? [];

  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_LOGIN_FREE_FAILURES: '3' });
    const db = berth.running.dataSource;
    verifier = new TokenService(new SigningKeyRepository(db));
    await verifier.onModuleInit();
    const ids = identityServices(db);
    const dev = await ids.users.create({ username: 'dev', password: 'developer-pass' });
    await ids.users.create({ username: 'guest', password: 'guest-password' });
    await ids.users.create({ username: 'outsider', password: 'outsider-pass' });
    const [team] = await db.query(`INSERT INTO project (name, public) VALUES ('team-a', false) RETURNING id::text AS id, name`);
    await db.query(`INSERT INTO project_member (project_id, user_id, role) SELECT $1, id, 'developer' FROM app_user WHERE username = 'dev'`, [team.id]);
    await db.query(`INSERT INTO project_member (project_id, user_id, role) SELECT $1, id, 'guest' FROM app_user WHERE username = 'guest'`, [team.id]);
    robotSecret = (await new RobotService(new RobotRepository(db), new PasswordHasher()).create({ project: team, name: 'ci', permissions: ['pull', 'push'], createdBy: null })).secret;
    cliToken = (await ids.cliSecrets.create(dev.id, 'laptop')).token;
  });
  afterAll(async () => {
    await berth.close();
  });

  it('gives anonymous callers pull on public projects and nothing else', async () => {
    const t = await token(['repository:library/alpine:pull,push', 'repository:team-a/app:pull']);
    expect(t.status).toBe(200);
    expect(t.body.access_token).toBe(t.body.token);
    expect(t.body.expires_in).toBe(300);
    expect(actions(t.verified, 'library/alpine')).toEqual(['pull']);
    expect(actions(t.verified, 'team-a/app')).toEqual([]);
    expect(t.verified?.subject).toBe('');
  });

  it('answers docker login (no scope) with a token for valid credentials and 401 for anything else', async () => {
    expect((await token([], basic('admin', TEST_ADMIN_PASSWORD))).status).toBe(200);
    for (const wrong of [basic('admin', 'nope-nope'), basic('ghost', 'whatever1'), 'Basic !!!', 'Bearer abc']) {
      const t = await token([], wrong);
      expect(t.status).toBe(401);
      expect(t.body).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] });
      expect(t.body.token).toBeUndefined();
    }
  });

  it('grants members what their role allows, and no more', async () => {
    const dev = await token(['repository:team-a/app:pull,push,delete'], basic('dev', 'developer-pass'));
    expect(actions(dev.verified, 'team-a/app')).toEqual(['pull', 'push']);
    const guest = await token(['repository:team-a/app:pull,push'], basic('guest', 'guest-password'));
    expect(actions(guest.verified, 'team-a/app')).toEqual(['pull']);
    const outsider = await token(['repository:team-a/app:pull'], basic('outsider', 'outsider-pass'));
    expect(actions(outsider.verified, 'team-a/app')).toEqual([]);
    const admin = await token(['repository:team-a/app:pull,push,delete', 'registry:catalog:*'], basic('admin', TEST_ADMIN_PASSWORD));
    expect(actions(admin.verified, 'team-a/app')).toEqual(['pull', 'push', 'delete']);
    expect(actions(admin.verified, 'catalog')).toEqual(['*']);
    const nowhere = await token(['repository:no-such-project/app:push'], basic('admin', TEST_ADMIN_PASSWORD));
    expect(actions(nowhere.verified, 'no-such-project/app')).toEqual([]);
  });

  it('accepts robot secrets and personal CLI secrets in place of a password', async () => {
    const robot = await token(['repository:team-a/app:pull,push,delete', 'repository:library/x:push'], basic('robot$team-a+ci', robotSecret));
    expect(actions(robot.verified, 'team-a/app')).toEqual(['pull', 'push']);
    expect(actions(robot.verified, 'library/x')).toEqual([]);
    expect(robot.verified?.subject).toBe('robot$team-a+ci');
    // `*` means every action: only who may take them all gets it, others get what they may do.
    const star = await token(['repository:team-a/app:*'], basic('robot$team-a+ci', robotSecret));
    expect(actions(star.verified, 'team-a/app')).toEqual(['pull', 'push']);
    expect(actions((await token(['repository:team-a/app:*'], basic('admin', TEST_ADMIN_PASSWORD))).verified, 'team-a/app')).toEqual(['*']);
    expect(actions((await token(['repository:team-a/app:*'], basic('guest', 'guest-password'))).verified, 'team-a/app')).toEqual(['pull']);
    const cli = await token(['repository:team-a/app:push'], basic('dev', cliToken));
    expect(actions(cli.verified, 'team-a/app')).toEqual(['push']);
    expect((await token([], basic('outsider', cliToken))).status).toBe(401); // someone else's secret (a throttled failure for outsider)
  });

  it('ignores malformed scopes instead of failing the login', async () => {
    const t = await token(['repository:Bad Name:pull', 'nonsense', 'repository:library/ok:pull'], basic('admin', TEST_ADMIN_PASSWORD));
    expect(t.status).toBe(200);
    expect(t.verified?.access).toEqual([{ type: 'repository', name: 'library/ok', actions: ['pull'] }]);
  });

  it('blocks a username after repeated failures, even with the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await token([], basic('guest', 'wrong-password'))).status).toBe(401);
    const blocked = await fetch(`${berth.url}/service/token?service=berth`, { headers: { Authorization: basic('guest', 'guest-password') } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
