/**
 * Console paths for what a repository name or a search hit points at. Repository names keep their
 * slashes and what belongs to a repository follows `/-/` (see router.ts), so paths are built as text:
 * a named route would encode those slashes as %2F.
 */

function encodeSegments(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** `team/app/api` -> { project: 'team', rest: 'app/api' }. */
export function splitRepository(fullName: string): { project: string; rest: string } {
  const slash = fullName.indexOf('/');
  return slash < 0 ? { project: fullName, rest: '' } : { project: fullName.slice(0, slash), rest: fullName.slice(slash + 1) };
}

export function projectPath(project: string): string {
  return `/projects/${encodeURIComponent(project)}`;
}

export function repositoryPath(fullName: string): string {
  const { project, rest } = splitRepository(fullName);
  return `${projectPath(project)}/repositories/${encodeSegments(rest)}`;
}

/** The artifact page of a tag: `/projects/team/repositories/app/api/-/artifacts/1.0`. */
export function tagPath(fullName: string, tag: string): string {
  return `${repositoryPath(fullName)}/-/artifacts/${encodeURIComponent(tag)}`;
}
