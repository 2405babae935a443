import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { IdentityModule } from '../identity/identity.module';
import { SettingsModule } from '../settings/settings.module';
import { AccountService } from './account.service';
import { AuthController } from './auth.controller';
import { MeController } from './me.controller';

/** /api/v1/auth and /api/v1/me: logging in and out, signing up, and the caller's own account. */
@Module({
  imports: [ConsoleAuthModule, IdentityModule, AuthModule, SettingsModule],
  controllers: [AuthController, MeController],
  providers: [AccountService],
})
export class AccountModule {}
