import { Get, Patch } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
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
  get(): Promise<SystemSettings> {
    return this.settings.get();
  }

  @Patch()
  update(@CurrentUser() user: UserPrincipal, @ValidBody(UpdateSettingsBody) body: UpdateSettingsBody): Promise<SystemSettings> {
    return this.settings.update(user, body);
  }
}
