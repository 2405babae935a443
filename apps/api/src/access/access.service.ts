import { Injectable } from '@nestjs/common';
import { AccessRepository, ProjectAccessRow } from './access.repository';
import { Permission, PERMISSIONS, Role, roleAllows } from './permissions';
import { Principal } from './principal';

/**
 * The one place that answers "may this principal do this in this project?", for the registry and the
 * console alike. 'hidden' means the caller may not even know the project exists (private, not a member):
 * callers answer 404 for it, not 403, so private names do not leak.
 */
export type Verdict = { outcome: 'allow'; project: ProjectAccessRow } | { outcome: 'deny'; project: ProjectAccessRow; reason: string } | { outcome: 'hidden' };

/** Everything a principal may do in one project (for the console's "what can I do here?"), or hidden. */
export type Standing = { outcome: 'visible'; project: ProjectAccessRow; role: Role | null; permissions: Permission[] } | { outcome: 'hidden' };

@Injectable()
export class AccessService {
  constructor(private readonly access: AccessRepository) {}

  async decide(principal: Principal, projectName: string, permission: Permission): Promise<Verdict> {
    const project = await this.access.project(projectName);
    if (!project) return { outcome: 'hidden' };
    const granted = await this.granted(principal, project, permission);
    if (granted) return { outcome: 'allow', project };
    if (!project.public && !(await this.canSee(principal, project))) return { outcome: 'hidden' };
    return { outcome: 'deny', project, reason: `${describe(principal)} may not ${permission.replace('_', ' ')} in project ${project.name}` };
  }

  /** Every permission `decide` would allow, from one project and one role lookup. */
  async standing(principal: Principal, projectName: string): Promise<Standing> {
    const project = await this.access.project(projectName);
    if (!project) return { outcome: 'hidden' };
    const role = principal.kind === 'user' ? ((await this.access.role(project.id, principal.id)) ?? null) : null;
    const permissions = PERMISSIONS.filter((p) => grantedWith(principal, project, role, p));
    if (permissions.length === 0 && !project.public && !(await this.canSee(principal, project))) return { outcome: 'hidden' };
    return { outcome: 'visible', project, role, permissions };
  }

  private async granted(principal: Principal, project: ProjectAccessRow, permission: Permission): Promise<boolean> {
    // The role is looked up only when it can matter.
    const needsRole = principal.kind === 'user' && !principal.isAdmin && !(permission === 'pull' && project.public);
    const role = needsRole ? ((await this.access.role(project.id, principal.id)) ?? null) : null;
    return grantedWith(principal, project, role, permission);
  }

  /** Members (any role) and robots of the project know it exists, even when they may not do this. */
  private async canSee(principal: Principal, project: ProjectAccessRow): Promise<boolean> {
    if (principal.kind === 'user') return principal.isAdmin || (await this.access.role(project.id, principal.id)) !== undefined;
    if (principal.kind === 'robot') return principal.projectId === null || principal.projectId === project.id;
    return false;
  }
}

/** The rule itself, given the caller's role in the project (null: not a member, or not a user). */
function grantedWith(principal: Principal, project: ProjectAccessRow, role: Role | null, permission: Permission): boolean {
  if (permission === 'pull' && project.public) return true;
  switch (principal.kind) {
    case 'anonymous':
      return false;
    case 'user':
      return principal.isAdmin || (role !== null && roleAllows(role, permission));
    case 'robot':
      return (principal.projectId === null || principal.projectId === project.id) && (principal.permissions as string[]).includes(permission);
  }
}

function describe(p: Principal): string {
  if (p.kind === 'anonymous') return 'an anonymous user';
  if (p.kind === 'robot') return `robot ${p.name}`;
  return `user ${p.username}`;
}
