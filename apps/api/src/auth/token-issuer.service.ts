import { Injectable } from '@nestjs/common';
import { AccessEntry, formatScope, parseScopes } from '@berth/oci';
import { ANONYMOUS, Principal, principalName } from '../access/principal';
import { AuditService } from '../audit/audit.service';
import { RefreshTokenService } from '../identity/refresh-token.service';
import { RobotService } from '../robots/robot.service';
import { CredentialResult, CredentialService } from './credential.service';
import { TokenGrantService } from './token-grant.service';
import { TokenService } from './token.service';

/** What the token endpoint answers, GET and POST alike (POST adds `scope`). */
export interface TokenAnswer {
  token: string;
  expiresIn: number;
  issuedAt: string;
  /** The granted scopes, space separated. */
  scope: string;
  refreshToken?: string;
}

export type TokenErrorCode = 'invalid_request' | 'invalid_grant' | 'unsupported_grant_type';

/** A token request refused: the OAuth2 error (RFC 6749 §5.2), its HTTP status and, when throttled, when to retry. */
export class TokenRequestError extends Error {
  constructor(
    readonly status: 400 | 401 | 413 | 429,
    readonly error: TokenErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface TokenRequest {
  scopes: readonly string[];
  /** A refresh token is wanted (GET `offline_token=true`, POST `access_type=offline`). */
  offline?: boolean;
  clientId?: string;
  address: string;
}

/**
 * The token service's grants: Basic credentials (GET, docker's first try), OAuth2 `password` and
 * `refresh_token` (POST, containerd's and buildkit's first try, and docker with a stored identity token).
 * Every password check goes through CredentialService, so the login throttle and the audit log see them all.
 */
@Injectable()
export class TokenIssuerService {
  constructor(
    private readonly credentials: CredentialService,
    private readonly grants: TokenGrantService,
    private readonly tokens: TokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly audit: AuditService,
  ) {}

  /** GET: anonymous, or Basic credentials already split (undefined when the header was malformed). */
  async basic(credentials: { username: string; secret: string } | undefined | null, request: TokenRequest): Promise<TokenAnswer> {
    if (credentials === null) return this.issue(ANONYMOUS, request);
    if (!credentials) this.audit.recordFailure({ actor: '(malformed credentials)', actorKind: 'user', action: 'login', resource: 'registry', address: request.address, details: { reason: 'malformed credentials' } });
    const result = credentials ? await this.login(credentials.username, credentials.secret, request.address, 'basic') : undefined;
    if (!result?.ok) {
      if (result?.reason === 'rate_limited') throw new TokenRequestError(429, 'invalid_grant', 'too many failed logins; try again later', result.retryAfterSeconds);
      throw new TokenRequestError(401, 'invalid_grant', 'invalid username or password');
    }
    return this.issue(result.principal, request, result.cliSecretId);
  }

  /** POST grant_type=password. */
  async password(username: string, password: string, request: TokenRequest): Promise<TokenAnswer> {
    const result = await this.login(username, password, request.address, 'password');
    if (!result.ok) {
      if (result.reason === 'rate_limited') throw new TokenRequestError(429, 'invalid_grant', 'too many failed logins; try again later', result.retryAfterSeconds);
      throw new TokenRequestError(400, 'invalid_grant', 'invalid username or password');
    }
    return this.issue(result.principal, request, result.cliSecretId);
  }

  /** POST grant_type=refresh_token: a new access token as the refresh token's user; the refresh token is not replaced. */
  async refresh(refreshToken: string, request: TokenRequest): Promise<TokenAnswer> {
    const result = await this.refreshTokens.redeem(refreshToken);
    const event = { actor: result.ok ? result.user.username : '(refresh token)', actorKind: 'user' as const, action: 'login', resource: 'registry', address: request.address };
    if (result.ok) this.audit.recordRoutine({ ...event, success: true, details: { grant: 'refresh_token' } });
    else this.audit.recordFailure({ ...event, details: { grant: 'refresh_token', reason: result.reason } });
    if (!result.ok) throw new TokenRequestError(400, 'invalid_grant', 'the refresh token is invalid, expired or revoked; log in again');
    return this.issue({ kind: 'user', ...result.user }, { ...request, offline: false });
  }

  private async login(username: string, secret: string, address: string, grant: 'basic' | 'password'): Promise<CredentialResult> {
    const result = await this.credentials.authenticate(username, secret, address);
    const event = { actor: username.slice(0, 128), actorKind: RobotService.isRobotName(username) ? ('robot' as const) : ('user' as const), action: 'login', resource: 'registry', address };
    const grantDetail = grant === 'password' ? { grant } : {};
    // Clients log in before every pull: successes are routine (once an hour per actor and address), failures aggregated per minute.
    if (result.ok) this.audit.recordRoutine({ ...event, success: true, details: grantDetail });
    else this.audit.recordFailure({ ...event, details: { ...grantDetail, reason: result.reason === 'rate_limited' ? 'rate_limited' : result.detail } });
    return result;
  }

  private async issue(principal: Principal, request: TokenRequest, cliSecretId?: string): Promise<TokenAnswer> {
    const access: AccessEntry[] = await this.grants.grant(principal, parseScopes(request.scopes));
    // An anonymous token has an empty subject, so it can never be mistaken for a user named "anonymous".
    const issued = await this.tokens.issue(principal.kind === 'anonymous' ? '' : principalName(principal), access);
    const answer: TokenAnswer = { ...issued, scope: access.map(formatScope).join(' ') };
    // Users only: a robot's secret is itself the revocable credential a machine keeps.
    if (request.offline && principal.kind === 'user') answer.refreshToken = await this.refreshTokens.issue(principal.id, request.clientId || 'unknown', cliSecretId);
    return answer;
  }
}
