import { Inject, Injectable, Optional } from '@nestjs/common';
import * as argon2 from 'argon2';

export interface Argon2Params {
  /** KiB of memory per hash. */
  memoryCost: number;
  /** Passes over that memory. */
  timeCost: number;
  /** Lanes; 1 keeps one login on one libuv thread so concurrent logins do not starve each other. */
  parallelism: number;
}

/**
 * OWASP's first argon2id recommendation (19 MiB, 2 passes, 1 lane): about 25 ms per hash or verify on
 * the development machine, so a login stays fast while an offline guess costs 19 MiB and 25 ms each.
 * Raising these later is safe: `needsRehash` upgrades each stored hash at its owner's next login.
 */
export const DEFAULT_ARGON2_PARAMS: Readonly<Argon2Params> = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export const ARGON2_PARAMS = Symbol('ARGON2_PARAMS');

/** argon2id hashing for passwords and secrets; the only place that knows the algorithm and its cost. */
@Injectable()
export class PasswordHasher {
  private readonly params: Argon2Params;
  private dummyHash?: Promise<string>;

  constructor(@Optional() @Inject(ARGON2_PARAMS) params?: Argon2Params) {
    this.params = { ...(params ?? DEFAULT_ARGON2_PARAMS) };
  }

  hash(plain: string): Promise<string> {
    return argon2.hash(plain, { type: argon2.argon2id, ...this.params });
  }

  /** False for a wrong secret and for a stored value that is not an argon2 hash at all (never throws on either). */
  async verify(hash: string, plain: string): Promise<boolean> {
    if (!hash.startsWith('$argon2')) return false;
    try {
      return await argon2.verify(hash, plain);
    } catch {
      // A corrupt stored hash must read as "wrong password", not as a 500 that tells the two apart.
      return false;
    }
  }

  /** True when the stored hash was made with another algorithm or other parameters than today's. */
  needsRehash(hash: string): boolean {
    if (!hash.startsWith('$argon2id$')) return true;
    try {
      return argon2.needsRehash(hash, this.params);
    } catch {
      return true;
    }
  }

  /**
   * Spends the time of one real verify and answers false. Called for unknown usernames and secret
   * prefixes so the response time does not tell an attacker which names exist.
   */
  async dummyVerify(plain: string): Promise<false> {
    // Made once, with the current parameters, so its cost tracks a real stored hash.
    this.dummyHash ??= this.hash('berth-dummy-password-never-matches');
    await this.verify(await this.dummyHash, plain);
    return false;
  }
}
