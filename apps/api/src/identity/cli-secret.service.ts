import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { generateCliSecretToken, parseCliSecretToken } from './cli-secret-token';
import { CliSecret, CliSecretRepository } from './cli-secret.repository';
import { PasswordHasher } from './password-hasher';
import { User, UserRepository } from './user.repository';

export type CliSecretFailureReason = 'malformed' | 'unknown_secret' | 'wrong_secret' | 'disabled';

export type CliSecretAuthResult = { ok: true; user: User; secret: CliSecret } | { ok: false; reason: CliSecretFailureReason };

/** A user's secrets are few and named by hand; the cap stops a script from filling the table. */
export const MAX_CLI_SECRETS_PER_USER = 50;
/** last_used_at is for people ("used 3 days ago"): minute precision is plenty and saves a write per pull. */
export const LAST_USED_RESOLUTION_MS = 60_000;
const NAME_MAX_LENGTH = 64;

/**
 * Named secrets a user creates for `docker login` instead of the account password, so a leaked CI
 * variable can be revoked alone and the password never sits in a `~/.docker/config.json`.
 */
@Injectable()
export class CliSecretService {
  constructor(
    private readonly secrets: CliSecretRepository,
    private readonly users: UserRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  /** The token is in this answer and nowhere else, ever: only its hash is stored. */
  async create(userId: string, name: string): Promise<{ secret: CliSecret; token: string }> {
    const cleanName = name.trim();
    if (cleanName.length === 0 || [...cleanName].length > NAME_MAX_LENGTH || /\p{Cc}/u.test(cleanName)) {
      throw DomainError.invalid(`name must be 1-${NAME_MAX_LENGTH} printable characters`, { field: 'name' });
    }
    if (!(await this.users.findById(userId))) throw DomainError.notFound('user not found');
    if ((await this.secrets.countForUser(userId)) >= MAX_CLI_SECRETS_PER_USER) {
      throw DomainError.quota(`a user may have at most ${MAX_CLI_SECRETS_PER_USER} CLI secrets; revoke one first`, { limit: MAX_CLI_SECRETS_PER_USER });
    }
    // A prefix collision (1 in 2^47 per pair) is retried with a fresh token; a second in a row means something else is wrong.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { prefix, token } = generateCliSecretToken();
      const secret = await this.secrets.insert(userId, cleanName, prefix, await this.hasher.hash(token));
      if (secret) return { secret, token };
    }
    throw new Error('could not draw an unused CLI secret prefix');
  }

  async list(userId: string): Promise<CliSecret[]> {
    return this.secrets.listForUser(userId);
  }

  async revoke(userId: string, secretId: string): Promise<void> {
    await this.secrets.deleteForUser(userId, secretId);
  }

  /**
   * The owner of `token`, if it is a live secret of an enabled user. An unknown prefix is answered
   * without hashing: a prefix is not a secret (it is shown in the console) and guessing one gains
   * nothing without the 256-bit secret, while a dummy verify would let a flood of random tokens buy
   * 25 ms of CPU each.
   */
  async authenticate(token: string): Promise<CliSecretAuthResult> {
    const parsed = parseCliSecretToken(token);
    if (!parsed) return { ok: false, reason: 'malformed' };
    const found = await this.secrets.findByPrefix(parsed.prefix);
    if (!found) return { ok: false, reason: 'unknown_secret' };
    if (!(await this.hasher.verify(found.secretHash, token))) return { ok: false, reason: 'wrong_secret' };
    if (found.user.disabled) return { ok: false, reason: 'disabled' };
    const { secret } = found;
    // Skip the write when the row we just read says another call stamped it recently.
    if (secret.lastUsedAt === null || Date.now() - secret.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      secret.lastUsedAt = (await this.secrets.touch(secret.id, LAST_USED_RESOLUTION_MS)) ?? secret.lastUsedAt;
    }
    return { ok: true, user: found.user, secret };
  }
}
