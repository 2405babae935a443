import { isValidRepositoryName } from './names';

/**
 * One resource and the actions granted (or requested) on it: a token's `access` claim entry and the
 * parsed form of a `scope` parameter. `class` is the optional resource class of `repository(plugin)`.
 */
export interface AccessEntry {
  type: string;
  class?: string;
  name: string;
  actions: string[];
}

// resourcetype [ "(" resourceclass ")" ], both lowercase alphanumerics, per distribution's scope grammar.
const RESOURCE_TYPE = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;
// `*` is what docker asks for on `registry:catalog:*`; everything else is a plain lowercase word.
const ACTION = /^(?:[a-z]+|\*)$/;

/**
 * Parses one `type[(class)]:name:action[,action]*` scope. Returns undefined for anything malformed, so the
 * token endpoint can ignore it as distribution does instead of failing the whole request.
 */
export function parseScope(scope: string): AccessEntry | undefined {
  if (typeof scope !== 'string') return undefined;
  // Names never hold ':' (no host part in scope names), so the first and last colons are the separators.
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;

  const type = RESOURCE_TYPE.exec(scope.slice(0, first));
  if (type === null) return undefined;
  const name = scope.slice(first + 1, last);
  if (!isValidRepositoryName(name)) return undefined;

  const actions: string[] = [];
  for (const action of scope.slice(last + 1).split(',')) {
    if (action === '') continue;
    if (!ACTION.test(action)) return undefined;
    if (!actions.includes(action)) actions.push(action);
  }
  if (actions.length === 0) return undefined;

  const entry: AccessEntry = { type: type[1], name, actions };
  if (type[2] !== undefined) entry.class = type[2];
  return entry;
}

/**
 * Parses every `scope` value of a token request: docker repeats the parameter, other clients send one value
 * with space-separated scopes. Invalid scopes are dropped; one resource asked for twice gets one entry with
 * the union of its actions, in first-seen order.
 */
export function parseScopes(values: readonly string[]): AccessEntry[] {
  const byResource = new Map<string, AccessEntry>();
  for (const value of values) {
    if (typeof value !== 'string') continue;
    for (const part of value.split(/\s+/)) {
      const entry = parseScope(part);
      if (entry === undefined) continue;
      const key = resourceKey(entry);
      const seen = byResource.get(key);
      if (seen === undefined) {
        byResource.set(key, entry);
        continue;
      }
      for (const action of entry.actions) {
        if (!seen.actions.includes(action)) seen.actions.push(action);
      }
    }
  }
  return [...byResource.values()];
}

/** The scope string for a WWW-Authenticate challenge or a token request: the inverse of parseScope. */
export function formatScope(access: AccessEntry): string {
  const type = access.class === undefined ? access.type : `${access.type}(${access.class})`;
  return `${type}:${access.name}:${access.actions.join(',')}`;
}

function resourceKey(entry: AccessEntry): string {
  // ':' cannot occur inside any part, so the joined string is unambiguous.
  return `${entry.type}:${entry.class ?? ''}:${entry.name}`;
}
