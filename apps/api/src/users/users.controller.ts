import { Delete, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { AdminOnly, CurrentSessionId, CurrentUser } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { User } from '../identity/user.repository';
import { UserAdminService } from './user-admin.service';
import { CreateUserBody, ResetPasswordBody, UpdateUserBody, UserListQuery } from './users.dto';

@ConsoleController('users')
@AdminOnly()
export class UsersController {
  constructor(private readonly users: UserAdminService) {}

  @Get()
  @ApiDoc({ summary: 'List users', item: User })
  list(@CurrentUser() admin: UserPrincipal, @ValidQuery(UserListQuery) query: UserListQuery): Promise<Page<User>> {
    return this.users.list(admin, query);
  }

  @Post()
  @ApiDoc({ summary: 'Create a user', response: User })
  create(@CurrentUser() admin: UserPrincipal, @ValidBody(CreateUserBody) body: CreateUserBody): Promise<User> {
    return this.users.create(admin, body);
  }

  @Get(':username')
  @ApiDoc({ summary: 'Get a user', response: User })
  get(@CurrentUser() admin: UserPrincipal, @Param('username') username: string): Promise<User> {
    return this.users.get(admin, username);
  }

  @Patch(':username')
  @ApiDoc({ summary: 'Update a user', response: User })
  update(@CurrentUser() admin: UserPrincipal, @Param('username') username: string, @ValidBody(UpdateUserBody) body: UpdateUserBody): Promise<User> {
    return this.users.update(admin, username, body);
  }

  @Delete(':username')
  @ApiDoc({ summary: 'Delete a user' })
  @HttpCode(204)
  delete(@CurrentUser() admin: UserPrincipal, @Param('username') username: string): Promise<void> {
    return this.users.delete(admin, username);
  }

  @Put(':username/password')
  @ApiDoc({ summary: "Set a user's password" })
  @HttpCode(204)
  setPassword(
    @CurrentUser() admin: UserPrincipal,
    @CurrentSessionId() sessionId: string | undefined,
    @Param('username') username: string,
    @ValidBody(ResetPasswordBody) body: ResetPasswordBody,
  ): Promise<void> {
    return this.users.setPassword(admin, username, body.password, sessionId);
  }
}
