import { Injectable } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import type { Page } from '../common/paging';
import { ConsoleSessionService } from '../console-auth/console-session.service';
import type { User } from '../identity/user.repository';
import { UserService } from '../identity/user.service';
import type { CreateUserBody, UpdateUserBody, UserListQuery } from './users.dto';

/**
 * Administrators managing accounts. Disabling a user or setting their password ends their console
 * sessions; an admin cannot disable or delete their own account (another admin must), and the last
 * enabled admin cannot be demoted, disabled or deleted (UserService).
 */
@Injectable()
export class UserAdminService {
  constructor(
    private readonly users: UserService,
    private readonly sessions: ConsoleSessionService,
    private readonly audit: AuditService,
  ) {}

  async list(admin: UserPrincipal, query: UserListQuery): Promise<Page<User>> {
    assertAdmin(admin);
    return this.users.list(query);
  }

  async get(admin: UserPrincipal, username: string): Promise<User> {
    assertAdmin(admin);
    return this.users.getByUsername(username);
  }

  async create(admin: UserPrincipal, input: CreateUserBody): Promise<User> {
    assertAdmin(admin);
    const user = await this.users.create(input);
    await this.audit.recordNow({ ...actorOf(admin), action: 'user.create', resource: `user ${user.username}`, success: true, details: { isAdmin: user.isAdmin } });
    return user;
  }

  async update(admin: UserPrincipal, username: string, changes: UpdateUserBody): Promise<User> {
    assertAdmin(admin);
    const target = await this.users.getByUsername(username);
    if (target.id === admin.id && changes.disabled === true) throw DomainError.precondition('you cannot disable your own account');
    const user = await this.users.update(target.id, changes);
    const ended = user.disabled ? await this.sessions.endAllForUser(user.id) : 0;
    await this.audit.recordNow({
      ...actorOf(admin),
      action: 'user.update',
      resource: `user ${user.username}`,
      success: true,
      details: { changes: auditable(changes), sessionsEnded: ended },
    });
    return user;
  }

  async delete(admin: UserPrincipal, username: string): Promise<void> {
    assertAdmin(admin);
    const target = await this.users.getByUsername(username);
    if (target.id === admin.id) throw DomainError.precondition('you cannot delete your own account');
    await this.users.delete(target.id); // sessions, secrets and memberships go with the row
    await this.audit.recordNow({ ...actorOf(admin), action: 'user.delete', resource: `user ${target.username}`, success: true });
  }

  /** The user's sessions end (but the admin's own, when they set their own password here). */
  async setPassword(admin: UserPrincipal, username: string, password: string, adminSessionId: string | undefined): Promise<void> {
    assertAdmin(admin);
    const target = await this.users.getByUsername(username);
    await this.users.resetPassword(target.id, password);
    const ended = await this.sessions.endAllForUser(target.id, target.id === admin.id ? adminSessionId : undefined);
    await this.audit.recordNow({ ...actorOf(admin), action: 'user.password', resource: `user ${target.username}`, success: true, details: { sessionsEnded: ended } });
  }
}

function assertAdmin(principal: UserPrincipal): void {
  if (!principal.isAdmin) throw DomainError.forbidden('only system administrators may manage users');
}

/** Field changes for the audit log: emails are personal data and stay out of it. */
function auditable(changes: UpdateUserBody): Record<string, unknown> {
  const { email, ...rest } = changes;
  return email === undefined ? rest : { ...rest, email: 'changed' };
}
