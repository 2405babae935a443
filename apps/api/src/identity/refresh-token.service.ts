import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { BERTH_CONFIG, BerthConfig } from '../config/config';
import { RefreshTokenRepository } from './refresh-token.repository';

/** Recognisable at a glance (and by secret scanners); 32 random bytes after it. */
const TOKEN_START = 'berthrt_';

export type RefreshResult = { ok: true; user: { id: string; username: string; isAdmin: boolean } } | { ok: false; reason: 'unknown_or_expired' | 'disabled' };

/**
 * OAuth2 refresh tokens of the token service (`access_type=offline`, docker login's `offline_token=true`):
 * what docker keeps as its identity token instead of the password. Only a SHA-256 of each is stored (a
 * 256-bit random token needs no slow hash). A token expires after BERTH_REFRESH_TOKEN_DAYS unused; it is
 * revoked with its user (deleted, disabled, password changed: UserService) and with the CLI secret it was
 * obtained with. Users only: a robot's secret is already the revocable credential a machine keeps.
 */
@Injectable()
export class RefreshTokenService {
  constructor(
    @Inject(BERTH_CONFIG) private readonly config: Pick<BerthConfig, 'refreshTokenTtlMs'>,
    private readonly tokens: RefreshTokenRepository,
  ) {}

  async issue(userId: string, clientId: string, cliSecretId?: string): Promise<string> {
    const token = `${TOKEN_START}${randomBytes(32).toString('base64url')}`;
    await this.tokens.insert({ userId, cliSecretId, tokenHash: hashOf(token), clientId: clientId.slice(0, 128), ttlMs: this.config.refreshTokenTtlMs });
    return token;
  }

  async redeem(token: string): Promise<RefreshResult> {
    if (!token.startsWith(TOKEN_START) || token.length > 128) return { ok: false, reason: 'unknown_or_expired' };
    const owner = await this.tokens.use(hashOf(token), this.config.refreshTokenTtlMs);
    if (!owner) return { ok: false, reason: 'unknown_or_expired' };
    if (owner.disabled) return { ok: false, reason: 'disabled' };
    return { ok: true, user: { id: owner.userId, username: owner.username, isAdmin: owner.isAdmin } };
  }
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
