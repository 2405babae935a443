import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { RegistryModule } from '../registry/registry.module';
import { ProjectRepositoryController, RepositoryController } from './repository.controller';
import { RepositoryRepository } from './repository.repository';
import { RepositoryService } from './repository.service';

/** /api/v1/projects/:name/repositories and /api/v1/repositories. */
@Module({
  imports: [ConsoleAuthModule, AuthModule, ProjectsModule, RegistryModule],
  controllers: [ProjectRepositoryController, RepositoryController],
  providers: [RepositoryRepository, RepositoryService],
})
export class RepositoriesModule {}
