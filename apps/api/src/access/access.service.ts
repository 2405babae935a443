import { Injectable } from '@nestjs/common';
import { AccessRepository, ProjectAccessRow } from './access.repository';
import { Permission, roleAllows } from './permissions';
import { Principal } from './principal';

/**
 * The one place that answers "may this principal do this in this project?", for the registry and the
 * console alike. 'hidden' means the caller may not even know the project exists (private, not a member):
 * callers answer 404 for it, not 403, so private names do not leak.
 */
export type Verdict = { outcome: 'allow'; project: ProjectAccessRow } | { outcome: 'deny'; project: ProjectAccessRow; reason: string } | { outcome: 'hidden' };

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

  private async granted(principal: Principal, project: ProjectAccessRow, permission: Permission): Promise<boolean> {
    if (permission === 'pull' && project.public) return true;
    switch (principal.kind) {
      case 'anonymous':
        return false;
      case 'user': {
        if (principal.isAdmin) return true;
        const role = await this.access.role(project.id, principal.id);
        return role !== undefined && roleAllows(role, permission);
      }
      case 'robot':
        return (principal.projectId === null || principal.projectId === project.id) && (principal.permissions as string[]).includes(permission);
    }
  }

  /** Members (any role) and robots of the project know it exists, even when they may not do this. */
  private async canSee(principal: Principal, project: ProjectAccessRow): Promise<boolean> {
    if (principal.kind === 'user') return principal.isAdmin || (await this.access.role(project.id, principal.id)) !== undefined;
    if (principal.kind === 'robot') return principal.projectId === null || principal.projectId === project.id;
    return false;
  }
}

function describe(p: Principal): string {
  if (p.kind === 'anonymous') return 'an anonymous user';
  if (p.kind === 'robot') return `robot ${p.name}`;
  return `user ${p.username}`;
}
