import { AccessRepository, ProjectAccessRow } from './access.repository';
import { AccessService } from './access.service';
import type { Role } from './permissions';
import { ANONYMOUS, Principal } from './principal';

/** A strict fake: only the two lookups the service may make. */
class FakeAccess implements Pick<AccessRepository, 'project' | 'role'> {
  constructor(
    private readonly projects: ProjectAccessRow[],
    private readonly members: Record<string, Role>,
  ) {}
  async project(name: string) {
    return this.projects.find((p) => p.name === name);
  }
  async role(projectId: string, userId: string) {
    return this.members[`${projectId}:${userId}`];
  }
}

const pub = { id: '1', name: 'library', public: true };
const priv = { id: '2', name: 'team-a', public: false };
const service = new AccessService(new FakeAccess([pub, priv], { '2:10': 'developer', '2:11': 'guest' }) as unknown as AccessRepository);

const user = (id: string, isAdmin = false): Principal => ({ kind: 'user', id, username: `u${id}`, isAdmin });
const robot = (projectId: string | null, permissions: ('pull' | 'push' | 'delete')[]): Principal => ({ kind: 'robot', id: '5', name: 'robot$x', projectId, permissions });

describe('AccessService', () => {
  it('lets anyone pull from a public project and no one else push there', async () => {
    expect((await service.decide(ANONYMOUS, 'library', 'pull')).outcome).toBe('allow');
    expect((await service.decide(ANONYMOUS, 'library', 'push')).outcome).toBe('deny');
    expect((await service.decide(user('99'), 'library', 'push')).outcome).toBe('deny');
  });

  it('hides private projects from outsiders (404, not 403) and missing projects from everyone', async () => {
    expect((await service.decide(ANONYMOUS, 'team-a', 'pull')).outcome).toBe('hidden');
    expect((await service.decide(user('99'), 'team-a', 'pull')).outcome).toBe('hidden');
    expect((await service.decide(user('1', true), 'nope', 'pull')).outcome).toBe('hidden');
  });

  it('applies the member role, and says why it refuses members', async () => {
    expect((await service.decide(user('10'), 'team-a', 'push')).outcome).toBe('allow');
    const denied = await service.decide(user('11'), 'team-a', 'push');
    expect(denied).toMatchObject({ outcome: 'deny', reason: 'user u11 may not push in project team-a' });
    expect((await service.decide(user('11'), 'team-a', 'pull')).outcome).toBe('allow');
  });

  it('lets system admins do everything', async () => {
    expect((await service.decide(user('1', true), 'team-a', 'manage_project')).outcome).toBe('allow');
  });

  it('gives robots exactly their permissions, in their project (or all, for system robots)', async () => {
    expect((await service.decide(robot('2', ['pull']), 'team-a', 'pull')).outcome).toBe('allow');
    expect((await service.decide(robot('2', ['pull']), 'team-a', 'push')).outcome).toBe('deny');
    expect((await service.decide(robot('3', ['pull', 'push']), 'team-a', 'pull')).outcome).toBe('hidden');
    expect((await service.decide(robot(null, ['push']), 'team-a', 'push')).outcome).toBe('allow');
    expect((await service.decide(robot('2', ['pull', 'push', 'delete']), 'team-a', 'manage_members')).outcome).toBe('deny');
  });
});

describe('AccessService.standing', () => {
  it('lists exactly what decide would allow, with the role', async () => {
    expect(await service.standing(user('10'), 'team-a')).toMatchObject({ outcome: 'visible', role: 'developer', permissions: ['pull', 'push', 'edit_description', 'read_members'] });
    expect(await service.standing(user('11'), 'team-a')).toMatchObject({ role: 'guest', permissions: ['pull', 'read_members'] });
    expect(await service.standing(user('99'), 'library')).toMatchObject({ outcome: 'visible', role: null, permissions: ['pull'] });
    expect(await service.standing(ANONYMOUS, 'library')).toMatchObject({ outcome: 'visible', role: null, permissions: ['pull'] });
    const admin = await service.standing(user('1', true), 'team-a');
    expect(admin).toMatchObject({ outcome: 'visible', role: null });
    expect(admin.outcome === 'visible' && admin.permissions).toHaveLength(10);
  });

  it('hides private projects from outsiders and missing ones from everyone', async () => {
    expect(await service.standing(user('99'), 'team-a')).toEqual({ outcome: 'hidden' });
    expect(await service.standing(ANONYMOUS, 'team-a')).toEqual({ outcome: 'hidden' });
    expect(await service.standing(user('1', true), 'nope')).toEqual({ outcome: 'hidden' });
  });
});
