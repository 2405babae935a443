import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Principal } from '../access/principal';
import { unstorableTextProblem } from '../common/storable-text';
import { CliSecretService } from '../identity/cli-secret.service';
import { LoginLimiter } from '../identity/login-limiter';
import { UserService } from '../identity/user.service';
import { RobotService } from '../robots/robot.service';

export type CredentialFailure =
  | { ok: false; reason: 'invalid'; detail: string }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/** `cliSecretId`: the login was with this CLI secret (what it hands out must end when the secret is revoked). */
export type CredentialResult = { ok: true; principal: Principal; cliSecretId?: string } | CredentialFailure;

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
  private readonly remembered = new Map<string, { result: Extract<CredentialResult, { ok: true }>; until: number }>();
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
      if (hit && hit.until > Date.now()) return hit.result;
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.check(username, secret, address).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    const result = await pending;
    if (result.ok) {
      if (this.remembered.size >= CACHE_MAX) this.remembered.delete(this.remembered.keys().next().value as string);
      this.remembered.set(key, { result, until: Date.now() + CACHE_TTL_MS });
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
    return { ok: true, principal: { kind: 'user', id: found.user.id, username: found.user.username, isAdmin: found.user.isAdmin }, cliSecretId: found.secret.id };
  }
}

/** `Authorization: Basic ...` -> username and secret, or undefined when absent or malformed (not UTF-8 text, or with a NUL). */
export function parseBasicAuth(header: string | undefined): { username: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const bytes = Buffer.from(m[1], 'base64');
  const decoded = bytes.toString('utf8');
  // Invalid UTF-8 or a NUL names no account, and must not reach a query as one.
  if (!Buffer.from(decoded, 'utf8').equals(bytes) || unstorableTextProblem(decoded)) return undefined;
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
