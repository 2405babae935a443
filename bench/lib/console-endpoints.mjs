// What the console bench requests: the endpoints, who asks, and the seeded names each request picks
// at random (from what that caller may see), so no cache makes a figure trivially fast.
import { hasIndex, isMemberProject, isPublicProject, projectName, repositoryName } from './console-catalog.mjs';

/** Deterministic PRNG (mulberry32): the same seed picks the same targets, run after run. */
export function randomSource(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERSION_FRAGMENTS = ['1.2', '6.2', '3.11', '2.4', '7.4', '1.21', '17.0', '2024.1'];

/**
 * The repositories requests pick from: `poolSize` of them at random (their `latest` configs are written
 * to storage, see writeConfigBlobs), with what each caller may see of them.
 */
export function targetPool(scale, rnd, poolSize) {
  const numbers = Array.from({ length: scale.repositories }, (_, n) => n);
  for (let i = numbers.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [numbers[i], numbers[j]] = [numbers[j], numbers[i]];
  }
  const repositories = numbers.slice(0, Math.min(poolSize, numbers.length)).map((n) => {
    const name = repositoryName(n, scale.projects);
    const p = n % scale.projects;
    return { n, name, project: projectName(p), path: name.slice(name.indexOf('/') + 1), public: isPublicProject(p), member: isMemberProject(p), index: hasIndex(n) };
  });
  const projects = Array.from({ length: scale.projects }, (_, p) => ({ name: projectName(p), public: isPublicProject(p), member: isMemberProject(p) }));
  return { repositories, projects };
}

/** Who asks. `headers` are filled in once the bench has logged in. */
export const PRINCIPALS = {
  admin: { id: 'admin', sees: () => true },
  member: { id: 'member', sees: (t) => t.public || t.member },
  anonymous: { id: 'anonymous', sees: (t) => t.public },
  // The same admin sending Basic credentials with every request, as a script would: one argon2 verify each.
  adminBasic: { id: 'admin (Basic)', sees: () => true },
};

/** Random picks among what `principal` may see. */
export function picker(pool, principal, rnd) {
  const repositories = pool.repositories.filter((r) => principal.sees(r));
  const projects = pool.projects.filter((p) => principal.sees(p));
  const memberProjects = projects.filter((p) => p.member);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  return {
    repository: () => pick(repositories),
    project: () => pick(projects).name,
    /** Where the caller starred something: the member's own projects (five stars each), any project for the admin. */
    starredProject: () => pick(memberProjects.length && principal.id === 'member' ? memberProjects : projects).name,
    int: (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1)),
    version: () => pick(VERSION_FRAGMENTS),
    empty: repositories.length === 0 || projects.length === 0,
  };
}

const repoPath = (r) => `/api/v1/projects/${encodeURIComponent(r.project)}/repositories/${r.path.split('/').map(encodeURIComponent).join('/')}`;
const withPageSize = (path, pageSize) => (pageSize ? `${path}${path.includes('?') ? '&' : '?'}page_size=${pageSize}` : path);

const SIGNED_IN = ['admin', 'member'];
const EVERYONE = ['admin', 'member', 'anonymous'];

/**
 * The endpoints, in the order of the issue. `path(pick, pageSize)` builds one request; `pageSize` is
 * given by the page-size check of list endpoints only (else the list uses the shown query). `list`:
 * one row per item, so the statement count must not grow with the page.
 */
export const ENDPOINTS = [
  { id: 'projects', label: 'GET /projects?page_size=20', who: EVERYONE, list: true, path: (_, size) => `/api/v1/projects?page_size=${size ?? 20}` },
  { id: 'projects-storage', label: 'GET /projects?page_size=20&sort=-storage', who: EVERYONE, list: true, path: (_, size) => `/api/v1/projects?page_size=${size ?? 20}&sort=-storage` },
  { id: 'project', label: 'GET /projects/{p}', who: EVERYONE, path: (t) => `/api/v1/projects/${t.project()}` },
  { id: 'repositories-pulls', label: 'GET /repositories?page_size=20&sort=-pulls', who: EVERYONE, list: true, path: (_, size) => `/api/v1/repositories?page_size=${size ?? 20}&sort=-pulls` },
  { id: 'repositories-q', label: 'GET /repositories?q=service-NN', who: EVERYONE, list: true, path: (t, size) => withPageSize(`/api/v1/repositories?q=service-${t.int(10, 99)}`, size) },
  { id: 'project-repositories', label: 'GET /projects/{p}/repositories?sort=-pushed_at', who: EVERYONE, list: true, path: (t, size) => withPageSize(`/api/v1/projects/${t.project()}/repositories?sort=-pushed_at`, size) },
  { id: 'project-repositories-starred', label: 'GET /projects/{p}/repositories?starred=true', who: SIGNED_IN, list: true, path: (t, size) => withPageSize(`/api/v1/projects/${t.starredProject()}/repositories?starred=true`, size) },
  { id: 'repository', label: 'GET /projects/{p}/repositories/{r}', who: EVERYONE, path: (t) => repoPath(t.repository()) },
  { id: 'tags-version', label: 'GET {repo}/-/tags?sort=-version', who: EVERYONE, list: true, path: (t, size) => withPageSize(`${repoPath(t.repository())}/-/tags?sort=-version`, size) },
  { id: 'tags-variant', label: 'GET {repo}/-/tags?variant=alpine', who: EVERYONE, list: true, path: (t, size) => withPageSize(`${repoPath(t.repository())}/-/tags?variant=alpine`, size) },
  { id: 'artifacts', label: 'GET {repo}/-/artifacts', who: EVERYONE, list: true, path: (t, size) => withPageSize(`${repoPath(t.repository())}/-/artifacts`, size) },
  { id: 'artifact-latest', label: 'GET {repo}/-/artifacts/latest', who: EVERYONE, path: (t) => `${repoPath(t.repository())}/-/artifacts/latest` },
  { id: 'search-repository', label: 'GET /search?q=service-NN', who: EVERYONE, list: true, path: (t, size) => withPageSize(`/api/v1/search?q=service-${t.int(10, 99)}`, size) },
  { id: 'search-tag', label: 'GET /search?q=alpine&kind=tag', who: EVERYONE, list: true, path: (_, size) => withPageSize('/api/v1/search?q=alpine&kind=tag', size) },
  { id: 'search-version', label: 'GET /search?q=<version> (1.2, 6.2, ...)', who: EVERYONE, list: true, path: (t, size) => withPageSize(`/api/v1/search?q=${t.version()}`, size) },
  { id: 'statistics', label: 'GET /statistics', who: EVERYONE, path: () => '/api/v1/statistics' },
];

/** The cost of Basic credentials (one argon2 verify per request), shown on one cheap endpoint. */
export const BASIC_AUTH_ENDPOINT = { ...ENDPOINTS.find((e) => e.id === 'project'), who: ['adminBasic'] };
