import { Injectable } from '@nestjs/common';
import { AccessEntry, projectOf } from '@berth/oci';
import { AccessService } from '../access/access.service';
import { permissionForAction } from '../access/permissions';
import { Principal } from '../access/principal';

/** What `*` on a repository stands for. */
const REPOSITORY_ACTIONS = ['pull', 'push', 'delete'] as const;

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
        // Everyone may ask for the catalog (and for search, which docker asks for before /v1/search): both list
        // only the repositories the caller can see.
        const actions = entry.actions.filter((a) => a === '*' || a === 'search');
        if (actions.length > 0) granted.push({ type: 'registry', name: 'catalog', actions });
        continue;
      }
      if (entry.type !== 'repository') continue;
      const actions = new Set<string>();
      const allowed = async (action: string) => {
        const permission = permissionForAction(action);
        return permission !== undefined && (await this.access.decide(principal, projectOf(entry.name), permission)).outcome === 'allow';
      };
      for (const action of entry.actions) {
        if (action === '*') {
          // The registry honours `*` as every action, so only who may do them all gets it; anyone else gets
          // the ones it may take (a robot with pull and delete must not push with a `*` token).
          const each: string[] = [];
          for (const a of REPOSITORY_ACTIONS) if (await allowed(a)) each.push(a);
          if (each.length === REPOSITORY_ACTIONS.length) actions.add('*');
          else each.forEach((a) => actions.add(a));
        } else if (await allowed(action)) actions.add(action);
      }
      if (actions.size > 0) granted.push({ type: 'repository', name: entry.name, actions: [...actions] });
    }
    return granted;
  }
}
