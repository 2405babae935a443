import { Injectable } from '@nestjs/common';
import type { UserPrincipal } from '../access/principal';
import { AuditService, actorOf } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { SettingRepository } from './setting.repository';
import { SystemSettings, UpdateSettingsBody } from './settings.dto';

/** What a fresh install does, and what a missing or unreadable stored value falls back to. */
export const DEFAULT_SETTINGS: Readonly<SystemSettings> = Object.freeze({ self_registration: false, project_creation: 'admins' });

/** System-wide switches, read on use (so every replica sees a change at once) and changed by admins. */
@Injectable()
export class SettingsService {
  constructor(
    private readonly settings: SettingRepository,
    private readonly audit: AuditService,
  ) {}

  async get(): Promise<SystemSettings> {
    const stored = await this.settings.all();
    const current: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof SystemSettings)[]) {
      const field = SystemSettings.shape[key].safeParse(stored[key]);
      if (field.success) current[key] = field.data;
    }
    return current as SystemSettings;
  }

  async update(actor: UserPrincipal, changes: UpdateSettingsBody): Promise<SystemSettings> {
    if (!actor.isAdmin) throw DomainError.forbidden('only system administrators may change settings');
    const before = await this.get();
    await this.settings.setMany(changes);
    const after = await this.get();
    await this.audit.recordNow({
      ...actorOf(actor),
      action: 'settings.update',
      resource: 'settings',
      success: true,
      details: { before: pick(before, changes), after: pick(after, changes) },
    });
    return after;
  }
}

function pick(settings: SystemSettings, keys: object): Partial<SystemSettings> {
  return Object.fromEntries(Object.keys(keys).map((k) => [k, settings[k as keyof SystemSettings]]));
}
