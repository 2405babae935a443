import { Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { PageQuery } from '../api/pagination';
import { CurrentUser } from '../api/route-access';
import { ValidBody, ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { RetentionPolicyBody, RetentionPolicyView, RetentionRunDetail, RetentionRunView, StartRetentionRunBody } from './retention.dto';
import { RetentionService } from './retention.service';

/** A project's tag retention policy and its runs: read with pull, changed and run with manage_policies. */
@ConsoleController('projects/:name/retention')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Get()
  @ApiDoc({ summary: "Get a project's tag retention policy and when its schedule runs next", response: RetentionPolicyView })
  get(@CurrentUser() user: UserPrincipal, @Param('name') project: string): Promise<RetentionPolicyView> {
    return this.retention.getPolicy(user, project);
  }

  @Put()
  @ApiDoc({ summary: "Replace a project's tag retention policy (at most 50 rules) and its cron schedule", response: RetentionPolicyView })
  put(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidBody(RetentionPolicyBody) body: RetentionPolicyBody): Promise<RetentionPolicyView> {
    return this.retention.putPolicy(user, project, body);
  }

  @Post('runs')
  @ApiDoc({ summary: 'Start a retention run, or a dry run that deletes nothing (202: it runs in the background)', response: RetentionRunView })
  @HttpCode(202)
  start(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidBody(StartRetentionRunBody) body: StartRetentionRunBody): Promise<RetentionRunView> {
    return this.retention.startRun(user, project, body);
  }

  @Get('runs')
  @ApiDoc({ summary: "List a project's retention runs, newest first", item: RetentionRunView })
  listRuns(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidQuery(PageQuery) query: PageQuery): Promise<Page<RetentionRunView>> {
    return this.retention.listRuns(user, project, query);
  }

  @Get('runs/:id')
  @ApiDoc({ summary: 'Get a retention run: what it deleted (or would), by repository, and its errors', response: RetentionRunDetail })
  getRun(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @Param('id') id: string): Promise<RetentionRunDetail> {
    return this.retention.getRun(user, project, id);
  }
}
