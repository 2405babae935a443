import { randomBytes } from 'node:crypto';
import { randomBase62 } from './random-base62';

/**
 * `berth_<prefix>_<secret>`: the prefix (8 base62 characters, about 47 bits) finds the row without a
 * scan and may be shown in the console; the secret (32 random bytes, base64url) is what authenticates.
 * The leading `berth_` lets secret scanners and Berth itself recognise a token at a glance.
 */
export const CLI_SECRET_TOKEN_START = 'berth_';
const PREFIX_LENGTH = 8;
const SECRET_BYTES = 32;
// base64url of 32 bytes is 43 characters and may itself contain `_`, so the parts are found by position.
const TOKEN = /^berth_([0-9A-Za-z]{8})_([0-9A-Za-z_-]{43})$/;

export function generateCliSecretToken(): { prefix: string; token: string } {
  const prefix = randomBase62(PREFIX_LENGTH);
  return { prefix, token: `${CLI_SECRET_TOKEN_START}${prefix}_${randomBytes(SECRET_BYTES).toString('base64url')}` };
}

/** The prefix of a well-formed token, or undefined for anything else. */
export function parseCliSecretToken(token: string): { prefix: string } | undefined {
  const match = TOKEN.exec(token);
  return match ? { prefix: match[1] } : undefined;
}

/** For a login form or Basic auth: is this password meant as a CLI secret? */
export function looksLikeCliSecret(value: string): boolean {
  return value.startsWith(CLI_SECRET_TOKEN_START);
}
