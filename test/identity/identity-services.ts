import { DataSource } from 'typeorm';
import { DomainError, DomainErrorCode } from '../../apps/api/src/common/domain-error';
import { CliSecretRepository } from '../../apps/api/src/identity/cli-secret.repository';
import { CliSecretService } from '../../apps/api/src/identity/cli-secret.service';
import { LoginAttemptRepository } from '../../apps/api/src/identity/login-attempt.repository';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, LoginLimits } from '../../apps/api/src/identity/login-limiter';
import { PasswordHasher } from '../../apps/api/src/identity/password-hasher';
import { RefreshTokenRepository } from '../../apps/api/src/identity/refresh-token.repository';
import { UserRepository } from '../../apps/api/src/identity/user.repository';
import { UserService } from '../../apps/api/src/identity/user.service';

export interface IdentityServices {
  users: UserService;
  cliSecrets: CliSecretService;
  limiter: LoginLimiter;
  hasher: PasswordHasher;
}

/** The identity services wired by hand, as IdentityModule would, on a migrated test database. */
export function identityServices(dataSource: DataSource, limits: LoginLimits = DEFAULT_LOGIN_LIMITS): IdentityServices {
  const hasher = new PasswordHasher();
  const userRepository = new UserRepository(dataSource);
  const limiter = new LoginLimiter(new LoginAttemptRepository(dataSource), { loginLimits: limits });
  return {
    users: new UserService(dataSource, userRepository, hasher, limiter, new RefreshTokenRepository(dataSource)),
    cliSecrets: new CliSecretService(new CliSecretRepository(dataSource), userRepository, hasher),
    limiter,
    hasher,
  };
}

/** The DomainError `work` rejects with; fails the test when it resolves or throws anything else. */
export async function domainError(work: Promise<unknown>, code: DomainErrorCode): Promise<DomainError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(code);
  return err as DomainError;
}
