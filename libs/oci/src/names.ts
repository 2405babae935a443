import { parseDigest } from './digest';
import { RegistryError } from './errors';

export const MAX_REPOSITORY_NAME_LENGTH = 255;
export const MAX_TAG_LENGTH = 128;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
// Distribution's domain grammar: dotted components with an optional port, or a bracketed IPv6 literal.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);

// Bounded so a hostile value cannot make the error body arbitrarily large.
const MAX_ECHO = 300;

/** Explains why a repository name breaks the distribution grammar, or returns null when it is valid. */
export function repositoryNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'repository name must not be empty';
  if (name.length > MAX_REPOSITORY_NAME_LENGTH) {
    return `repository name must be at most ${MAX_REPOSITORY_NAME_LENGTH} characters (got ${name.length})`;
  }
  const components = name.split('/');
  for (let i = 0; i < components.length; i++) {
    const component = components[i];
    const where = `path component ${i + 1} ("${component}")`;
    if (component === '') return `repository name must not start or end with "/" or contain "//" (component ${i + 1} is empty)`;
    if (component === '.' || component === '..') return `${where} is a relative path segment`;
    if (PATH_COMPONENT.test(component)) continue;
    if (/[A-Z]/.test(component)) return `${where} must be lowercase`;
    if (/[^a-z0-9._-]/.test(component)) return `${where} may only contain a-z, 0-9, ".", "_" and "-"`;
    return `${where} must start and end with a letter or digit and separate them with ".", "_", "__" or dashes`;
  }
  return null;
}

/**
 * Berth keeps every repository in a project, named `<project>/<path>`: a one-component name (`docker push
 * host/nginx:1`) would be a repository named like a project, which the console can neither open nor delete.
 * Explains the refusal, or returns null for a name with a project. Checked on push and import, not on reads.
 */
export function projectlessNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.includes('/')) return null;
  const shown = name.slice(0, 100);
  return `repository name "${shown}" has no project: every repository lives in a project, so push library/${shown} (the public project) or <project>/${shown}`;
}

/**
 * The console path of a repository stored under its project's own name (`library`, pushed before such names
 * were refused): `_`, which no path component can be, so `/projects/library/repositories/_` opens it.
 */
export const PROJECT_NAMED_REPOSITORY_PATH = '_';

/** The full name of the repository at `path` (relative to the project, as the console addresses it) in `project`. */
export function repositoryInProject(project: string, path: string): string {
  return path === PROJECT_NAMED_REPOSITORY_PATH ? project : `${project}/${path}`;
}

/** Throws NAME_INVALID for a name without a project (see projectlessNameProblem). */
export function assertProjectRepositoryName(name: string): void {
  const problem = projectlessNameProblem(name);
  if (problem !== null) throw new RegistryError('NAME_INVALID', `invalid repository name: ${problem}`, { detail: { name: String(name).slice(0, MAX_ECHO) } });
}

export function isValidRepositoryName(name: string): boolean {
  return repositoryNameProblem(name) === null;
}

/** Throws NAME_INVALID with the reason in the message and the offending name in `detail`. */
export function assertRepositoryName(name: string): void {
  const problem = repositoryNameProblem(name);
  if (problem !== null) {
    throw new RegistryError('NAME_INVALID', `invalid repository name: ${problem}`, {
      detail: { name: String(name).slice(0, MAX_ECHO) },
    });
  }
}

export function isValidTag(tag: string): boolean {
  return typeof tag === 'string' && TAG.test(tag);
}

/**
 * Throws MANIFEST_INVALID for a tag outside `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
 * The spec has no tag code; a bad tag only matters when a manifest is PUT under it, and NAME_INVALID
 * is kept for repository names. (Reads of an impossible tag answer MANIFEST_UNKNOWN; see routes.ts.)
 */
export function assertTag(tag: string): void {
  if (!isValidTag(tag)) {
    throw new RegistryError(
      'MANIFEST_INVALID',
      `invalid tag: must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127} (at most ${MAX_TAG_LENGTH} characters)`,
      { detail: { tag: String(tag).slice(0, MAX_ECHO) } },
    );
  }
}

/** The project a repository belongs to: its first path component. */
export function projectOf(name: string): string {
  const slash = name.indexOf('/');
  return slash === -1 ? name : name.slice(0, slash);
}

export interface ImageReference {
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** True when docker would read this first component as a registry host rather than a path component. */
function looksLikeDomain(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

/**
 * Parses `[registry/]repository[:tag][@digest]` per distribution's reference grammar, without docker.io
 * normalisation (no implied `library/` or registry). Throws NAME_INVALID for the name or registry,
 * MANIFEST_INVALID for the tag (as assertTag) and DIGEST_INVALID for the digest.
 */
export function parseImageReference(reference: string): ImageReference {
  if (typeof reference !== 'string' || reference.length === 0) {
    throw new RegistryError('NAME_INVALID', 'invalid reference: must not be empty');
  }
  let rest = reference;
  const result: ImageReference = { repository: '' };

  const at = rest.indexOf('@');
  if (at !== -1) {
    result.digest = parseDigest(rest.slice(at + 1)).digest;
    rest = rest.slice(0, at);
  }

  // A colon after the last slash starts the tag; earlier colons belong to a registry port.
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    const tag = rest.slice(colon + 1);
    assertTag(tag);
    result.tag = tag;
    rest = rest.slice(0, colon);
  }

  const slash = rest.indexOf('/');
  if (slash !== -1 && looksLikeDomain(rest.slice(0, slash))) {
    const registry = rest.slice(0, slash);
    if (!DOMAIN.test(registry)) {
      throw new RegistryError('NAME_INVALID', `invalid reference: "${registry.slice(0, MAX_ECHO)}" is not a valid registry host[:port]`, {
        detail: { reference: reference.slice(0, MAX_ECHO) },
      });
    }
    result.registry = registry;
    rest = rest.slice(slash + 1);
  }

  assertRepositoryName(rest);
  result.repository = rest;
  // Distribution caps host plus path; the path alone was checked above.
  const full = result.registry === undefined ? rest : `${result.registry}/${rest}`;
  if (full.length > MAX_REPOSITORY_NAME_LENGTH) {
    const message = `invalid reference: registry and repository together must be at most ${MAX_REPOSITORY_NAME_LENGTH} characters`;
    throw new RegistryError('NAME_INVALID', message, { detail: { reference: reference.slice(0, MAX_ECHO) } });
  }
  return result;
}
