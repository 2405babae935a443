import { isValidTag, parseImageReference, projectlessNameProblem, projectOf, repositoryNameProblem } from '../names';

/** Where an image goes: a full repository name (project first) and a tag. */
export interface ImageTarget {
  repository: string;
  tag: string;
}

/** A name from the archive, read: a full target, or only a tag (an OCI ref name such as `1.0`). */
export type ArchiveName = { target: ImageTarget } | { tag: string } | undefined;

const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Reads a name as an archive writes it (`docker.io/library/nginx:1.25`, `team/app:1.0`, `app:latest`, or
 * a bare tag) into a target in `project`: the registry host is dropped, Docker Hub's `library/` too, and
 * the path goes under the project unless it already starts with it (`team-a/app` stays, `nginx` becomes
 * `team-a/nginx`). Undefined when the name is not a usable reference, or names the project itself (`team-a:1`
 * would be a repository without a path, refused as a push of it is): the image then needs a name.
 */
export function readArchiveName(name: string, project: string): ArchiveName {
  if (!name.includes(':') && !name.includes('/')) return isValidTag(name) ? { tag: name } : undefined;
  let reference;
  try {
    reference = parseImageReference(name);
  } catch {
    return undefined;
  }
  if (!reference.tag) return undefined;
  let path = reference.repository;
  if ((reference.registry === undefined || DOCKER_HUB.has(reference.registry)) && path.startsWith('library/')) path = path.slice('library/'.length);
  const repository = projectOf(path) === project ? path : `${project}/${path}`;
  if ((repositoryNameProblem(repository) ?? projectlessNameProblem(repository)) !== null) return undefined;
  return { target: { repository, tag: reference.tag } };
}

/**
 * A target the user typed: a repository relative to the project (`app` -> `team-a/app`) or full
 * (`team-a/app`; any name with a slash is full and must be in the project). Returns the target or why not.
 */
export function readUserTarget(repository: string, tag: string, project: string): { target: ImageTarget } | { problem: string } {
  const trimmed = repository.trim().replace(/^\/+|\/+$/g, '');
  const full = trimmed.includes('/') ? trimmed : `${project}/${trimmed}`;
  if (trimmed.includes('/') && projectOf(trimmed) !== project) {
    return { problem: `repository "${clipName(trimmed)}" is in project ${clipName(projectOf(trimmed))}; this import goes to project ${project}` };
  }
  const problem = repositoryNameProblem(full) ?? projectlessNameProblem(full);
  if (problem !== null) return { problem: `invalid repository name "${clipName(full)}": ${problem}` };
  if (!isValidTag(tag)) return { problem: `invalid tag "${clipName(tag)}": must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}` };
  return { target: { repository: full, tag } };
}

export function targetKey(target: ImageTarget): string {
  return `${target.repository}:${target.tag}`;
}

function clipName(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/** The names proposed for one image of the archive. */
export interface ProposedTargets {
  targets: ImageTarget[];
  /** A tag the archive gives without a repository, for an image that still needs one. */
  suggestedTag?: string;
}

/**
 * Targets from the archive's own names, then `defaults` (a full repository, and a tag) for images without
 * one. An archive of one image goes where the defaults say even when it names itself (what the user asked
 * for wins): the given repository with the archive's tags (or the given tag), or the archive's repositories
 * with the given tag; with `override: false` the defaults only ever name unnamed images. Two images may not take the same repository:tag: such targets are dropped from
 * both, so they ask.
 */
export function proposeTargets(
  images: readonly { sourceNames: readonly string[] }[],
  project: string,
  defaults: { repository?: string; tag?: string } = {},
  options: { override?: boolean } = {},
): ProposedTargets[] {
  const override = options.override ?? true;
  const proposed = images.map((image): ProposedTargets => {
    const targets: ImageTarget[] = [];
    const bareTags: string[] = [];
    for (const name of image.sourceNames) {
      const read = readArchiveName(name, project);
      if (read && 'target' in read) {
        if (!targets.some((t) => targetKey(t) === targetKey(read.target))) targets.push(read.target);
      } else if (read && !bareTags.includes(read.tag)) bareTags.push(read.tag);
    }
    if (override && images.length === 1 && targets.length > 0 && (defaults.repository || defaults.tag)) {
      const repositories = defaults.repository ? [defaults.repository] : [...new Set(targets.map((t) => t.repository))];
      const tags = defaults.tag ? [defaults.tag] : [...new Set([...targets.map((t) => t.tag), ...bareTags])];
      return { targets: repositories.flatMap((repository) => tags.map((tag) => ({ repository, tag }))), ...(bareTags.length > 0 ? { suggestedTag: bareTags[0] } : {}) };
    }
    if (targets.length === 0 && defaults.repository) {
      for (const tag of bareTags.length > 0 ? bareTags : [defaults.tag ?? 'latest']) targets.push({ repository: defaults.repository, tag });
    }
    return { targets, ...(bareTags.length > 0 ? { suggestedTag: bareTags[0] } : {}) };
  });
  const owners = new Map<string, number>();
  proposed.forEach((p) => p.targets.forEach((t) => owners.set(targetKey(t), (owners.get(targetKey(t)) ?? 0) + 1)));
  for (const p of proposed) p.targets = p.targets.filter((t) => owners.get(targetKey(t)) === 1);
  return proposed;
}

/**
 * True when the user gave a repository or tag that no image of a several-image archive would take: the
 * archive names every image. The import refuses then rather than silently use the archive's names.
 */
export function defaultsUnused(images: readonly { sourceNames: readonly string[] }[], project: string, defaults: { repository?: string; tag?: string }): boolean {
  if (images.length < 2 || (!defaults.repository && !defaults.tag)) return false;
  return images.every((image) => image.sourceNames.some((name) => {
    const read = readArchiveName(name, project);
    return read !== undefined && 'target' in read;
  }));
}

/**
 * Names the user gave (`[{index, repository, tag}]`, relative or full repositories) applied over `current`:
 * every image listed gets exactly the targets listed for it. Returns the new targets per image, or the
 * problems (an index out of range, a bad or foreign name, one repository:tag for two images).
 */
export function applyUserNames(
  current: readonly ImageTarget[][],
  names: readonly { index: number; repository: string; tag: string }[],
  project: string,
): { targets: ImageTarget[][] } | { problems: string[] } {
  const problems: string[] = [];
  const given = new Map<number, ImageTarget[]>();
  names.forEach((name, i) => {
    if (name.index >= current.length) {
      problems.push(`images.${i}: there is no image ${name.index} (the archive has ${current.length})`);
      return;
    }
    const read = readUserTarget(name.repository, name.tag, project);
    if ('problem' in read) problems.push(`images.${i}: ${read.problem}`);
    else given.set(name.index, [...(given.get(name.index) ?? []), read.target]);
  });
  const targets = current.map((existing, index) => given.get(index) ?? [...existing]);
  const owner = new Map<string, number>();
  targets.forEach((list, index) => {
    for (const target of list) {
      const key = targetKey(target);
      const other = owner.get(key);
      if (other !== undefined && other !== index) problems.push(`${key} is the target of images ${other} and ${index}; each repository:tag can name one image`);
      owner.set(key, index);
    }
  });
  return problems.length > 0 ? { problems } : { targets: targets.map(dedupe) };
}

function dedupe(targets: ImageTarget[]): ImageTarget[] {
  return targets.filter((t, i) => targets.findIndex((u) => targetKey(u) === targetKey(t)) === i);
}
