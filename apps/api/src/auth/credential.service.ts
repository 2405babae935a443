import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Principal } from '../access/principal';
import { CliSecretService } from '../identity/cli-secret.service';
import { LoginLimiter } from '../identity/login-limiter';
import { UserService } from '../identity/user.service';
import { RobotService } from '../robots/robot.service';

export type CredentialFailure =
  | { ok: false; reason: 'invalid'; detail: string }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

export type CredentialResult = { ok: true; principal: Principal } | CredentialFailure;

/** Direct basic auth on /v2 repeats one credential per request: an argon2 verify each time would make pulls slow. */
const CACHE_TTL_MS = 15_000;
const CACHE_MAX = 2_000;

/**
 * Basic credentials of docker login, in one place: a robot's secret (`robot$...`), a personal CLI secret
 * (`berth_...`) or the account password. Successful checks are remembered for 15 s under a hash of
 * the credential, so basic auth sent with every /v2 request does not pay an argon2 verify each time.
 */
@Injectable()
export class CredentialService {
  private readonly remembered = new Map<string, { principal: Principal; until: number }>();
  /** Identical checks already running: concurrent requests with one credential share one argon2 verify. */
  private readonly inFlight = new Map<string, Promise<CredentialResult>>();

  constructor(
    private readonly users: UserService,
    private readonly cliSecrets: CliSecretService,
    private readonly robots: RobotService,
    private readonly limiter: LoginLimiter,
  ) {}

  async authenticate(username: string, secret: string, address: string, options: { cached?: boolean } = {}): Promise<CredentialResult> {
    const key = createHash('sha256').update(`${username}\0${secret}`).digest('base64url');
    if (options.cached) {
      const hit = this.remembered.get(key);
      if (hit && hit.until > Date.now()) return { ok: true, principal: hit.principal };
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.check(username, secret, address).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const result = await pending;
    if (result.ok) {
      if (this.remembered.size >= CACHE_MAX) this.remembered.delete(this.remembered.keys().next().value as string);
      this.remembered.set(key, { principal: result.principal, until: Date.now() + CACHE_TTL_MS });
    }
    return result;
  }

  private async check(username: string, secret: string, address: string): Promise<CredentialResult> {
    if (RobotService.isRobotName(username) || secret.startsWith('berth_')) return this.throttled(username, address, () => this.checkSecret(username, secret));
    // Passwords are throttled inside UserService, which the console's login form calls directly too.
    const login = await this.users.authenticatePassword(username, secret, address);
    if (login.ok) return { ok: true, principal: { kind: 'user', id: login.user.id, username: login.user.username, isAdmin: login.user.isAdmin } };
    if (login.reason === 'rate_limited') return { ok: false, reason: 'rate_limited', retryAfterSeconds: login.retryAfterSeconds };
    return { ok: false, reason: 'invalid', detail: `password: ${login.reason}` };
  }

  /** Robot and CLI secrets go through the same login throttle as passwords: guessing them is guessing a login. */
  private async throttled(username: string, address: string, verify: () => Promise<CredentialResult>): Promise<CredentialResult> {
    const admission = await this.limiter.admit(username, address);
    if (!admission.allowed) return { ok: false, reason: 'rate_limited', retryAfterSeconds: admission.retryAfterSeconds };
    const result = await verify();
    if (result.ok) await this.limiter.succeeded(admission.attemptId);
    return result;
  }

  private async checkSecret(username: string, secret: string): Promise<CredentialResult> {
    if (RobotService.isRobotName(username)) {
      const robot = await this.robots.authenticate(username, secret);
      return typeof robot === 'string' ? { ok: false, reason: 'invalid', detail: `robot: ${robot}` } : { ok: true, principal: robot };
    }
    const found = await this.cliSecrets.authenticate(secret);
    if (!found.ok) return { ok: false, reason: 'invalid', detail: `cli secret: ${found.reason}` };
    if (found.user.username !== username.toLowerCase()) return { ok: false, reason: 'invalid', detail: 'cli secret of another user' };
    return { ok: true, principal: { kind: 'user', id: found.user.id, username: found.user.username, isAdmin: found.user.isAdmin } };
  }
}

/** `Authorization: Basic ...` -> username and secret, or undefined when absent or malformed. */
export function parseBasicAuth(header: string | undefined): { username: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
