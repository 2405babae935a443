import { Get, Param } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ConsoleController } from '../api/console-controller';
import { AdminOnly, CurrentUser } from '../api/route-access';
import { ValidQuery } from '../api/zod-validation.pipe';
import type { Page } from '../common/paging';
import { AuditQuery } from './audit.dto';
import { AuditLogService } from './audit-log.service';
import type { AuditRow } from './audit.repository';

@ConsoleController('')
export class AuditController {
  constructor(private readonly log: AuditLogService) {}

  @Get('audit')
  @AdminOnly()
  all(@CurrentUser() admin: UserPrincipal, @ValidQuery(AuditQuery) query: AuditQuery): Promise<Page<AuditRow>> {
    return this.log.all(admin, query);
  }

  @Get('projects/:name/audit')
  ofProject(@CurrentUser() user: UserPrincipal, @Param('name') project: string, @ValidQuery(AuditQuery) query: AuditQuery): Promise<Page<AuditRow>> {
    return this.log.ofProject(user, project, query);
  }
}
