import { DataSource } from 'typeorm';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

/**
 * Who gets what on project routes, for a private and a public project: every role, a non-member, a
 * system admin, a disabled member, anonymous callers and a robot. The expected outcomes are written
 * out here by hand from the issue's table, not derived from the code's matrix.
 */
const ACTORS = ['project_admin', 'maintainer', 'developer', 'guest', 'limited_guest', 'non_member', 'admin', 'disabled', 'anonymous', 'robot'] as const;
type Actor = (typeof ACTORS)[number];
const MEMBER_ROLES = ['project_admin', 'maintainer', 'developer', 'guest', 'limited_guest'] as const;

type Visibility = 'private' | 'public';
type Action = 'list members' | 'add member' | 'create robot' | 'update project' | 'delete project' | 'read project audit' | 'get /me/permissions' | 'get project';

//                           p.admin maint  dev  guest lim. non-m admin disab anon robot
const EXPECTED: Record<Action, Record<Visibility, number[]>> = {
  'list members': /*       */ { private: [200, 200, 200, 200, 403, 404, 200, 401, 401, 403], public: [200, 200, 200, 200, 403, 403, 200, 401, 401, 403] },
  'add member': /*         */ { private: [201, 403, 403, 403, 403, 404, 201, 401, 401, 403], public: [201, 403, 403, 403, 403, 403, 201, 401, 401, 403] },
  'create robot': /*       */ { private: [201, 403, 403, 403, 403, 404, 201, 401, 401, 403], public: [201, 403, 403, 403, 403, 403, 201, 401, 401, 403] },
  'update project': /*     */ { private: [200, 403, 403, 403, 403, 404, 200, 401, 401, 403], public: [200, 403, 403, 403, 403, 403, 200, 401, 401, 403] },
  'delete project': /*     */ { private: [204, 403, 403, 403, 403, 404, 204, 401, 401, 403], public: [204, 403, 403, 403, 403, 403, 204, 401, 401, 403] },
  'read project audit': /* */ { private: [200, 403, 403, 403, 403, 404, 200, 401, 401, 403], public: [200, 403, 403, 403, 403, 403, 200, 401, 401, 403] },
  'get /me/permissions': /**/ { private: [200, 200, 200, 200, 200, 404, 200, 401, 401, 403], public: [200, 200, 200, 200, 200, 200, 200, 401, 401, 403] },
  // Reading a project is open to anonymous callers; a disabled user's session is gone, so they are anonymous.
  'get project': /*        */ { private: [200, 200, 200, 200, 200, 404, 200, 404, 404, 403], public: [200, 200, 200, 200, 200, 200, 200, 200, 200, 403] },
};

/** What /me/permissions lists, per role (system admins: everything, with no role). */
const ALL = ['pull', 'push', 'delete', 'edit_description', 'read_members', 'manage_members', 'manage_robots', 'manage_policies', 'manage_project', 'read_audit'];
const PERMISSIONS_OF: Record<string, { role: string | null; permissions: string[] }> = {
  project_admin: { role: 'project_admin', permissions: ALL },
  maintainer: { role: 'maintainer', permissions: ['pull', 'push', 'delete', 'edit_description', 'read_members', 'manage_policies'] },
  developer: { role: 'developer', permissions: ['pull', 'push', 'edit_description', 'read_members'] },
  guest: { role: 'guest', permissions: ['pull', 'read_members'] },
  limited_guest: { role: 'limited_guest', permissions: ['pull'] },
  non_member: { role: null, permissions: ['pull'] },
  admin: { role: null, permissions: ALL },
};

