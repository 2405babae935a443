import { Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import type { Principal, UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { CurrentPrincipal, CurrentUser, Public } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { CreateProjectBody, DeleteProjectQuery, ProjectDetail, ProjectListQuery, ProjectView, UpdateProjectBody } from './project.dto';
import { ProjectService } from './project.service';

/** Projects. Reading is open to anonymous callers (public projects only); a hidden project is 404 on every route. */
@ConsoleController('projects')
export class ProjectController {
  constructor(private readonly projects: ProjectService) {}

  @Get()
  @ApiDoc({ summary: 'List the projects the caller can see', item: ProjectView })
  @Public()
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(ProjectListQuery) query: ProjectListQuery): Promise<Page<ProjectView>> {
    return this.projects.list(principal, query);
  }

  @Post()
  @ApiDoc({ summary: 'Create a project', response: ProjectView })
  create(@CurrentUser() user: UserPrincipal, @ValidBody(CreateProjectBody) body: CreateProjectBody): Promise<ProjectView> {
    return this.projects.create(user, body);
  }

  @Get(':name')
  @ApiDoc({ summary: 'Get a project, with what is in it and who works on it', response: ProjectDetail })
  @Public()
  get(@CurrentPrincipal() principal: Principal, @Param('name') name: string): Promise<ProjectDetail> {
    return this.projects.get(principal, name);
  }

  @Patch(':name')
  @ApiDoc({ summary: 'Update a project (quota and badge: system administrators only)', response: ProjectView })
  update(@CurrentUser() user: UserPrincipal, @Param('name') name: string, @ValidBody(UpdateProjectBody) body: UpdateProjectBody): Promise<ProjectView> {
    return this.projects.update(user, name, body);
  }

  @Delete(':name')
  @ApiDoc({ summary: 'Delete a project (force: with its repositories)' })
  @HttpCode(204)
  delete(@CurrentUser() user: UserPrincipal, @Param('name') name: string, @ValidQuery(DeleteProjectQuery) query: DeleteProjectQuery): Promise<void> {
    return this.projects.delete(user, name, query.force);
  }
}
