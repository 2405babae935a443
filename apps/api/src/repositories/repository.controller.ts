import { Delete, Get, HttpCode, Param, Patch } from '@nestjs/common';
import type { Principal, UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { CurrentPrincipal, CurrentUser, Public } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { RepositoryListQuery, UpdateRepositoryBody } from './repository.dto';
import type { RepositorySummary, RepositoryView } from './repository.repository';
import { RepositoryService } from './repository.service';

/** Express 5 hands a `*path` wildcard over as its decoded segments. */
function joined(path: string | string[]): string {
  return [path].flat().join('/');
}

/** A project's repositories; a repository is named `<project>/<path>`, and hidden projects are 404 on every route. */
@ConsoleController('projects')
export class ProjectRepositoryController {
  constructor(private readonly repositories: RepositoryService) {}

  @Get(':name/repositories')
  @ApiDoc({ summary: "List a project's repositories" })
  @Public()
  list(@CurrentPrincipal() principal: Principal, @Param('name') name: string, @ValidQuery(RepositoryListQuery) query: RepositoryListQuery): Promise<Page<RepositorySummary>> {
    return this.repositories.listInProject(principal, name, query);
  }

  // `*path` is the rest of the repository name, slashes included (team/app/api -> /projects/team/repositories/app/api): no double encoding needed.
  @Get(':name/repositories/*path')
  @ApiDoc({ summary: 'Get a repository, with its description' })
  @Public()
  get(@CurrentPrincipal() principal: Principal, @Param('name') name: string, @Param('path') path: string | string[]): Promise<RepositoryView> {
    return this.repositories.get(principal, name, joined(path));
  }

  @Patch(':name/repositories/*path')
  @ApiDoc({ summary: "Update a repository's description" })
  update(
    @CurrentUser() user: UserPrincipal,
    @Param('name') name: string,
    @Param('path') path: string | string[],
    @ValidBody(UpdateRepositoryBody) body: UpdateRepositoryBody,
  ): Promise<RepositoryView> {
    return this.repositories.update(user, name, joined(path), body);
  }

  @Delete(':name/repositories/*path')
  @ApiDoc({ summary: 'Delete a repository with its manifests and tags (blobs are left for garbage collection)' })
  @HttpCode(204)
  delete(@CurrentUser() user: UserPrincipal, @Param('name') name: string, @Param('path') path: string | string[]): Promise<void> {
    return this.repositories.delete(user, name, joined(path));
  }
}

/** Repositories across every project the caller may see (public ones for anonymous callers, all of them for admins). */
@ConsoleController('repositories')
export class RepositoryController {
  constructor(private readonly repositories: RepositoryService) {}

  @Get()
  @ApiDoc({ summary: 'List the repositories of every project the caller can see' })
  @Public()
  list(@CurrentPrincipal() principal: Principal, @ValidQuery(RepositoryListQuery) query: RepositoryListQuery): Promise<Page<RepositorySummary>> {
    return this.repositories.listAll(principal, query);
  }
}
