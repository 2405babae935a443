import { Module } from '@nestjs/common';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { RegistryModule } from '../registry/registry.module';
import { SettingsModule } from '../settings/settings.module';
import { StatisticsRepository } from './statistics.repository';
import { StatisticsController, SystemController } from './system.controller';
import { SystemService } from './system.service';
import { StorageTotalsCache } from './storage-totals-cache';

/** /api/v1/system/info and /api/v1/statistics. */
@Module({
  imports: [ConsoleAuthModule, SettingsModule, ProjectsModule, RegistryModule],
  controllers: [SystemController, StatisticsController],
  providers: [StatisticsRepository, SystemService, StorageTotalsCache],
})
export class SystemModule {}
