import type { Role } from '../../apps/api/src/access/permissions';
import { addMember, basicAuth, createProject, createRobot, createUser, robotName } from '../support/access';
import { PushedImage, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

/**
 * Every kind of caller against pull, push and delete, on a private and a public project, through the
 * registry both ways clients reach it: the token flow (what docker does) and basic credentials sent
 * directly. The expected table is written here from the role matrix, not from the code's.
 */
type Outcome = 'ok' | 401 | 403 | 404;
type Action = 'pull' | 'push' | 'delete';
type Actor = Role | 'non_member' | 'admin' | 'disabled' | 'anonymous' | 'robot_pull_push' | 'robot_expired';

const ACTORS: Actor[] = ['project_admin', 'maintainer', 'developer', 'guest', 'limited_guest', 'non_member', 'admin', 'disabled', 'anonymous', 'robot_pull_push', 'robot_expired'];

/** Basic credentials sent directly: refusals say why (403), hide private projects (404), or challenge (401). */
const DIRECT: Record<'private' | 'public', Record<Actor, Record<Action, Outcome>>> = {
  private: {
    project_admin: { pull: 'ok', push: 'ok', delete: 'ok' },
    maintainer: { pull: 'ok', push: 'ok', delete: 'ok' },
    developer: { pull: 'ok', push: 'ok', delete: 403 },
    guest: { pull: 'ok', push: 403, delete: 403 },
    limited_guest: { pull: 'ok', push: 403, delete: 403 },
    non_member: { pull: 404, push: 403, delete: 403 },
    admin: { pull: 'ok', push: 'ok', delete: 'ok' },
    disabled: { pull: 401, push: 401, delete: 401 },
    anonymous: { pull: 401, push: 401, delete: 401 },
    robot_pull_push: { pull: 'ok', push: 'ok', delete: 403 },
    robot_expired: { pull: 401, push: 401, delete: 401 },
  },
  public: {
    project_admin: { pull: 'ok', push: 'ok', delete: 'ok' },
    maintainer: { pull: 'ok', push: 'ok', delete: 'ok' },
    developer: { pull: 'ok', push: 'ok', delete: 403 },
    guest: { pull: 'ok', push: 403, delete: 403 },
    limited_guest: { pull: 'ok', push: 403, delete: 403 },
    non_member: { pull: 'ok', push: 403, delete: 403 },
    admin: { pull: 'ok', push: 'ok', delete: 'ok' },
    disabled: { pull: 401, push: 401, delete: 401 },
    anonymous: { pull: 401, push: 401, delete: 401 },
    robot_pull_push: { pull: 'ok', push: 'ok', delete: 403 },
    robot_expired: { pull: 401, push: 401, delete: 401 },
  },
};

/** Through tokens every refusal is 401 (the token lacks the action), and anonymous callers may pull public images. */
function viaToken(visibility: 'private' | 'public', actor: Actor, action: Action): Outcome {
  if (actor === 'anonymous') return visibility === 'public' && action === 'pull' ? 'ok' : 401;
  return DIRECT[visibility][actor][action] === 'ok' ? 'ok' : 401;
}

const PASSWORD = 'matrix-password';

describe('registry permission matrix', () => {
  let berth: TestBerth;
  const credentials = new Map<Actor, string | null>();
  const images = new Map<string, PushedImage>();

  beforeAll(async () => {
    // The disabled caller's right password is a failed login every time: keep the login throttle out of the matrix.
    berth = await startTestBerth({ BERTH_LOGIN_FREE_FAILURES: '1000' });
    const admin = new RegistryClient(berth.url);
    for (const [project, isPublic] of [['priv-m', false], ['pub-m', true]] as const) {
      await createProject(berth, project, { public: isPublic });
      for (const role of ['project_admin', 'maintainer', 'developer', 'guest', 'limited_guest'] as Role[]) {
        if (project === 'priv-m') await createUser(berth, role.replace('_', '-'), PASSWORD);
        await addMember(berth, project, role.replace('_', '-'), role);
      }
      images.set(project, await admin.pushImage(`${project}/app`, { tag: 'v1' }));
    }
    await createUser(berth, 'non-member', PASSWORD);
    await createUser(berth, 'admin2', PASSWORD, { admin: true });
    await createUser(berth, 'disabled', PASSWORD, { disabled: true });
    await addMember(berth, 'priv-m', 'disabled', 'project_admin');
    for (const role of ['project_admin', 'maintainer', 'developer', 'guest', 'limited_guest'] as Role[]) credentials.set(role, basicAuth(role.replace('_', '-'), PASSWORD));
    credentials.set('non_member', basicAuth('non-member', PASSWORD));
    credentials.set('admin', basicAuth('admin2', PASSWORD));
    credentials.set('disabled', basicAuth('disabled', PASSWORD));
    credentials.set('anonymous', null);
  });
  afterAll(async () => {
    await berth.close();
  });

  /** Robots belong to one project: they are made per project under test. */
  async function robotCredentials(project: string, actor: Actor): Promise<string | null> {
    if (actor === 'robot_pull_push') return basicAuth(robotName(project, 'ci'), await createRobot(berth, project, 'ci', ['pull', 'push']));
    if (actor === 'robot_expired') return basicAuth(robotName(project, 'old'), await createRobot(berth, project, 'old', ['pull', 'push', 'delete'], new Date(Date.now() - 60_000)));
    return credentials.get(actor)!;
  }

  async function attempt(client: RegistryClient, project: string, action: Action, tag: string): Promise<Outcome> {
    const image = images.get(project)!;
    const res =
      action === 'pull'
        ? await client.request('GET', `/v2/${project}/app/manifests/v1`, { headers: { accept: image.mediaType } })
        : action === 'push'
          ? await client.request('PUT', `/v2/${project}/app/manifests/${tag}`, { body: image.body, headers: { 'content-type': image.mediaType } })
          : await client.request('DELETE', `/v2/${project}/app/manifests/${tag}`);
    return res.status < 300 ? 'ok' : (res.status as Outcome);
  }

  /** A tag for this actor to delete, made by the admin, so every delete has something to remove. */
  async function victimTag(project: string, tag: string): Promise<void> {
    const image = images.get(project)!;
    await new RegistryClient(berth.url).pushManifest(`${project}/app`, tag, image.body, image.mediaType);
  }

  for (const visibility of ['private', 'public'] as const) {
    const project = visibility === 'private' ? 'priv-m' : 'pub-m';
    it(`basic credentials on the ${visibility} project give each caller exactly its row`, async () => {
      const seen: Record<string, Record<Action, Outcome>> = {};
      const expected: Record<string, Record<Action, Outcome>> = {};
      for (const actor of ACTORS) {
        const client = new RegistryClient(berth.url, await robotCredentials(project, actor));
        const tag = `direct-${actor.replace(/_/g, '-')}`;
        await victimTag(project, tag);
        seen[actor] = { pull: await attempt(client, project, 'pull', tag), push: await attempt(client, project, 'push', `pushed-${tag}`), delete: await attempt(client, project, 'delete', tag) };
        expected[actor] = DIRECT[visibility][actor];
        await berth.running.dataSource.query(`DELETE FROM robot`); // robots are recreated per project and mode
      }
      expect(seen).toEqual(expected);
    });

    it(`the token flow on the ${visibility} project gives each caller exactly its row`, async () => {
      const seen: Record<string, Record<Action, Outcome>> = {};
      const expected: Record<string, Record<Action, Outcome>> = {};
      for (const actor of ACTORS) {
        const basic = await robotCredentials(project, actor);
        const query = new URLSearchParams({ service: 'berth', scope: `repository:${project}/app:pull,push,delete` });
        const res = await fetch(`${berth.url}/service/token?${query}`, { headers: basic ? { Authorization: basic } : {} });
        const token = res.status === 200 ? ((await res.json()) as { token: string }).token : undefined;
        const client = new RegistryClient(berth.url, token ? `Bearer ${token}` : null);
        const tag = `token-${actor.replace(/_/g, '-')}`;
        await victimTag(project, tag);
        seen[actor] = { pull: await attempt(client, project, 'pull', tag), push: await attempt(client, project, 'push', `pushed-${tag}`), delete: await attempt(client, project, 'delete', tag) };
        expected[actor] = { pull: viaToken(visibility, actor, 'pull'), push: viaToken(visibility, actor, 'push'), delete: viaToken(visibility, actor, 'delete') };
        await berth.running.dataSource.query(`DELETE FROM robot`);
      }
      expect(seen).toEqual(expected);
    });
  }
});
