import { Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { AdminOnly, CurrentUser } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { RobotAdminService } from './robot-admin.service';
import { CreateRobotBody, RobotListQuery, UpdateRobotBody } from './robot.dto';
import { RobotView, RobotWithSecret } from './robot.service';

/** A project's robot accounts (manage_robots). */
@ConsoleController('projects/:name/robots')
export class ProjectRobotController {
  constructor(private readonly robots: RobotAdminService) {}

  @Get()
  @ApiDoc({ summary: "List a project's robot accounts", item: RobotView })
  list(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidQuery(RobotListQuery) query: RobotListQuery): Promise<Page<RobotView>> {
    return this.robots.list(user, project, query);
  }

  @Post()
  @ApiDoc({ summary: 'Create a project robot (the secret is shown once)', response: RobotWithSecret })
  create(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidBody(CreateRobotBody) body: CreateRobotBody): Promise<RobotWithSecret> {
    return this.robots.create(user, project, body);
  }

  @Patch(':id')
  @ApiDoc({ summary: 'Update a project robot', response: RobotView })
  update(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @Param('id') id: string, @ValidBody(UpdateRobotBody) body: UpdateRobotBody): Promise<RobotView> {
    return this.robots.update(user, project, id, body);
  }

  @Post(':id/rotate')
  @ApiDoc({ summary: "Rotate a project robot's secret (the new secret is shown once)", response: RobotWithSecret })
  @HttpCode(200)
  rotate(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @Param('id') id: string): Promise<RobotWithSecret> {
    return this.robots.rotate(user, project, id);
  }

  @Delete(':id')
  @ApiDoc({ summary: 'Delete a project robot' })
  @HttpCode(204)
  delete(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @Param('id') id: string): Promise<void> {
    return this.robots.delete(user, project, id);
  }
}

/** System robots: access to every project, managed by system administrators. */
@ConsoleController('robots')
@AdminOnly()
export class SystemRobotController {
  constructor(private readonly robots: RobotAdminService) {}

  @Get()
  @ApiDoc({ summary: 'List system robot accounts', item: RobotView })
  list(@CurrentUser() admin: UserPrincipal, @ValidQuery(RobotListQuery) query: RobotListQuery): Promise<Page<RobotView>> {
    return this.robots.list(admin, undefined, query);
  }

  @Post()
  @ApiDoc({ summary: 'Create a system robot (the secret is shown once)', response: RobotWithSecret })
  create(@CurrentUser() admin: UserPrincipal, @ValidBody(CreateRobotBody) body: CreateRobotBody): Promise<RobotWithSecret> {
    return this.robots.create(admin, undefined, body);
  }

  @Patch(':id')
  @ApiDoc({ summary: 'Update a system robot', response: RobotView })
  update(@CurrentUser() admin: UserPrincipal, @Param('id') id: string, @ValidBody(UpdateRobotBody) body: UpdateRobotBody): Promise<RobotView> {
    return this.robots.update(admin, undefined, id, body);
  }

  @Post(':id/rotate')
  @ApiDoc({ summary: "Rotate a system robot's secret (the new secret is shown once)", response: RobotWithSecret })
  @HttpCode(200)
  rotate(@CurrentUser() admin: UserPrincipal, @Param('id') id: string): Promise<RobotWithSecret> {
    return this.robots.rotate(admin, undefined, id);
  }

  @Delete(':id')
  @ApiDoc({ summary: 'Delete a system robot' })
  @HttpCode(204)
  delete(@CurrentUser() admin: UserPrincipal, @Param('id') id: string): Promise<void> {
    return this.robots.delete(admin, undefined, id);
  }
}
