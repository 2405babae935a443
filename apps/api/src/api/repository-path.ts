import { DomainError } from '../common/domain-error';

/**
 * The repository path from a `*path` wildcard (Express 5 hands it over as its decoded segments).
 * A `-` segment cannot be part of a repository name: it separates the name from a sub-resource
 * (`.../app/-/star`, `.../app/-/tags`), so a route that sees one answers 404 rather than looking up a
 * repository that cannot exist.
 */
export function repositoryPath(path: string | string[]): string {
  const segments = [path].flat();
  if (segments.includes('-')) throw DomainError.notFound(`no such repository resource: ${segments.join('/').slice(0, 512)}`);
  return segments.join('/');
}
