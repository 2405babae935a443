import { Get, Param } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { AdminOnly, CurrentUser } from '../api/route-access';
import { ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { AuditQuery } from './audit.dto';
import { AuditLogService } from './audit-log.service';
import { AuditRow } from './audit.repository';

@ConsoleController('')
export class AuditController {
  constructor(private readonly log: AuditLogService) {}

  @Get('audit')
  @ApiDoc({ summary: 'List the audit log of the whole system', item: AuditRow })
  @AdminOnly()
  all(@CurrentUser() admin: UserPrincipal, @ValidQuery(AuditQuery) query: AuditQuery): Promise<Page<AuditRow>> {
    return this.log.all(admin, query);
  }

  @Get('projects/:name/audit')
  @ApiDoc({ summary: "List a project's audit log", item: AuditRow })
  ofProject(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidQuery(AuditQuery) query: AuditQuery): Promise<Page<AuditRow>> {
    return this.log.ofProject(user, project, query);
  }
}
