import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../access/principal';
import { viewerOf } from '../access/visibility';
import { BERTH_CONFIG, BerthConfig } from '../config/config';
import { publicBaseUrl } from '../config/public-url';
import { StorageTotalsCache } from './storage-totals-cache';
import { SettingsService } from '../settings/settings.service';
import type { RequestOrigin } from './request-origin';
import { StatisticsRepository } from './statistics.repository';
import type { Statistics, SystemInfo } from './system.dto';
import { berthVersion } from './version';

/** What this Berth is and how to reach it, and totals over what the caller can see. */
@Injectable()
export class SystemService {
  constructor(
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
    private readonly settings: SettingsService,
    private readonly statistics: StatisticsRepository,
    private readonly storage: StorageTotalsCache,
  ) {}

  async info(origin: RequestOrigin): Promise<SystemInfo> {
    const settings = await this.settings.get();
    // The base the registry's token realm is built from, so `docker login <registryHost>` reaches the Berth that answered.
    const publicUrl = publicBaseUrl(this.config, origin.protocol, origin.host);
    return {
      version: berthVersion(),
      publicUrl: publicUrl.href.replace(/\/+$/, ''),
      registryHost: publicUrl.host,
      selfRegistration: settings.self_registration,
      projectCreation: settings.project_creation,
      authMode: 'database',
    };
  }

  /** Over what the caller can see: public projects for anonymous callers, plus their own for users, all for admins. */
  async totals(principal: Principal): Promise<Statistics> {
    const { names, ...counts } = await this.statistics.totals(viewerOf(principal));
    const storageBytes = names.length ? await this.storage.ofSet(names, () => this.statistics.storage(names)) : 0;
    return { ...counts, storageBytes };
  }
}
