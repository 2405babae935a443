import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { RegistryModule } from '../registry/registry.module';
import { ExportController } from './export.controller';
import { ExportService } from './export.service';
import { ExportWriter } from './export-writer';

/** Archive downloads: GET …/-/artifacts/<reference>/archive, GET and POST /api/v1/exports. */
@Module({
  imports: [ConsoleAuthModule, AuthModule, ProjectsModule, RegistryModule],
  controllers: [ExportController],
  providers: [ExportService, ExportWriter],
})
export class ExportModule {}
