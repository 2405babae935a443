import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { DockerSearchAuthGuard } from './docker-search-auth.guard';
import { DockerSearchController } from './docker-search.controller';
import { SearchController } from './search.controller';
import { SearchRepository } from './search.repository';
import { SearchService } from './search.service';

/** /api/v1/search, and /v1/search for docker and podman. */
@Module({
  imports: [ConsoleAuthModule, AuthModule],
  controllers: [SearchController, DockerSearchController],
  providers: [SearchRepository, SearchService, DockerSearchAuthGuard],
})
export class SearchModule {}
