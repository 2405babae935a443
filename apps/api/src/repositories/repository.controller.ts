import { Delete, Get, HttpCode, Param, Patch, Put } from '@nestjs/common';
import type { Principal, UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { CurrentPrincipal, CurrentUser, Public } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { RepositoryListQuery, RepositorySummary, RepositoryView, UpdateRepositoryBody } from './repository.dto';
import { RepositoryService } from './repository.service';
import { repositoryPath } from '../api/repository-path';

/**
 * Routes under `:name/repositories/*path/-/...`. Nest registers controllers in the order the module
 * lists them, and Express takes the first route that matches: this one must come before
 * ProjectRepositoryController, whose `*path` would otherwise take `app/-/star` for a repository name.
 */
@ConsoleController('projects')
export class RepositoryStarController {
  constructor(private readonly repositories: RepositoryService) {}

  @Put(':name/repositories/*path/-/star')
  @ApiDoc({ summary: 'Star a repository (again is a no-op)' })
  @HttpCode(204)
  add(@CurrentUser() user: UserPrincipal, @Param('name') name: string, @Param('path') path: string | string[]): Promise<void> {
    return this.repositories.star(user, name, repositoryPath(path), true);
  }

  @Delete(':name/repositories/*path/-/star')
  @ApiDoc({ summary: 'Unstar a repository (again is a no-op)' })
  @HttpCode(204)
  remove(@CurrentUser() user: UserPrincipal, @Param('name') name: string, @Param('path') path: string | string[]): Promise<void> {
    return this.repositories.star(user, name, repositoryPath(path), false);
  }
}

/** A project's repositories; a repository is named `<project>/<path>`, and hidden projects are 404 on every route. */
@ConsoleController('projects')
export class ProjectRepositoryController {
  constructor(private readonly repositories: RepositoryService) {}

  @Get(':name/repositories')
  @ApiDoc({ summary: "List a project's repositories", item: RepositorySummary })
  @Public()
  list(@CurrentPrincipal() principal: Principal, @Param('name') name: string, @ValidQuery(RepositoryListQuery) query: RepositoryListQuery): Promise<Page<RepositorySummary>> {
    return this.repositories.listInProject(principal, name, query);
  }

  // `*path` is the rest of the repository name, slashes included (team/app/api -> /projects/team/repositories/app/api): no double encoding needed.
  @Get(':name/repositories/*path')
  @ApiDoc({ summary: 'Get a repository, with its description and storage use', response: RepositoryView })
  @Public()
  get(@CurrentPrincipal() principal: Principal, @Param('name') name: string, @Param('path') path: string | string[]): Promise<RepositoryView> {
    return this.repositories.get(principal, name, repositoryPath(path));
  }

  @Patch(':name/repositories/*path')
  @ApiDoc({ summary: "Update a repository's description, or (system administrators) its badge", response: RepositoryView })
  update(
    @CurrentUser() user: UserPrincipal,
    @Param('name') name: string,
    @Param('path') path: string | string[],
    @ValidBody(UpdateRepositoryBody) body: UpdateRepositoryBody,
  ): Promise<RepositoryView> {
    return this.repositories.update(user, name, repositoryPath(path), body);
  }

  @Delete(':name/repositories/*path')
  @ApiDoc({ summary: 'Delete a repository with its manifests and tags (blobs are left for garbage collection)' })
  @HttpCode(204)
  delete(@CurrentUser() user: UserPrincipal, @Param('name') name: string, @Param('path') path: string | string[]): Promise<void> {
    return this.repositories.delete(user, name, repositoryPath(path));
  }
}

/** Repositories across every project the caller may see (public ones for anonymous callers, all of them for admins). */
@ConsoleController('repositories')
export class RepositoryController {
  constructor(private readonly repositories: RepositoryService) {}

  @Get()
  @ApiDoc({ summary: 'List the repositories of every project the caller can see', item: RepositorySummary })
  @Public()
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(RepositoryListQuery) query: RepositoryListQuery): Promise<Page<RepositorySummary>> {
    return this.repositories.listAll(principal, query);
  }
}
