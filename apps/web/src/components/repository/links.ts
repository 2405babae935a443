/**
 * Console addresses of a repository and what belongs to it, with the name's slashes kept literal
 * (`/projects/team/repositories/app/api/-/tags`): a named route would turn them into %2F.
 */
function segments(path: string): string {
  return path
    .split('/')
    .map((part) => encodeURIComponent(part).replace(/%3A/gi, ':').replace(/%40/g, '@'))
    .join('/');
}

export function repositoryLink(project: string, repo: string): string {
  return `/projects/${segments(project)}/repositories/${segments(repo)}`;
}

export function tagsLink(project: string, repo: string): string {
  return `${repositoryLink(project, repo)}/-/tags`;
}

export function artifactLink(project: string, repo: string, reference: string): string {
  return `${repositoryLink(project, repo)}/-/artifacts/${segments(reference)}`;
}

/** `docker pull host/name:tag`, or `host/name@sha256:...` for a digest. */
export function pullCommand(host: string, name: string, reference?: string): string {
  if (!reference) return `docker pull ${host}/${name}`;
  return `docker pull ${host}/${name}${reference.includes(':') ? '@' : ':'}${reference}`;
}
