import { parseDigest } from './digest';
import { RegistryError } from './errors';
import { assertProjectRepositoryName, assertRepositoryName, assertTag, isValidTag } from './names';

export const ROUTE_TEMPLATES = Object.freeze({
  base: '/v2/',
  catalog: '/v2/_catalog',
  tags: '/v2/:name/tags/list',
  manifest: '/v2/:name/manifests/:reference',
  blob: '/v2/:name/blobs/:digest',
  uploads: '/v2/:name/blobs/uploads/',
  upload: '/v2/:name/blobs/uploads/:uploadId',
  referrers: '/v2/:name/referrers/:digest',
} as const);

type Templates = typeof ROUTE_TEMPLATES;

export type RegistryRoute =
  | { kind: 'base'; template: Templates['base'] }
  | { kind: 'catalog'; template: Templates['catalog'] }
  | { kind: 'tags'; name: string; template: Templates['tags'] }
  | {
      kind: 'manifest';
      name: string;
      /** The raw tag or digest; exactly one of `tag` / `digest` is set from it. */
      reference: string;
      tag?: string;
      digest?: string;
      template: Templates['manifest'];
    }
  | { kind: 'blob'; name: string; digest: string; template: Templates['blob'] }
  | { kind: 'uploads'; name: string; template: Templates['uploads'] }
  | { kind: 'upload'; name: string; uploadId: string; template: Templates['upload'] }
  | { kind: 'referrers'; name: string; digest: string; template: Templates['referrers'] };

export type RegistryRouteKind = RegistryRoute['kind'];

/** Methods the distribution spec defines per route; anything else deserves 405 UNSUPPORTED. */
export const ROUTE_METHODS: Readonly<Record<RegistryRouteKind, readonly string[]>> = Object.freeze({
  base: ['GET', 'HEAD'],
  catalog: ['GET', 'HEAD'],
  tags: ['GET', 'HEAD'],
  manifest: ['GET', 'HEAD', 'PUT', 'DELETE'],
  blob: ['GET', 'HEAD', 'DELETE'],
  uploads: ['POST'],
  upload: ['GET', 'HEAD', 'PATCH', 'PUT', 'DELETE'],
  referrers: ['GET', 'HEAD'],
});

export function isMethodAllowed(kind: RegistryRouteKind, method: string): boolean {
  return ROUTE_METHODS[kind].includes(method.toUpperCase());
}

const UPLOAD_ID = /^[A-Za-z0-9-]{1,64}$/;
// What creates content: starting or continuing an upload, putting a manifest.
const WRITES: Partial<Record<RegistryRouteKind, readonly string[]>> = { uploads: ['POST'], upload: ['PATCH', 'PUT'], manifest: ['PUT'] };

// Bounded so a hostile path cannot make the error body arbitrarily large.
const MAX_ECHO = 300;

/** A decoded path segment, or null when it is malformed percent-encoding or hides an encoded '/'. */
function decodeSegment(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  try {
    const decoded = decodeURIComponent(raw);
    return decoded.includes('/') ? null : decoded;
  } catch {
    return null;
  }
}

function readName(raw: string[], decoded: (string | null)[]): string {
  const bad = decoded.findIndex((segment) => segment === null);
  if (bad !== -1) {
    throw new RegistryError('NAME_INVALID', 'invalid repository name: path contains malformed percent-encoding or an encoded "/"', {
      detail: { name: raw.join('/').slice(0, MAX_ECHO) },
    });
  }
  const name = decoded.join('/');
  assertRepositoryName(name);
  return name;
}

function readDigest(value: string | null, raw: string): string {
  return parseDigest(value ?? raw).digest;
}

/**
 * A malformed digest is DIGEST_INVALID (as on blob routes). A malformed tag is MANIFEST_INVALID when
 * pushing (assertTag) and MANIFEST_UNKNOWN otherwise: such a tag can never exist, so reads are a 404.
 */
function readReference(value: string | null, raw: string, method: string): { tag?: string; digest?: string } {
  const reference = value ?? raw;
  if (reference.includes(':')) return { digest: parseDigest(reference).digest };
  if (method === 'PUT') assertTag(reference);
  else if (!isValidTag(reference)) {
    throw new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown: reference is neither a valid tag nor a digest', {
      detail: { reference: reference.slice(0, MAX_ECHO) },
    });
  }
  return { tag: reference };
}

/**
 * Routes a raw (still percent-encoded) /v2 pathname. Repository names contain slashes, so the route is
 * chosen by its suffix and everything before it is the name. Returns null for paths that are no /v2 route;
 * throws RegistryError when the route is known but its name, digest, reference or upload id is invalid.
 */
export function matchRegistryRoute(method: string, pathname: string): RegistryRoute | null {
  const route = matchRoute(method.toUpperCase(), pathname);
  // Writes need a project in the name; reads and deletes of a repository stored before that rule still work.
  if (route && 'name' in route && WRITES[route.kind]?.includes(method.toUpperCase())) assertProjectRepositoryName(route.name);
  return route;
}

function matchRoute(verb: string, pathname: string): RegistryRoute | null {
  const path = pathname.split(/[?#]/, 1)[0];
  if (path === '/v2' || path === '/v2/') return { kind: 'base', template: ROUTE_TEMPLATES.base };
  if (!path.startsWith('/v2/')) return null;
  if (path === '/v2/_catalog') return { kind: 'catalog', template: ROUTE_TEMPLATES.catalog };

  const raw = path.slice('/v2/'.length).split('/');
  const decoded = raw.map(decodeSegment);
  const n = raw.length;
  const at = (i: number): string | null => (i >= 0 && i < n ? decoded[i] : null);
  const last = at(n - 1);
  const lastRaw = raw[n - 1];
  // The name is everything before the route's fixed suffix; `count` is how many segments the suffix takes.
  const nameOf = (count: number): string => readName(raw.slice(0, n - count), decoded.slice(0, n - count));
  const hasName = (count: number): boolean => n - count > 0;

  if (at(n - 3) === 'blobs' && at(n - 2) === 'uploads' && hasName(3)) {
    if (lastRaw === '') return { kind: 'uploads', name: nameOf(3), template: ROUTE_TEMPLATES.uploads };
    const name = nameOf(3);
    if (last === null || !UPLOAD_ID.test(last)) {
      throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown: malformed upload id', {
        detail: { uploadId: lastRaw.slice(0, MAX_ECHO) },
      });
    }
    return { kind: 'upload', name, uploadId: last, template: ROUTE_TEMPLATES.upload };
  }
  if (at(n - 2) === 'blobs' && last === 'uploads' && hasName(2)) {
    return { kind: 'uploads', name: nameOf(2), template: ROUTE_TEMPLATES.uploads };
  }
  if (lastRaw === '' || !hasName(2)) return null;
  switch (at(n - 2)) {
    case 'tags':
      return last === 'list' ? { kind: 'tags', name: nameOf(2), template: ROUTE_TEMPLATES.tags } : null;
    case 'manifests': {
      const name = nameOf(2);
      const reference = last ?? lastRaw;
      return { kind: 'manifest', name, reference, ...readReference(last, lastRaw, verb), template: ROUTE_TEMPLATES.manifest };
    }
    case 'blobs': {
      const name = nameOf(2);
      return { kind: 'blob', name, digest: readDigest(last, lastRaw), template: ROUTE_TEMPLATES.blob };
    }
    case 'referrers': {
      const name = nameOf(2);
      return { kind: 'referrers', name, digest: readDigest(last, lastRaw), template: ROUTE_TEMPLATES.referrers };
    }
    default:
      return null;
  }
}
