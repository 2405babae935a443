import { Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { PageQuery } from '../api/pagination';
import { CurrentSessionId, CurrentUser } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import { Page } from '../common/paging';
import { Profile } from '../console-auth/profile';
import { CliSecret } from '../identity/cli-secret.repository';
import { ChangePasswordBody, CreateCliSecretBody, CreatedCliSecret, PermissionsQuery, ProjectPermissions, UpdateProfileBody } from './account.dto';
import { AccountService } from './account.service';

/** The caller's own account. */
@ConsoleController('me')
export class MeController {
  constructor(private readonly account: AccountService) {}

  @Get()
  @ApiDoc({ summary: "The caller's profile", response: Profile })
  get(@CurrentUser() me: UserPrincipal): Promise<Profile> {
    return this.account.profile(me);
  }

  @Patch()
  @ApiDoc({ summary: "Update the caller's profile", response: Profile })
  update(@CurrentUser() me: UserPrincipal, @ValidBody(UpdateProfileBody) body: UpdateProfileBody): Promise<Profile> {
    return this.account.updateProfile(me, body);
  }

  @Put('password')
  @ApiDoc({ summary: "Change the caller's password" })
  @HttpCode(204)
  changePassword(
    @CurrentUser() me: UserPrincipal,
    @CurrentSessionId() sessionId: string | undefined,
    @ValidBody(ChangePasswordBody) body: ChangePasswordBody,
  ): Promise<void> {
    return this.account.changePassword(me, sessionId, body);
  }

  @Get('cli-secrets')
  @ApiDoc({ summary: "List the caller's CLI secrets", item: CliSecret })
  listCliSecrets(@CurrentUser() me: UserPrincipal, @ValidQuery(PageQuery) query: PageQuery): Promise<Page<CliSecret>> {
    return this.account.listCliSecrets(me, query);
  }

  @Post('cli-secrets')
  @ApiDoc({ summary: 'Create a CLI secret (the secret is shown once)', response: CreatedCliSecret })
  createCliSecret(@CurrentUser() me: UserPrincipal, @ValidBody(CreateCliSecretBody) body: CreateCliSecretBody): Promise<CreatedCliSecret> {
    return this.account.createCliSecret(me, body.name);
  }

  @Delete('cli-secrets/:id')
  @ApiDoc({ summary: 'Revoke a CLI secret' })
  @HttpCode(204)
  revokeCliSecret(@CurrentUser() me: UserPrincipal, @Param('id') id: string): Promise<void> {
    return this.account.revokeCliSecret(me, id);
  }

  @Get('permissions')
  @ApiDoc({ summary: "The caller's permissions in one project", response: ProjectPermissions })
  permissions(@CurrentUser() me: UserPrincipal, @ValidQuery(PermissionsQuery) query: PermissionsQuery): Promise<ProjectPermissions> {
    return this.account.permissions(me, query.project);
  }
}
