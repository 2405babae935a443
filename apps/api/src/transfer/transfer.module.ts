import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { RegistryModule } from '../registry/registry.module';
import { ImportController } from './import.controller';
import { ImportCommitter } from './import-committer';
import { ImportJobRepository } from './import-job.repository';
import { ImportService } from './import.service';

/** Archive imports: POST/GET /api/v1/projects/:name/imports (docs/design/offline-transfer.md). */
@Module({
  imports: [ConsoleAuthModule, AuthModule, ProjectsModule, RegistryModule],
  controllers: [ImportController],
  providers: [ImportJobRepository, ImportCommitter, ImportService],
})
export class TransferModule {}
