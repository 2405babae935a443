import { DomainError } from '../common/domain-error';

/** Robot accounts are named `robot$<project>+<name>`; no user may take a name in that space. */
export const ROBOT_PREFIX = 'robot$';

const USERNAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Password policy, after NIST SP 800-63B: length is what counts, so at least 8 characters (Unicode code
 * points) and no composition rules. At most 1024, which bounds the work one login request can ask for.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;
export const EMAIL_MAX_LENGTH = 254;
export const DISPLAY_NAME_MAX_LENGTH = 128;

/** 2-64 characters of [a-z0-9._-], starting with a letter or digit, outside the robot namespace. */
export function assertValidUsername(username: string): void {
  if (username.startsWith(ROBOT_PREFIX)) {
    throw DomainError.invalid(`usernames starting with "${ROBOT_PREFIX}" are reserved for robot accounts`, { field: 'username' });
  }
  if (username.length < 2 || username.length > 64 || !USERNAME.test(username)) {
    throw DomainError.invalid('username must be 2-64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit', {
      field: 'username',
    });
  }
}

export function assertPasswordPolicy(password: string, field = 'password'): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw DomainError.invalid(`password must be at least ${PASSWORD_MIN_LENGTH} characters`, { field, minLength: PASSWORD_MIN_LENGTH });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw DomainError.invalid(`password must be at most ${PASSWORD_MAX_LENGTH} characters`, { field, maxLength: PASSWORD_MAX_LENGTH });
  }
}

/** Trimmed; empty means "no email". Only the shape is checked: the address is not verified by mail. */
export function normalizeEmail(email: string | null | undefined): string | null {
  const value = email?.trim() ?? '';
  if (value === '') return null;
  if (value.length > EMAIL_MAX_LENGTH || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) {
    throw DomainError.invalid('email is not a valid address', { field: 'email' });
  }
  return value;
}

/** Trimmed; empty means "no display name". */
export function normalizeDisplayName(displayName: string | null | undefined): string | null {
  const value = displayName?.trim() ?? '';
  if (value === '') return null;
  // Control characters would let a name forge lines in logs and break table layouts in the console.
  if ([...value].length > DISPLAY_NAME_MAX_LENGTH || /\p{Cc}/u.test(value)) {
    throw DomainError.invalid(`display name must be at most ${DISPLAY_NAME_MAX_LENGTH} printable characters`, { field: 'displayName' });
  }
  return value;
}
