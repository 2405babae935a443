import { DataSource } from 'typeorm';
import type { BerthConfig } from '../config/config';
import { PasswordHasher } from './password-hasher';
import { randomBase62 } from './random-base62';
import { UserRepository } from './user.repository';

export const INITIAL_ADMIN_USERNAME = 'admin';
/** 24 base62 characters: about 143 bits, and nothing a double-click or a terminal would split. */
const GENERATED_PASSWORD_LENGTH = 24;

export interface InitialAdminOutcome {
  /** This process created the admin (false when users already existed or another replica won the race). */
  created: boolean;
  /** The password was generated and printed, rather than taken from BERTH_ADMIN_PASSWORD. */
  passwordGenerated: boolean;
}

/**
 * On a database with no users at all, creates `admin` with BERTH_ADMIN_PASSWORD, or with a generated
 * password handed to `print` once (stderr by default, never the JSON log, which is shipped and kept).
 * Replicas booting together are safe: the insert only happens while the table is empty and the
 * username is unique, so exactly one process inserts, and only that one prints.
 */
export async function ensureInitialAdmin(
  dataSource: DataSource,
  config: Pick<BerthConfig, 'adminPassword'>,
  print: (text: string) => void = (text) => process.stderr.write(text),
  hasher: PasswordHasher = new PasswordHasher(),
): Promise<InitialAdminOutcome> {
  const users = new UserRepository(dataSource);
  // Every boot but the first ends here, without spending a hash.
  if (await users.hasAny()) return { created: false, passwordGenerated: false };
  const passwordGenerated = config.adminPassword === undefined;
  const password = config.adminPassword ?? randomBase62(GENERATED_PASSWORD_LENGTH);
  const inserted = await users.insertIfNoUsers({
    username: INITIAL_ADMIN_USERNAME,
    email: null,
    displayName: 'Administrator',
    passwordHash: await hasher.hash(password),
    isAdmin: true,
  });
  if (!inserted) return { created: false, passwordGenerated: false };
  if (passwordGenerated) print(initialPasswordBox(password));
  return { created: true, passwordGenerated };
}

/** Boxed so it stands out in a wall of JSON log lines. */
export function initialPasswordBox(password: string): string {
  const lines = [
    `Berth created the user "${INITIAL_ADMIN_USERNAME}".`,
    `initial admin password: ${password}`,
    'Change it after logging in. It is shown only this once.',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const rule = `+${'-'.repeat(width + 2)}+`;
  return ['', rule, ...lines.map((l) => `| ${l.padEnd(width)} |`), rule, ''].join('\n') + '\n';
}
