import { Module } from '@nestjs/common';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { ProjectsModule } from '../projects/projects.module';
import { SettingsModule } from '../settings/settings.module';
import { StatisticsRepository } from './statistics.repository';
import { StatisticsController, SystemController } from './system.controller';
import { SystemService } from './system.service';

/** /api/v1/system/info and /api/v1/statistics. */
@Module({
  imports: [ConsoleAuthModule, SettingsModule, ProjectsModule],
  controllers: [SystemController, StatisticsController],
  providers: [StatisticsRepository, SystemService],
})
export class SystemModule {}
