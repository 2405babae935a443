import { Module } from '@nestjs/common';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { AuditLogService } from './audit-log.service';
import { AuditController } from './audit.controller';

/** /api/v1/audit and /api/v1/projects/:name/audit. Recording is AuditModule's (global). */
@Module({
  imports: [ConsoleAuthModule, ProjectsModule],
  controllers: [AuditController],
  providers: [AuditLogService],
})
export class AuditConsoleModule {}
