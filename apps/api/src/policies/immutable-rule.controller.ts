import { Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { PageQuery } from '../api/pagination';
import { CurrentUser } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { ImmutableRuleBody, ImmutableRuleView } from './immutable-rule.dto';
import { ImmutableRuleService } from './immutable-rule.service';

/** A project's tag immutability rules: read with pull, changed with manage_policies. */
@ConsoleController('projects/:name/immutable-rules')
export class ImmutableRuleController {
  constructor(private readonly rules: ImmutableRuleService) {}

  @Get()
  @ApiDoc({ summary: "List a project's tag immutability rules", item: ImmutableRuleView })
  list(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidQuery(PageQuery) query: PageQuery): Promise<Page<ImmutableRuleView>> {
    return this.rules.list(user, project, query);
  }

  @Post()
  @ApiDoc({ summary: 'Add a tag immutability rule (at most 15 per project)', response: ImmutableRuleView })
  create(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidBody(ImmutableRuleBody) body: ImmutableRuleBody): Promise<ImmutableRuleView> {
    return this.rules.create(user, project, body);
  }

  @Put(':id')
  @ApiDoc({ summary: 'Replace a tag immutability rule', response: ImmutableRuleView })
  update(
    @CurrentUser() user: UserPrincipal,
    @Param('name') project: string,
    @Param('id') id: string,
    @ValidBody(ImmutableRuleBody) body: ImmutableRuleBody,
  ): Promise<ImmutableRuleView> {
    return this.rules.update(user, project, id, body);
  }

  @Delete(':id')
  @ApiDoc({ summary: 'Delete a tag immutability rule' })
  @HttpCode(204)
  delete(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @Param('id') id: string): Promise<void> {
    return this.rules.delete(user, project, id);
  }
}
