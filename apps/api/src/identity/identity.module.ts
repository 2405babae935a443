import { Module } from '@nestjs/common';
import { CliSecretRepository } from './cli-secret.repository';
import { CliSecretService } from './cli-secret.service';
import { LoginAttemptRepository } from './login-attempt.repository';
import { LoginLimiter } from './login-limiter';
import { PasswordHasher } from './password-hasher';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RefreshTokenService } from './refresh-token.service';
import { UserRepository } from './user.repository';
import { UserService } from './user.service';

/** Users, their passwords, CLI secrets and refresh tokens, and login throttling. Needs the global BERTH_CONFIG and DataSource. */
@Module({
  providers: [PasswordHasher, UserRepository, CliSecretRepository, LoginAttemptRepository, LoginLimiter, UserService, CliSecretService, RefreshTokenRepository, RefreshTokenService],
  exports: [PasswordHasher, UserService, CliSecretService, LoginLimiter, RefreshTokenService],
})
export class IdentityModule {}
