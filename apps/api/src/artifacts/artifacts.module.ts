import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { RegistryModule } from '../registry/registry.module';
import { ArtifactController } from './artifact.controller';
import { ArtifactRepository } from './artifact.repository';
import { ArtifactService } from './artifact.service';

/** /api/v1/projects/:name/repositories/<path>/-/artifacts and /-/tags. */
@Module({
  imports: [ConsoleAuthModule, AuthModule, ProjectsModule, RegistryModule],
  controllers: [ArtifactController],
  providers: [ArtifactRepository, ArtifactService],
})
export class ArtifactsModule {}
