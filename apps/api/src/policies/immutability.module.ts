import { Global, Module } from '@nestjs/common';
import { ImmutabilityService } from './immutability.service';
import { ImmutableRuleRepository } from './immutable-rule.repository';

/**
 * ImmutabilityService for whoever changes tags: registry pushes, console deletes, retention, project
 * deletion. It needs only the DataSource, and is global (like AuditModule) so that those modules ask it
 * without importing one another.
 */
@Global()
@Module({
  providers: [ImmutableRuleRepository, ImmutabilityService],
  exports: [ImmutabilityService, ImmutableRuleRepository],
})
export class ImmutabilityModule {}
