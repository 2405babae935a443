/**
 * Console addresses of a project, a repository and what belongs to it. Repository names keep their
 * slashes and what belongs to a repository follows `/-/` (see router.ts), so paths are built as text
 * (`/projects/team/repositories/app/api/-/tags`): a named route would encode those slashes as %2F.
 */
function segments(path: string): string {
  return path
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%3A/gi, ':').replace(/%40/g, '@'))
    .join('/');
}

/**
 * The path of a repository stored under its project's own name (`library`, pushed before the registry refused
 * such names): no repository path can be `_`, and the API reads it as that repository (see README).
 */
export const PROJECT_NAMED_REPOSITORY_PATH = '_';

/** `team/app/api` -> ['team', 'app/api'], to spread into the functions below; `library` -> ['library', '_']. */
export function splitRepository(fullName: string): [project: string, repo: string] {
  const slash = fullName.indexOf('/');
  return slash < 0 ? [fullName, PROJECT_NAMED_REPOSITORY_PATH] : [fullName.slice(0, slash), fullName.slice(slash + 1)];
}

export function projectLink(project: string): string {
  return `/projects/${segments(project)}`;
}

export function repositoryLink(project: string, repo: string): string {
  return `${projectLink(project)}/repositories/${segments(repo)}`;
}

export function tagsLink(project: string, repo: string): string {
  return `${repositoryLink(project, repo)}/-/tags`;
}

/** The artifact page of a tag or a digest: `/projects/team/repositories/app/api/-/artifacts/1.0`. */
export function artifactLink(project: string, repo: string, reference: string): string {
  return `${repositoryLink(project, repo)}/-/artifacts/${segments(reference)}`;
}

/** `docker pull host/name:tag`, or `host/name@sha256:...` for a digest. */
export function pullCommand(host: string, name: string, reference?: string): string {
  if (!reference) return `docker pull ${host}/${name}`;
  return `docker pull ${host}/${name}${reference.includes(':') ? '@' : ':'}${reference}`;
}
