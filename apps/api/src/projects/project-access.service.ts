import { Injectable } from '@nestjs/common';
import type { ProjectAccessRow } from '../access/access.repository';
import { AccessService } from '../access/access.service';
import type { Permission } from '../access/permissions';
import type { Principal } from '../access/principal';
import { DomainError } from '../common/domain-error';

/**
 * AccessService's verdict as the console answers it: a project the caller may not see is NOT_FOUND
 * (never FORBIDDEN, so private names do not leak); a visible one the caller may not act on is
 * FORBIDDEN, or UNAUTHORIZED for anonymous callers, who might be allowed once logged in.
 */
@Injectable()
export class ProjectAccessService {
  constructor(private readonly access: AccessService) {}

  async require(principal: Principal, projectName: string, permission: Permission): Promise<ProjectAccessRow> {
    const verdict = await this.access.decide(principal, projectName, permission);
    switch (verdict.outcome) {
      case 'allow':
        return verdict.project;
      case 'hidden':
        throw projectNotFound(projectName);
      case 'deny':
        if (principal.kind === 'anonymous') throw DomainError.unauthorized('authentication required');
        throw DomainError.forbidden(verdict.reason);
    }
  }
}

export function projectNotFound(name: string): DomainError {
  return DomainError.notFound(`project "${name.slice(0, 255)}" not found`);
}
