import { Injectable } from '@nestjs/common';
import { AccessService } from '../access/access.service';
import type { UserPrincipal } from '../access/principal';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError, isDomainError } from '../common/domain-error';
import { Page, pageOf, Paging } from '../common/paging';
import { ConsoleSessionService } from '../console-auth/console-session.service';
import { Profile, profileOf } from '../console-auth/profile';
import { CliSecret } from '../identity/cli-secret.repository';
import { CliSecretService } from '../identity/cli-secret.service';
import { UserService } from '../identity/user.service';
import { SettingsService } from '../settings/settings.service';
import type { ChangePasswordBody, CreatedCliSecret, ProjectPermissions, SignupBody, UpdateProfileBody } from './account.dto';

/** Self-registration attempts per client address and hour (audit action `user.signup`). */
export const SIGNUP_MAX_PER_HOUR = 5;
const SIGNUP_WINDOW_MS = 60 * 60_000;
const SIGNUP_ACTION = 'user.signup';

/** The logged-in user's own account: profile, password, CLI secrets, and what they may do in a project. */
@Injectable()
export class AccountService {
  constructor(
    private readonly users: UserService,
    private readonly cliSecrets: CliSecretService,
    private readonly sessions: ConsoleSessionService,
    private readonly settings: SettingsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Creates an ordinary account, only while the `self_registration` setting is on. Anyone may call it, so
   * it must not be a directory: a name or email already in use gets one answer that says neither which
   * nor whether it is the email, and each address may try SIGNUP_MAX_PER_HOUR times an hour (counted from
   * the audit log, which every attempt, good or refused, is written to), so guessing accounts is slow and seen.
   */
  async signup(input: SignupBody, address: string): Promise<Profile> {
    if (!(await this.settings.get()).self_registration) {
      throw DomainError.forbidden('self-registration is turned off; ask an administrator for an account');
    }
    const attempts = await this.audit.recentEvents({ action: SIGNUP_ACTION, address, windowMs: SIGNUP_WINDOW_MS });
    if (attempts >= SIGNUP_MAX_PER_HOUR) {
      throw DomainError.tooManyRequests('too many sign-ups from this address; try again later', { retryAfterSeconds: SIGNUP_WINDOW_MS / 1000 });
    }
    const event = { actorKind: 'user' as const, action: SIGNUP_ACTION, address };
    let user;
    try {
      user = await this.users.create({ username: input.username, password: input.password, email: input.email ?? null });
    } catch (err) {
      if (!isDomainError(err) || err.code !== 'CONFLICT') throw err;
      await this.audit.recordNow({ ...event, actor: input.username.slice(0, 128), resource: `user ${input.username.slice(0, 128)}`, success: false, details: { reason: err.message } });
      throw DomainError.conflict('this username or email cannot be used; choose another', { fields: ['username', 'email'] });
    }
    await this.audit.recordNow({ ...event, actor: user.username, resource: `user ${user.username}`, success: true, details: { selfRegistration: true } });
    return profileOf(user);
  }

  async profile(me: UserPrincipal): Promise<Profile> {
    return profileOf(await this.users.get(me.id));
  }

  async updateProfile(me: UserPrincipal, changes: UpdateProfileBody): Promise<Profile> {
    const user = await this.users.update(me.id, { email: changes.email, displayName: changes.displayName });
    await this.audit.recordNow({ ...actorOf(me), action: 'user.update', resource: `user ${me.username}`, success: true, details: { fields: Object.keys(changes) } });
    return profileOf(user);
  }

  /**
   * Ends every other session of the user, so a password change locks out whoever else was logged in.
   * A wrong current password is INVALID, not UNAUTHORIZED: the caller's own session is fine.
   */
  async changePassword(me: UserPrincipal, currentSessionId: string | undefined, body: ChangePasswordBody): Promise<void> {
    try {
      await this.users.changePassword(me.id, body.currentPassword, body.newPassword);
    } catch (err) {
      if (isDomainError(err, 'UNAUTHORIZED')) throw DomainError.invalid(err.message, err.details);
      throw err;
    }
    const ended = await this.sessions.endAllForUser(me.id, currentSessionId);
    await this.audit.recordNow({ ...actorOf(me), action: 'user.password', resource: `user ${me.username}`, success: true, details: { sessionsEnded: ended } });
  }

  async listCliSecrets(me: UserPrincipal, paging: Paging): Promise<Page<CliSecret>> {
    return pageOf(await this.cliSecrets.list(me.id), paging);
  }

  /** The token is in this answer only; lists show the name and prefix. */
  async createCliSecret(me: UserPrincipal, name: string): Promise<CreatedCliSecret> {
    const created = await this.cliSecrets.create(me.id, name);
    await this.audit.recordNow({
      ...actorOf(me),
      action: 'cli_secret.create',
      resource: `cli secret ${created.secret.name} of user ${me.username}`,
      success: true,
      details: { prefix: created.secret.prefix },
    });
    return created;
  }

  async revokeCliSecret(me: UserPrincipal, id: string): Promise<void> {
    await this.cliSecrets.revoke(me.id, id);
    await this.audit.recordNow({ ...actorOf(me), action: 'cli_secret.revoke', resource: `cli secret ${id} of user ${me.username}`, success: true, details: { id } });
  }

  /** NOT_FOUND for a project the caller may not see, as on every project route. */
  async permissions(me: UserPrincipal, project: string): Promise<ProjectPermissions> {
    const standing = await this.access.standing(me, project);
    if (standing.outcome === 'hidden') throw DomainError.notFound(`project "${project}" not found`);
    return { project: standing.project.name, role: standing.role, permissions: standing.permissions };
  }
}
