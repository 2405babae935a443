import { Injectable } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { DomainError } from '../common/domain-error';
import { offsetOf, Page } from '../common/paging';
import { ProjectAccessService } from '../projects/project-access.service';
import type { AuditQuery } from './audit.dto';
import type { AuditRow } from './audit.repository';
import { AuditService } from './audit.service';

/** Reading the audit log: all of it for system admins, one project's events with read_audit there. */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly audit: AuditService,
    private readonly access: ProjectAccessService,
  ) {}

  async all(principal: UserPrincipal, query: AuditQuery): Promise<Page<AuditRow>> {
    if (!principal.isAdmin) throw DomainError.forbidden('only system administrators may read the whole audit log');
    return this.page(undefined, query);
  }

  async ofProject(principal: UserPrincipal, projectName: string, query: AuditQuery): Promise<Page<AuditRow>> {
    const project = await this.access.require(principal, projectName, 'read_audit');
    return this.page(project.id, query);
  }

  private async page(projectId: string | undefined, query: AuditQuery): Promise<Page<AuditRow>> {
    const { items, total } = await this.audit.query({ projectId, actor: query.actor, action: query.action, offset: offsetOf(query), limit: query.pageSize });
    return { items, total, page: query.page, pageSize: query.pageSize };
  }
}
