import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { RegistryModule } from '../registry/registry.module';
import { ProjectRepositoryController, RepositoryController, RepositoryStarController } from './repository.controller';
import { RepositoryRepository } from './repository.repository';
import { RepositoryService } from './repository.service';

/**
 * /api/v1/projects/:name/repositories and /api/v1/repositories. Controllers register in this order: the
 * `.../*path/-/...` routes before the generic `.../*path` ones (see RepositoryStarController).
 */
@Module({
  imports: [ConsoleAuthModule, AuthModule, ProjectsModule, RegistryModule],
  controllers: [RepositoryStarController, ProjectRepositoryController, RepositoryController],
  providers: [RepositoryRepository, RepositoryService],
})
export class RepositoriesModule {}
