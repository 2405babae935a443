import { Module } from '@nestjs/common';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { JobsModule } from '../jobs/jobs.module';
import { ProjectsModule } from '../projects/projects.module';
import { RegistryModule } from '../registry/registry.module';
import { ImmutabilityModule } from './immutability.module';
import { ImmutableRuleController } from './immutable-rule.controller';
import { ImmutableRuleService } from './immutable-rule.service';
import { RetentionExecutor } from './retention-executor';
import { RetentionController } from './retention.controller';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';

/**
 * /api/v1/projects/:name/immutable-rules and /retention: the console side of tag immutability and tag
 * retention. ArtifactRepository is stateless, so this module has its own rather than reaching into ArtifactsModule.
 */
@Module({
  imports: [ConsoleAuthModule, AuthModule, ProjectsModule, RegistryModule, JobsModule, ImmutabilityModule],
  controllers: [ImmutableRuleController, RetentionController],
  providers: [ArtifactRepository, ImmutableRuleService, RetentionRepository, RetentionExecutor, RetentionService],
})
export class PoliciesModule {}
