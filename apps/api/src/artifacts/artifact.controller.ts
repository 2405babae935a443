import { Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Principal, UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { repositoryPath } from '../api/repository-path';
import { ConsoleController } from '../api/console-controller';
import { CurrentPrincipal, CurrentUser, Public } from '../api/route-access';
import { PageQuery } from '../api/pagination';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import {
  AddTagBody,
  ArtifactChild,
  ArtifactDeletion,
  ArtifactDetail,
  ArtifactListQuery,
  ArtifactSummary,
  ChildPage,
  TagAdded,
  TagListQuery,
  TagPage,
} from './artifact.dto';
import { ArtifactService } from './artifact.service';

/**
 * A repository's artifacts and tags. The repository name keeps its slashes and ends at the `/-/`
 * separator (`-` can never be a name component, the scheme GitLab uses):
 * `/api/v1/projects/team/repositories/app/api/-/tags` is repository `team/app/api`.
 * Registered before the repository routes, whose `*path` would otherwise take these paths.
 */
@ConsoleController('projects')
export class ArtifactController {
  constructor(private readonly artifacts: ArtifactService) {}

  @Get(':name/repositories/*path/-/artifacts')
  @ApiDoc({ summary: "List a repository's artifacts (images, indexes, charts, signatures, SBOMs)", item: ArtifactSummary })
  @Public()
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('path') path: string | string[],
    @ValidQuery(ArtifactListQuery) query: ArtifactListQuery,
  ): Promise<{ items: ArtifactSummary[]; total: number; page: number; pageSize: number }> {
    return this.artifacts.list(principal, name, repositoryPath(path), query);
  }

  @Get(':name/repositories/*path/-/artifacts/:reference')
  @ApiDoc({ summary: 'Get an artifact by digest or tag: manifest, config, layers, annotations, platforms, referrers', response: ArtifactDetail })
  @Public()
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('path') path: string | string[],
    @Param('reference') reference: string,
  ): Promise<ArtifactDetail> {
    return this.artifacts.get(principal, name, repositoryPath(path), reference);
  }

  @Get(':name/repositories/*path/-/artifacts/:reference/children')
  @ApiDoc({ summary: "Page through an index's children (platforms, attestations) in index order; the artifact itself carries the first 100", item: ArtifactChild })
  @Public()
  children(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('path') path: string | string[],
    @Param('reference') reference: string,
    @ValidQuery(PageQuery) query: PageQuery,
  ): Promise<ChildPage> {
    return this.artifacts.children(principal, name, repositoryPath(path), reference, query);
  }

  @Delete(':name/repositories/*path/-/artifacts/:reference')
  @ApiDoc({ summary: 'Delete an artifact by digest, with its tags, the index children only it used, and its referrers', response: ArtifactDeletion })
  delete(
    @CurrentUser() user: UserPrincipal,
    @Param('name') name: string,
    @Param('path') path: string | string[],
    @Param('reference') reference: string,
  ): Promise<ArtifactDeletion> {
    return this.artifacts.delete(user, name, repositoryPath(path), reference);
  }

  @Post(':name/repositories/*path/-/artifacts/:reference/tags')
  @ApiDoc({ summary: 'Add a tag to an artifact (201 when created, 200 when it was already there)', response: TagAdded })
  async addTag(
    @CurrentUser() user: UserPrincipal,
    @Param('name') name: string,
    @Param('path') path: string | string[],
    @Param('reference') reference: string,
    @ValidBody(AddTagBody) body: AddTagBody,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TagAdded> {
    const result = await this.artifacts.addTag(user, name, repositoryPath(path), reference, body.name);
    if (!result.created) res.status(200);
    return result;
  }

  @Get(':name/repositories/*path/-/tags')
  @ApiDoc({ summary: "List a repository's tags: filter by name or variant, sort by version or date", response: TagPage })
  @Public()
  listTags(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('path') path: string | string[],
    @ValidQuery(TagListQuery) query: TagListQuery,
  ): Promise<TagPage> {
    return this.artifacts.listTags(principal, name, repositoryPath(path), query);
  }

  @Delete(':name/repositories/*path/-/tags/:tag')
  @ApiDoc({ summary: 'Delete one tag (the artifact and its other tags stay)' })
  @HttpCode(204)
  deleteTag(@CurrentUser() user: UserPrincipal, @Param('name') name: string, @Param('path') path: string | string[], @Param('tag') tag: string): Promise<void> {
    return this.artifacts.deleteTag(user, name, repositoryPath(path), tag);
  }
}
