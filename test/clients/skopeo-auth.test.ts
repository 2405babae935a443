/**
 * Identities and permissions through a real client: skopeo follows Berth's 401 challenge to
 * /service/token with the credentials it was given (a `skopeo login` auth file, `--creds`, or none)
 * and uses the bearer token it gets. Every identity has its own temporary auth file, and skopeo runs
 * with HOME, XDG and DOCKER_CONFIG pointed into the test's directory, so no real auth file of the
 * user running the tests is ever read or written.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { addMember, createProject, createRobot, createUser, robotName } from '../support/access';
import { buildImage, BuiltImage, initLayout, requireCommands, run, RunResult, sha256 } from '../support/images';
import { listFiles, RegistryClient } from '../support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

/** What skopeo reports when its token lacks the action: the guard's 401 insufficient_scope. */
const NOT_IN_TOKEN = /unauthorized: the token does not grant this action on this repository/;

describe('skopeo with credentials, through the token flow', () => {
  let work: string;
  let source: string;
  let env: NodeJS.ProcessEnv;
  let berth: TestBerth;
  let admin: RegistryClient;
  let image: BuiltImage;
  let robotSecret: string;
  let expiredSecret: string;

  const skopeo = (args: string[]): Promise<RunResult> => run('skopeo', ['--insecure-policy', ...args], { timeoutMs: 30_000, env });
  const ref = (repoAndTag: string) => `docker://${berth.host}/${repoAndTag}`;
  /** A temporary auth file of one identity (created by `skopeo login`, or absent: no credentials). */
  const authfile = (identity: string) => path.join(work, 'auth', `${identity}.json`);
  const login = (identity: string, username: string, password: string) =>
    skopeo(['login', '--tls-verify=false', '--authfile', authfile(identity), '-u', username, '-p', password, berth.host]);
  /** `flags` carry the identity: `--authfile <file>` or `--creds user:secret`. */
  const push = async (to: string, flags: string[]) => {
    const digestFile = path.join(work, `pushed-${to.replace(/[/:]/g, '_')}.digest`);
    await skopeo(['copy', '--dest-tls-verify=false', ...flags.map(destFlag), '--digestfile', digestFile, `oci:${source}:app`, ref(to)]);
    return (await fs.readFile(digestFile, 'utf8')).trim();
  };
  /** Pulls into a dir: layout and returns the manifest digest, after checking every blob against its digest. */
  const pull = async (from: string, flags: string[]) => {
    const dir = await fs.mkdtemp(path.join(work, 'pull-'));
    await skopeo(['copy', '--src-tls-verify=false', ...flags.map(srcFlag), ref(from), `dir:${dir}`]);
    const manifest = await fs.readFile(path.join(dir, 'manifest.json'));
    const parsed = JSON.parse(manifest.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
    for (const digest of [parsed.config.digest, ...parsed.layers.map((l) => l.digest)]) {
      const bytes = await fs.readFile(path.join(dir, digest.split(':')[1]));
      expect(sha256(bytes)).toBe(digest);
    }
    return sha256(manifest);
  };
  const destFlag = (flag: string) => (flag === '--authfile' ? '--dest-authfile' : flag === '--creds' ? '--dest-creds' : flag);
  const srcFlag = (flag: string) => (flag === '--authfile' ? '--src-authfile' : flag === '--creds' ? '--src-creds' : flag);
  const tags = async (repo: string): Promise<string[]> => {
    const res = await admin.request('GET', `/v2/${repo}/tags/list`);
    return res.status === 200 ? res.json().tags : [];
  };

  beforeAll(async () => {
    await requireCommands();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-skopeo-auth-'));
    const home = path.join(work, 'home');
    await fs.mkdir(path.join(work, 'auth'), { recursive: true });
    await fs.mkdir(path.join(home, 'run'), { recursive: true, mode: 0o700 });
    env = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_RUNTIME_DIR: path.join(home, 'run'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      DOCKER_CONFIG: path.join(home, 'docker'),
      REGISTRY_AUTH_FILE: authfile('nobody'),
    };
    source = path.join(work, 'source');
    await initLayout(source);
    image = await buildImage(source, {
      ref: 'app',
      architecture: 'amd64',
      filePath: 'etc/berth-auth',
      fileContent: 'pushed with credentials\n',
      cmd: ['/bin/true'],
    });

    berth = await startTestBerth();
    admin = new RegistryClient(berth.url);
    await createProject(berth, 'team-a');
    await createProject(berth, 'open', { public: true });
    await createUser(berth, 'dev', 'developer-password');
    await createUser(berth, 'guest', 'guest-password');
    await addMember(berth, 'team-a', 'dev', 'developer');
    await addMember(berth, 'team-a', 'guest', 'guest');
    robotSecret = await createRobot(berth, 'team-a', 'ci', ['pull', 'push']);
    expiredSecret = await createRobot(berth, 'team-a', 'old', ['pull', 'push'], new Date(Date.now() - 60_000));
    // Something public to pull anonymously, pushed by admin.
    await push('open/base:1.0', ['--creds', `admin:${TEST_ADMIN_PASSWORD}`]);
  });

  afterAll(async () => {
    await berth?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('skopeo login writes only the given auth file; a wrong password is refused', async () => {
    await login('dev', 'dev', 'developer-password');
    const written = JSON.parse(await fs.readFile(authfile('dev'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Object.keys(written.auths)).toEqual([berth.host]);
    expect(Buffer.from(written.auths[berth.host].auth, 'base64').toString('utf8')).toBe('dev:developer-password');
    await expect(login('wrong', 'dev', 'not-the-password')).rejects.toThrow(/invalid username\/password/);
    await expect(fs.access(authfile('wrong'))).rejects.toThrow();
    // No credentials anywhere else: skopeo keeps a blob-info cache under HOME as a normal user, but no auth file.
    const underHome = await listFiles(path.join(work, 'home'));
    expect(underHome.filter((f) => /auth\.json$|config\.json$/.test(f))).toEqual([]);
  });

  it('a developer, logged in, pushes into the private project', async () => {
    await login('dev', 'dev', 'developer-password');
    expect(await push('team-a/app:1.0', ['--authfile', authfile('dev')])).toBe(image.digest);
    expect(await tags('team-a/app')).toEqual(['1.0']);
    expect(await pull('team-a/app:1.0', ['--authfile', authfile('dev')])).toBe(image.digest);
    // The way in: the challenge's realm, asked for exactly this repository's pull, then the registry with the token.
    const { stderr } = await skopeo(['inspect', '--tls-verify=false', '--debug', '--authfile', authfile('dev'), ref('team-a/app:1.0')]);
    expect(stderr).toContain(`GET http://${berth.host}/service/token?account=dev&scope=repository%3Ateam-a%2Fapp%3Apull&service=berth`);
    expect(stderr).toContain(`GET http://${berth.host}/v2/team-a/app/manifests/1.0`);
  });

  it('a guest, logged in, pulls the image intact, and its push is refused', async () => {
    await login('guest', 'guest', 'guest-password');
    expect(await pull('team-a/app:1.0', ['--authfile', authfile('guest')])).toBe(image.digest);
    await expect(push('team-a/app:guest', ['--authfile', authfile('guest')])).rejects.toThrow(NOT_IN_TOKEN);
    expect(await tags('team-a/app')).toEqual(['1.0']);
  });

  it('anonymous (no auth file) pulls from a public project, and is refused a private one', async () => {
    const none = ['--authfile', authfile('anonymous')];
    expect(await pull('open/base:1.0', none)).toBe(image.digest);
    const inspected = JSON.parse((await skopeo(['inspect', '--tls-verify=false', ...none, ref('open/base:1.0')])).stdout.toString('utf8')) as { Digest: string };
    expect(inspected.Digest).toBe(image.digest);
    await expect(pull('team-a/app:1.0', none)).rejects.toThrow(NOT_IN_TOKEN);
    await expect(push('open/anonymous:1.0', none)).rejects.toThrow(NOT_IN_TOKEN);
    expect(await tags('open/anonymous')).toEqual([]);
    await expect(fs.access(authfile('anonymous'))).rejects.toThrow();
  });

  it('a robot pushes and pulls with --creds robot$team-a+ci:SECRET', async () => {
    const creds = ['--creds', `${robotName('team-a', 'ci')}:${robotSecret}`];
    expect(await push('team-a/robot:1.0', creds)).toBe(image.digest);
    expect(await pull('team-a/robot:1.0', creds)).toBe(image.digest);
    expect(await pull('team-a/app:1.0', creds)).toBe(image.digest);
    // Its project only.
    await expect(push('open/robot:1.0', creds)).rejects.toThrow(NOT_IN_TOKEN);
    expect(await tags('open/robot')).toEqual([]);
  });

  it('an expired robot is refused, pulling and pushing', async () => {
    const creds = ['--creds', `${robotName('team-a', 'old')}:${expiredSecret}`];
    await expect(pull('team-a/app:1.0', creds)).rejects.toThrow(/unable to retrieve auth token: invalid username\/password/);
    await expect(push('team-a/expired:1.0', creds)).rejects.toThrow(/unable to retrieve auth token: invalid username\/password/);
    expect(await tags('team-a/expired')).toEqual([]);
  });
});
