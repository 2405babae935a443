import type { RegistryRoute } from '@berth/oci';
import type { Principal } from '../access/principal';
import type { AuditEvent } from '../audit/audit.repository';

/** The scope a /v2 request needs: the token action on a repository, or just a known caller. */
export type RequiredAccess = { kind: 'repository'; name: string; action: 'pull' | 'push' | 'delete' } | { kind: 'catalog' } | { kind: 'any' };

export function requiredAccess(route: RegistryRoute, method: string): RequiredAccess {
  switch (route.kind) {
    case 'base':
      return { kind: 'any' };
    case 'catalog':
      return { kind: 'catalog' };
    case 'tags':
    case 'referrers':
      return { kind: 'repository', name: route.name, action: 'pull' };
    case 'manifest':
    case 'blob':
      if (method === 'DELETE') return { kind: 'repository', name: route.name, action: 'delete' };
      if (method === 'PUT') return { kind: 'repository', name: route.name, action: 'push' };
      return { kind: 'repository', name: route.name, action: 'pull' };
    case 'uploads':
    case 'upload':
      return { kind: 'repository', name: route.name, action: 'push' };
  }
}

/**
 * What the guard learned about the caller, for the few handlers that need more than yes/no:
 * cross-repository mounts (may the caller pull the source?) and the catalog (what may it see?).
 */
export interface RegistryCaller {
  /** Who to name in the audit log, without a database lookup. */
  actor: Pick<AuditEvent, 'actor' | 'actorKind'>;
  /** Resolved lazily: a bearer token names its subject only. */
  principal(): Promise<Principal>;
  mayPull(repository: string): Promise<boolean>;
}

export const REGISTRY_CALLER = Symbol('berth.registryCaller');
export const REGISTRY_ROUTE = Symbol('berth.registryRoute');
