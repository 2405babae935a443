import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { IdentityModule } from '../identity/identity.module';
import { ConsoleAuthService } from './console-auth.service';
import { ConsoleSessionRepository } from './console-session.repository';
import { ConsoleSessionService } from './console-session.service';

/**
 * Console sessions and request authentication. No controllers: every console module imports this one
 * for ConsoleAuthGuard's dependencies.
 */
@Module({
  imports: [IdentityModule, AuthModule],
  providers: [ConsoleSessionRepository, ConsoleSessionService, ConsoleAuthService],
  exports: [ConsoleSessionService, ConsoleAuthService],
})
export class ConsoleAuthModule {}
