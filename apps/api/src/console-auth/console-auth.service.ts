import { Injectable } from '@nestjs/common';
import { ANONYMOUS, Principal } from '../access/principal';
import { AuditService } from '../audit/audit.service';
import { CredentialService, parseBasicAuth } from '../auth/credential.service';
import { DomainError } from '../common/domain-error';
import { normalizeUsername } from '../identity/login-limiter';
import { UserService } from '../identity/user.service';
import { RobotService } from '../robots/robot.service';
import { ConsoleSessionService, IssuedSession } from './console-session.service';
import { principalOf, Profile, profileOf } from './profile';

/** What a console request brought to prove who it is; read from headers and cookies by the guard. */
export interface PresentedCredentials {
  authorization?: string;
  sessionToken?: string;
  csrfHeader?: string;
  csrfCookie?: string;
  /** POST, PUT, PATCH or DELETE: a session must then prove the request is not cross-site. */
  unsafe: boolean;
  address: string;
}

export interface Authentication {
  principal: Principal;
  /** Set when a session authenticated the request. */
  sessionId?: string;
  /** A session cookie came that no longer works (expired, logged out, user disabled): the browser should drop it. */
  staleSession: boolean;
}

export interface ClientInfo {
  address: string;
  userAgent?: string;
}

/** What the route being called accepts beyond users. */
export interface AuthenticationOptions {
  /** Robot Basic credentials too (@RobotsAllowed()); otherwise they are refused with 403. */
  robots?: boolean;
}

const INVALID_LOGIN = 'invalid username or password';
const ROBOTS_REFUSED = 'robot accounts are for docker login only, not for the console API';

/**
 * How the console API knows who is calling.
 *
 * Browsers log in once (`POST /api/v1/auth/login`) and carry a server-side session: a random token in
 * the `berth_session` cookie (httpOnly, so page scripts and XSS cannot read it; SameSite=Lax; Secure
 * over https), stored only as its sha256, expiring after 12 idle hours and 7 days after login at the
 * latest. Being server-side, a session ends the moment the user logs out, changes their password or is
 * disabled, which a self-contained token (JWT) could not do. Because the browser sends the cookie by
 * itself, every POST/PUT/PATCH/DELETE must also carry `X-CSRF-Token` equal to the readable `berth_csrf`
 * cookie, a value bound to the session that another site can neither read nor guess.
 *
 * Scripts send `Authorization: Basic user:password-or-CLI-secret` with every request instead: nothing
 * to store, rate-limited like every login, and never sent by a browser on its own (the API never asks
 * for it with WWW-Authenticate), so no CSRF token. Robot secrets are refused (403, before the secret is
 * even checked) unless the route opts in (`robots`, from @RobotsAllowed(): archive import and export,
 * which a registry client could do anyway); there they are checked like a user's, uncached.
 */
@Injectable()
export class ConsoleAuthService {
  constructor(
    private readonly sessions: ConsoleSessionService,
    private readonly credentials: CredentialService,
    private readonly users: UserService,
    private readonly audit: AuditService,
  ) {}

  async authenticate(presented: PresentedCredentials, options: AuthenticationOptions = {}): Promise<Authentication> {
    if (presented.authorization !== undefined) {
      return { principal: await this.basic(presented.authorization, presented.address, options.robots ?? false), staleSession: false };
    }
    if (!presented.sessionToken) return { principal: ANONYMOUS, staleSession: false };
    const session = await this.sessions.resume(presented.sessionToken);
    if (!session) return { principal: ANONYMOUS, staleSession: true };
    if (presented.unsafe && !this.sessions.csrfMatches(session, presented.csrfHeader, presented.csrfCookie)) {
      throw DomainError.forbidden('missing or wrong CSRF token');
    }
    return { principal: principalOf(session.user), sessionId: session.id, staleSession: false };
  }

  /**
   * A password login from the console. Every failure answers the same 401 (or 429 while the username
   * or address is throttled); the audit log gets the real reason. Successes are recorded too.
   */
  async login(username: string, password: string, client: ClientInfo): Promise<{ user: Profile; session: IssuedSession }> {
    const result = await this.users.authenticatePassword(username, password, client.address);
    const event = { actor: normalizeUsername(username) || '(empty)', actorKind: 'user' as const, action: 'login', resource: 'console', address: client.address };
    // Each console sign-in is a row; failures (a bot guessing) are aggregated per minute with a count.
    if (result.ok) this.audit.record({ ...event, success: true });
    else this.audit.recordFailure({ ...event, details: { reason: result.reason } });
    if (!result.ok) {
      if (result.reason === 'rate_limited') {
        throw DomainError.tooManyRequests('too many failed logins; try again later', { retryAfterSeconds: result.retryAfterSeconds });
      }
      throw DomainError.unauthorized(INVALID_LOGIN);
    }
    const session = await this.sessions.create(result.user, client);
    return { user: profileOf(result.user), session };
  }

  /** Ends the session the request came with; a request without one (or with a stale one) is already logged out. */
  async logout(principal: Principal, sessionId: string | undefined, address: string): Promise<void> {
    if (!sessionId || principal.kind !== 'user') return;
    await this.sessions.end(sessionId);
    this.audit.record({ actor: principal.username, actorKind: 'user', action: 'logout', resource: 'console', address, success: true });
  }

  private async basic(header: string, address: string, robotsAllowed: boolean): Promise<Principal> {
    const basic = parseBasicAuth(header);
    if (!basic) throw DomainError.unauthorized('the console API takes a session cookie or Basic credentials (a password or a CLI secret)');
    const robot = RobotService.isRobotName(basic.username);
    if (robot && !robotsAllowed) throw DomainError.forbidden(ROBOTS_REFUSED);
    // Not from the short-lived cache the registry uses: a revoked secret, a changed password or a
    // disabled account (or robot) must stop working here at once. Scripts pay one argon2 verify per request.
    const result = await this.credentials.authenticate(basic.username, basic.secret, address, { cached: false });
    if (!result.ok) {
      this.audit.recordFailure({
        // As the token service records a robot's failed docker login.
        actor: robot ? basic.username.slice(0, 128) : normalizeUsername(basic.username) || '(empty)',
        actorKind: robot ? 'robot' : 'user',
        action: 'login',
        resource: 'console api',
        address,
        details: { reason: result.reason === 'rate_limited' ? 'rate_limited' : result.detail },
      });
      if (result.reason === 'rate_limited') {
        throw DomainError.tooManyRequests('too many failed logins; try again later', { retryAfterSeconds: result.retryAfterSeconds });
      }
      throw DomainError.unauthorized(INVALID_LOGIN);
    }
    if (result.principal.kind === 'robot' && !robotsAllowed) throw DomainError.forbidden(ROBOTS_REFUSED);
    return result.principal;
  }
}
