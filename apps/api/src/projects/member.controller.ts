import { Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { CurrentUser } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { MemberView } from './member.repository';
import { MemberService } from './member.service';
import { AddMemberBody, MemberListQuery, UpdateMemberBody } from './project.dto';

@ConsoleController('projects/:name/members')
export class MemberController {
  constructor(private readonly members: MemberService) {}

  @Get()
  @ApiDoc({ summary: "List a project's members", item: MemberView })
  list(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidQuery(MemberListQuery) query: MemberListQuery): Promise<Page<MemberView>> {
    return this.members.list(user, project, query);
  }

  @Post()
  @ApiDoc({ summary: 'Add a member to a project', response: MemberView })
  add(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidBody(AddMemberBody) body: AddMemberBody): Promise<MemberView> {
    return this.members.add(user, project, body.username, body.role);
  }

  @Patch(':username')
  @ApiDoc({ summary: "Change a member's role", response: MemberView })
  update(
    @CurrentUser() user: UserPrincipal,
    @Param('name') project: string,
    @Param('username') username: string,
    @ValidBody(UpdateMemberBody) body: UpdateMemberBody,
  ): Promise<MemberView> {
    return this.members.update(user, project, username, body.role);
  }

  @Delete(':username')
  @ApiDoc({ summary: 'Remove a member from a project' })
  @HttpCode(204)
  remove(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @Param('username') username: string): Promise<void> {
    return this.members.remove(user, project, username);
  }
}
