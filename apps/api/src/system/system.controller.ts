import { Get } from '@nestjs/common';
import type { Principal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { CurrentPrincipal, Public } from '../api/route-access';
import { CurrentOrigin, RequestOrigin } from './request-origin';
import { Statistics, SystemInfo } from './system.dto';
import { SystemService } from './system.service';

/** About this Berth: open to anyone, since the login page and `docker login` need it first. */
@ConsoleController('system')
export class SystemController {
  constructor(private readonly system: SystemService) {}

  @Get('info')
  @ApiDoc({ summary: 'Version, public URL, registry host, and how users sign up and in', response: SystemInfo })
  @Public()
  info(@CurrentOrigin() origin: RequestOrigin): Promise<SystemInfo> {
    return this.system.info(origin);
  }
}

/** Totals over what the caller can see: public projects for anonymous callers, everything for admins. */
@ConsoleController('statistics')
export class StatisticsController {
  constructor(private readonly system: SystemService) {}

  @Get()
  @ApiDoc({ summary: 'Projects, repositories and storage the caller can see', response: Statistics })
  @Public()
  get(@CurrentPrincipal() principal: Principal): Promise<Statistics> {
    return this.system.totals(principal);
  }
}
