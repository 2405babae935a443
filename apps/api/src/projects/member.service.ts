import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '../access/permissions';
import type { UserPrincipal } from '../access/principal';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { offsetOf, Page } from '../common/paging';
import { inTransaction, Queryable } from '../database/queryable';
import type { User } from '../identity/user.repository';
import { UserService } from '../identity/user.service';
import type { MemberListQuery } from './project.dto';
import { MemberRepository, MemberView } from './member.repository';
import { ProjectAccessService } from './project-access.service';

/** Project membership. A project always keeps at least one project_admin. */
@Injectable()
export class MemberService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly members: MemberRepository,
    private readonly users: UserService,
    private readonly access: ProjectAccessService,
    private readonly audit: AuditService,
  ) {}

  async list(principal: UserPrincipal, projectName: string, query: MemberListQuery): Promise<Page<MemberView>> {
    const project = await this.access.require(principal, projectName, 'read_members');
    const { items, total } = await this.members.list(project.id, query, offsetOf(query), query.pageSize);
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  async add(principal: UserPrincipal, projectName: string, username: string, role: Role): Promise<MemberView> {
    const project = await this.access.require(principal, projectName, 'manage_members');
    const user = await this.user(username);
    await this.members.insert(project.id, user.id, role);
    await this.audit.recordNow({
      ...actorOf(principal),
      action: 'member.add',
      resource: `member ${user.username} of project ${project.name}`,
      projectId: project.id,
      success: true,
      details: { username: user.username, role },
    });
    return this.members.view(project.id, user.id);
  }

  async update(principal: UserPrincipal, projectName: string, username: string, role: Role): Promise<MemberView> {
    const project = await this.access.require(principal, projectName, 'manage_members');
    const user = await this.user(username);
    const { from, view } = await inTransaction(this.dataSource, async (tx) => {
      const current = await this.lockedRole(project.id, user, tx);
      if (current.role === 'project_admin' && role !== 'project_admin') assertNotLastAdmin(current.admins);
      await this.members.updateRole(project.id, user.id, role, tx);
      return { from: current.role, view: await this.members.view(project.id, user.id, tx) };
    });
    await this.audit.recordNow({
      ...actorOf(principal),
      action: 'member.update',
      resource: `member ${user.username} of project ${project.name}`,
      projectId: project.id,
      success: true,
      details: { username: user.username, from, to: role },
    });
    return view;
  }

  async remove(principal: UserPrincipal, projectName: string, username: string): Promise<void> {
    const project = await this.access.require(principal, projectName, 'manage_members');
    const user = await this.user(username);
    const from = await inTransaction(this.dataSource, async (tx) => {
      const current = await this.lockedRole(project.id, user, tx);
      if (current.role === 'project_admin') assertNotLastAdmin(current.admins);
      await this.members.delete(project.id, user.id, tx);
      return current.role;
    });
    await this.audit.recordNow({
      ...actorOf(principal),
      action: 'member.remove',
      resource: `member ${user.username} of project ${project.name}`,
      projectId: project.id,
      success: true,
      details: { username: user.username, role: from },
    });
  }

  private async user(username: string): Promise<User> {
    const user = await this.users.findByUsername(username);
    if (!user) throw DomainError.notFound(`user "${username.slice(0, 64)}" not found`, { field: 'username' });
    return user;
  }

  /**
   * The member's role and the number of project admins, both locked until the transaction ends. The
   * admins are locked first, always in the same order, so two concurrent demotions queue instead of
   * deadlocking, and the second sees what the first left.
   */
  private async lockedRole(projectId: string, user: User, tx: Queryable): Promise<{ role: Role; admins: number }> {
    const admins = await this.members.lockProjectAdmins(projectId, tx);
    const role = await this.members.lockRole(projectId, user.id, tx);
    if (!role) throw DomainError.notFound(`${user.username} is not a member of this project`);
    return { role, admins: admins.length };
  }
}

function assertNotLastAdmin(admins: number): void {
  if (admins <= 1) throw DomainError.precondition('a project must keep at least one project admin; make someone else project admin first');
}