describe('the console permission matrix', () => {
  let berth: TestBerth;
  let db: DataSource;
  const clients = {} as Record<Actor, ConsoleClient>;
  let projects = 0;

  /** A fresh project where every role has its member (and the disabled user is a developer). */
  async function project(visibility: Visibility): Promise<string> {
    const name = `matrix-${visibility}-${++projects}`;
    const [p] = await db.query(`INSERT INTO project (name, public) VALUES ($1, $2) RETURNING id`, [name, visibility === 'public']);
    await db.query(
      `INSERT INTO project_member (project_id, user_id, role)
       SELECT $1, u.id, m.role FROM app_user u JOIN (VALUES ${[...MEMBER_ROLES.map((r) => `('m-${r.replace('_', '-')}', '${r}')`), `('m-disabled', 'developer')`].join(', ')}) AS m(username, role) ON m.username = u.username`,
      [p.id],
    );
    return name;
  }

  const ACTIONS: Record<Action, (client: ConsoleClient, project: string) => Promise<number>> = {
    'list members': async (c, p) => (await c.get(`/projects/${p}/members`)).status,
    'add member': async (c, p) => (await c.post(`/projects/${p}/members`, { username: 'm-target', role: 'guest' })).status,
    'create robot': async (c, p) => (await c.post(`/projects/${p}/robots`, { name: 'bot', permissions: ['pull'] })).status,
    'update project': async (c, p) => (await c.patch(`/projects/${p}`, { description: 'changed' })).status,
    'delete project': async (c, p) => (await c.delete(`/projects/${p}`)).status,
    'read project audit': async (c, p) => (await c.get(`/projects/${p}/audit`)).status,
    'get /me/permissions': async (c, p) => (await c.get(`/me/permissions?project=${p}`)).status,
    'get project': async (c, p) => (await c.get(`/projects/${p}`)).status,
  };
  const MUTATING = new Set<Action>(['add member', 'create robot', 'update project', 'delete project']);

  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    const admin = await ConsoleClient.admin(berth);
    for (const name of [...MEMBER_ROLES.map((r) => `m-${r.replace('_', '-')}`), 'm-outsider', 'm-disabled', 'm-target']) {
      expect((await admin.post('/users', { username: name, password: `${name}-password` })).status).toBe(201);
    }
    for (const role of MEMBER_ROLES) clients[role] = await ConsoleClient.session(berth, `m-${role.replace('_', '-')}`, `m-${role.replace('_', '-')}-password`);
    clients.non_member = await ConsoleClient.session(berth, 'm-outsider', 'm-outsider-password');
    clients.admin = admin;
    clients.disabled = await ConsoleClient.session(berth, 'm-disabled', 'm-disabled-password');
    expect((await admin.patch('/users/m-disabled', { disabled: true })).status).toBe(200);
    clients.anonymous = ConsoleClient.anonymous(berth);
    // A system robot may push and delete in every project, and still gets nothing from the console.
    const robot = (await admin.post('/robots', { name: 'everywhere', permissions: ['pull', 'push', 'delete'] })).body;
    clients.robot = ConsoleClient.basic(berth, robot.robot.name, robot.secret);
  });
  afterAll(async () => {
    await berth.close();
  });

  it.each(Object.keys(EXPECTED) as Action[])('%s', async (action) => {
    const actual: Record<Visibility, number[]> = { private: [], public: [] };
    for (const visibility of ['private', 'public'] as const) {
      const shared = await project(visibility);
      for (const actor of ACTORS) {
        const target = MUTATING.has(action) ? await project(visibility) : shared;
        actual[visibility].push(await ACTIONS[action](clients[actor], target));
      }
    }
    expect(labelled(actual)).toEqual(labelled(EXPECTED[action]));
  });

  it('reports each caller\'s role and permissions in /me/permissions', async () => {
    for (const visibility of ['private', 'public'] as const) {
      const name = await project(visibility);
      for (const [actor, expected] of Object.entries(PERMISSIONS_OF)) {
        if (actor === 'non_member' && visibility === 'private') continue; // 404, above
        const res = await clients[actor as Actor].get(`/me/permissions?project=${name}`);
        expect([visibility, actor, res.body]).toEqual([visibility, actor, { project: name, ...expected }]);
      }
    }
  });
});

/** Outcomes keyed by actor, so a failure names the cell. */
function labelled(table: Record<Visibility, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const visibility of ['private', 'public'] as const) ACTORS.forEach((actor, i) => (out[`${visibility} ${actor}`] = table[visibility][i]));
  return out;
}
