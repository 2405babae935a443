import { Get, Patch } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { AdminOnly, CurrentUser } from '../api/route-access';
import { ValidBody } from '../api/zod-validation.pipe';
import { SystemSettings, UpdateSettingsBody } from './settings.dto';
import { SettingsService } from './settings.service';

@ConsoleController('settings')
@AdminOnly()
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiDoc({ summary: 'Get the system settings', response: SystemSettings })
  get(): Promise<SystemSettings> {
    return this.settings.get();
  }

  @Patch()
  @ApiDoc({ summary: 'Update the system settings', response: SystemSettings })
  update(@CurrentUser() user: UserPrincipal, @ValidBody(UpdateSettingsBody) body: UpdateSettingsBody): Promise<SystemSettings> {
    return this.settings.update(user, body);
  }
}
