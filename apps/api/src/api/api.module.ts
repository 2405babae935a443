import { Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AccountModule } from '../account/account.module';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { AuditConsoleModule } from '../audit/audit-console.module';
import { DomainError } from '../common/domain-error';
import { GcModule } from '../gc/gc.module';
import { ImmutabilityModule } from '../policies/immutability.module';
import { PoliciesModule } from '../policies/policies.module';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { RobotConsoleModule } from '../robots/robot-console.module';
import { SearchModule } from '../search/search.module';
import { SettingsModule } from '../settings/settings.module';
import { SystemModule } from '../system/system.module';
import { ExportModule } from '../transfer/export.module';
import { TransferModule } from '../transfer/transfer.module';
import { UsersModule } from '../users/users.module';
import { sendApiError } from './json-body';
import { OpenApiController } from './openapi.controller';

/**
 * The console REST API under /api/v1: every module of it, and the 404 for paths it does not have.
 * Order matters once: ArtifactsModule's `repositories/*path/-/...` routes must be registered before
 * RepositoriesModule's `repositories/*path`, which would otherwise take them (test/console/artifacts.test.ts fails if not).
 */
@Module({
  imports: [
    DiscoveryModule,
    ConsoleAuthModule,
    AccountModule,
    UsersModule,
    SettingsModule,
    ProjectsModule,
    ArtifactsModule,
    ExportModule,
    TransferModule,
    RepositoriesModule,
    RobotConsoleModule,
    AuditConsoleModule,
    SystemModule,
    SearchModule,
    GcModule,
    ImmutabilityModule,
    PoliciesModule,
  ],
  controllers: [OpenApiController],
})
export class ApiModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Runs after the routes are registered and before Nest's own 404, which would answer outside the console's error shape. */
  onModuleInit(): void {
    this.adapterHost.httpAdapter.use('/api', (req: Request, res: Response) => {
      res.locals.route = '/api (unmatched)';
      sendApiError(DomainError.notFound(`no such API endpoint: ${req.method} ${req.originalUrl.split('?')[0].slice(0, 200)}`), req, res);
    });
  }
}
