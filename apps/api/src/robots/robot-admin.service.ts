import { Injectable } from '@nestjs/common';
import type { ProjectAccessRow } from '../access/access.repository';
import type { UserPrincipal } from '../access/principal';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError, isDomainError } from '../common/domain-error';
import { Page, pageOf } from '../common/paging';
import type { RobotListQuery, RobotSort } from './robot.dto';
import { ProjectAccessService } from '../projects/project-access.service';
import type { CreateRobotBody, UpdateRobotBody } from './robot.dto';
import { RobotService, RobotView, RobotWithSecret } from './robot.service';

/** Where robots live: one project, or the system (project null, admins only). */
type Scope = { project: ProjectAccessRow | null };

const ID = /^[1-9][0-9]{0,18}$/;

/**
 * Managing robot accounts from the console: project robots need manage_robots in their project,
 * system robots need a system admin. A robot is only ever reached through its own scope: another
 * project's robot id (or a project robot's id under /robots) is NOT_FOUND. Secrets are returned once.
 */
@Injectable()
export class RobotAdminService {
  constructor(
    private readonly robots: RobotService,
    private readonly access: ProjectAccessService,
    private readonly audit: AuditService,
  ) {}

  /** `projectName` undefined: the system robots. */
  /** A project's robots are few (tens), so they are filtered and sorted in memory. */
  async list(principal: UserPrincipal, projectName: string | undefined, query: RobotListQuery): Promise<Page<RobotView>> {
    const scope = await this.scope(principal, projectName);
    const q = query.q?.toLowerCase();
    const robots = (await this.robots.list(scope.project?.id ?? null)).filter((r) => !q || r.name.toLowerCase().includes(q) || r.description.toLowerCase().includes(q));
    return pageOf(robots.sort(robotOrder(query.sort)), query);
  }

  async create(principal: UserPrincipal, projectName: string | undefined, input: CreateRobotBody): Promise<RobotWithSecret> {
    const scope = await this.scope(principal, projectName);
    const created = await this.robots.create({
      project: scope.project,
      name: input.name,
      description: input.description,
      permissions: input.permissions,
      expiresAt: input.expiresAt,
      createdBy: principal.id,
    });
    await this.record(principal, scope, 'robot.create', created.robot, { permissions: created.robot.permissions, expiresAt: created.robot.expiresAt });
    return created;
  }

  async update(principal: UserPrincipal, projectName: string | undefined, id: string, changes: UpdateRobotBody): Promise<RobotView> {
    const scope = await this.scope(principal, projectName);
    await this.robotIn(scope, id);
    const robot = await this.robots.update(id, changes);
    await this.record(principal, scope, 'robot.update', robot, { ...changes });
    return robot;
  }

  /** A new secret, returned once; the old one stops working at once. */
  async rotate(principal: UserPrincipal, projectName: string | undefined, id: string): Promise<RobotWithSecret> {
    const scope = await this.scope(principal, projectName);
    const robot = await this.robotIn(scope, id);
    const secret = await this.robots.rotate(id);
    await this.record(principal, scope, 'robot.rotate', robot);
    return { robot, secret };
  }

  async delete(principal: UserPrincipal, projectName: string | undefined, id: string): Promise<void> {
    const scope = await this.scope(principal, projectName);
    const robot = await this.robotIn(scope, id);
    await this.robots.delete(id);
    await this.record(principal, scope, 'robot.delete', robot);
  }

  private async scope(principal: UserPrincipal, projectName: string | undefined): Promise<Scope> {
    if (projectName !== undefined) return { project: await this.access.require(principal, projectName, 'manage_robots') };
    if (!principal.isAdmin) throw DomainError.forbidden('only system administrators may manage system robots');
    return { project: null };
  }

  private async robotIn(scope: Scope, id: string): Promise<RobotView> {
    const robot = ID.test(id) ? await this.robots.get(id).catch((err: unknown) => (isDomainError(err, 'NOT_FOUND') ? undefined : Promise.reject(err))) : undefined;
    if (!robot || robot.project !== (scope.project?.name ?? null)) throw DomainError.notFound('no such robot account');
    return robot;
  }

  private async record(principal: UserPrincipal, scope: Scope, action: string, robot: RobotView, details: Record<string, unknown> = {}): Promise<void> {
    await this.audit.recordNow({ ...actorOf(principal), action, resource: `robot ${robot.name}`, projectId: scope.project?.id ?? null, success: true, details });
  }
}

/** Missing dates (never expires, never used) sort last in either direction. */
function robotOrder(sort: RobotSort): (a: RobotView, b: RobotView) => number {
  const descending = sort.startsWith('-');
  const field = sort.replace(/^-/, '');
  const key = (r: RobotView): string | number | null =>
    field === 'name' ? r.name : field === 'created_at' ? r.createdAt.getTime() : field === 'expires_at' ? (r.expiresAt?.getTime() ?? null) : (r.lastUsedAt?.getTime() ?? null);
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === null || y === null) return x === y ? compareNames(a, b) : x === null ? 1 : -1;
    const order = x < y ? -1 : x > y ? 1 : 0;
    return (descending ? -order : order) || compareNames(a, b);
  };
}

function compareNames(a: RobotView, b: RobotView): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
