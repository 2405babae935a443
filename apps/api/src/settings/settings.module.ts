import { Module } from '@nestjs/common';
import { ConsoleAuthModule } from '../console-auth/console-auth.module';
import { SettingRepository } from './setting.repository';
import { SettingsController } from './settings.controller';
import { SettingsService } from './settings.service';

@Module({
  imports: [ConsoleAuthModule],
  controllers: [SettingsController],
  providers: [SettingRepository, SettingsService],
  exports: [SettingsService],
})
export class SettingsModule {}
