import { Injectable } from '@nestjs/common';
import { AccessEntry, projectOf } from '@berth/oci';
import { AccessService } from '../access/access.service';
import { permissionForAction } from '../access/permissions';
import { Principal } from '../access/principal';

/**
 * Which of the requested registry scopes a principal gets: for each repository action, the same
 * AccessService verdict the console uses. Actions it may not take are left out of the token (the
 * token endpoint never fails for lack of rights; the registry then refuses the request), as the
 * Docker token spec asks.
 */
@Injectable()
export class TokenGrantService {
  constructor(private readonly access: AccessService) {}

  async grant(principal: Principal, requested: AccessEntry[]): Promise<AccessEntry[]> {
    const granted: AccessEntry[] = [];
    for (const entry of requested) {
      if (entry.type === 'registry' && entry.name === 'catalog') {
        // Everyone may ask for the catalog; the registry lists only the repositories the caller can see.
        if (entry.actions.includes('*')) granted.push({ type: 'registry', name: 'catalog', actions: ['*'] });
        continue;
      }
      if (entry.type !== 'repository') continue;
      const actions: string[] = [];
      for (const action of entry.actions) {
        const permission = permissionForAction(action);
        if (!permission) continue;
        const verdict = await this.access.decide(principal, projectOf(entry.name), permission);
        if (verdict.outcome === 'allow') actions.push(action);
      }
      if (actions.length > 0) granted.push({ type: 'repository', name: entry.name, actions });
    }
    return granted;
  }
}
