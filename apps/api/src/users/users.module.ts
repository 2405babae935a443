import { Module } from '@nestjs/common';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { IdentityModule } from '../identity/identity.module';
import { UserAdminService } from './user-admin.service';
import { UsersController } from './users.controller';

/** /api/v1/users: account management for administrators. */
@Module({
  imports: [ConsoleAuthModule, IdentityModule],
  controllers: [UsersController],
  providers: [UserAdminService],
})
export class UsersModule {}
