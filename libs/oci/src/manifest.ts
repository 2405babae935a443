import {
  isJsonObject,
  manifestInvalid,
  parseDescriptor,
  readAnnotations,
  readMediaType,
  type Descriptor,
  type JsonObject,
} from './descriptor';
import { digestOf } from './digest';
import { RegistryError } from './errors';
import { isStorableText } from './text';
import {
  MediaTypes,
  isImageConfigMediaType,
  isImageManifestMediaType,
  isIndexMediaType,
  isNonDistributableMediaType,
  isSchema1MediaType,
  normalizeMediaType,
} from './media-types';

/** The spec says registries SHOULD accept manifests up to 4 MiB; the transport caps request bodies with it. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface ParsedManifest {
  mediaType: string;
  kind: 'image' | 'index';
  /** sha256 of the exact bytes received; use digestOf(body, 'sha512') when the client pushed by a sha512 digest. */
  digest: string;
  size: number;
  config?: Descriptor;
  layers: Descriptor[];
  manifests: Descriptor[];
  subject?: Descriptor;
  /** manifest.artifactType, else (images only) config.mediaType when it is not an image config. */
  artifactType?: string;
  annotations: Record<string, string>;
  raw: unknown;
}

const SCHEMA1_MESSAGE = 'Docker schema 1 manifests are not supported; push with a current client (schema 2 or OCI)';

// Content-Types that say nothing about the manifest kind (curl, generic HTTP clients): treated as absent.
const UNINFORMATIVE_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/octet-stream']);

// Bounded so a hostile document cannot make the error body arbitrarily large.
function clip<T extends string | null>(value: T): T {
  return (value === null ? value : value.slice(0, 256)) as T;
}

function headerMediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const normalized = normalizeMediaType(contentType);
  return normalized === '' || UNINFORMATIVE_CONTENT_TYPES.has(normalized) ? undefined : normalized;
}

/** The spec lets an OCI manifest omit mediaType; the keys then say which document it is. */
function inferMediaType(document: JsonObject): string {
  const looksImage = 'config' in document || 'layers' in document;
  const looksIndex = 'manifests' in document;
  if (looksImage && !looksIndex) return MediaTypes.OciManifest;
  if (looksIndex && !looksImage) return MediaTypes.OciIndex;
  throw new RegistryError(
    'MANIFEST_INVALID',
    looksImage
      ? 'invalid manifest: without a mediaType it is ambiguous (it has both config/layers and manifests)'
      : 'invalid manifest: no mediaType field or Content-Type, and neither config nor manifests to infer one from',
  );
}

function decode(body: Buffer): JsonObject {
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError('MANIFEST_INVALID', 'invalid manifest: body is not valid JSON');
  }
  if (!isJsonObject(document)) throw new RegistryError('MANIFEST_INVALID', 'invalid manifest: body must be a JSON object');
  const field = unstorableString(document, '');
  if (field !== undefined) {
    throw new RegistryError('MANIFEST_INVALID', `invalid manifest: ${field || 'a string'} holds a NUL character or a lone UTF-16 surrogate, which this registry cannot store`, {
      detail: { field: field.slice(0, 300) },
    });
  }
  return document;
}

// Annotations and the document are kept in PostgreSQL (jsonb), which holds neither `\u0000` nor a lone surrogate.
const unstorable = (text: string): boolean => !isStorableText(text);

/** The dotted path of the first string (or key) of the document PostgreSQL cannot store, or undefined. */
function unstorableString(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return unstorable(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableString(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const where = path ? `${path}.${key}` : key;
      if (unstorable(key)) return (path ? `${path} key` : 'a key').replace(/\u0000/g, '\\0');
      const found = unstorableString(item, where);
      if (found !== undefined) return found.replace(/\u0000/g, '\\0').replace(/\p{Cs}/gu, '\uFFFD');
    }
  }
  return undefined;
}

function resolveMediaType(document: JsonObject, contentType: string | undefined): string {
  const field = document.mediaType;
  if (field !== undefined && typeof field !== 'string') throw manifestInvalid('mediaType', 'must be a string');
  const header = headerMediaType(contentType);
  const schema1 = document.schemaVersion === 1 || [field, header].some((type) => type !== undefined && isSchema1MediaType(type));
  if (schema1) {
    throw new RegistryError('MANIFEST_INVALID', SCHEMA1_MESSAGE, { detail: { mediaType: clip(field ?? header ?? null) } });
  }
  if (field !== undefined && header !== undefined && field !== header) {
    const [mediaType, contentType] = [clip(field), clip(header)];
    throw new RegistryError('MANIFEST_INVALID', `invalid manifest: mediaType "${mediaType}" does not match Content-Type "${contentType}"`, {
      detail: { mediaType, contentType },
    });
  }
  const mediaType = field ?? header ?? inferMediaType(document);
  if (!isImageManifestMediaType(mediaType) && !isIndexMediaType(mediaType)) {
    throw new RegistryError('MANIFEST_INVALID', `invalid manifest: unsupported manifest media type "${clip(mediaType)}"`, {
      detail: { mediaType: clip(mediaType) },
    });
  }
  return mediaType;
}

function readDescriptorArray(value: unknown, where: string): Descriptor[] {
  if (!Array.isArray(value)) throw manifestInvalid(where, 'must be an array of descriptors');
  return value.map((entry, i) => parseDescriptor(entry, `${where}[${i}]`));
}

/**
 * Validates a pushed manifest body and extracts what the registry needs: references, subject, artifact type.
 * Every rejection is MANIFEST_INVALID, with `detail.field` naming the offending part when there is one.
 */
export function parseManifest(body: Buffer, contentType?: string): ParsedManifest {
  const document = decode(body);
  const mediaType = resolveMediaType(document, contentType);
  if (document.schemaVersion !== 2) throw manifestInvalid('schemaVersion', 'must be 2');
  const kind = isIndexMediaType(mediaType) ? 'index' : 'image';

  // Rejecting mixed documents closes the image/index confusion of CVE-2021-41190.
  if (kind === 'image' && 'manifests' in document) throw manifestInvalid('manifests', 'is not allowed in an image manifest');
  if (kind === 'index' && ('config' in document || 'layers' in document)) {
    throw manifestInvalid('config' in document ? 'config' : 'layers', 'is not allowed in an image index');
  }

  const manifest: ParsedManifest = {
    mediaType,
    kind,
    digest: digestOf(body),
    size: body.length,
    layers: [],
    manifests: [],
    annotations: document.annotations === undefined ? {} : readAnnotations(document.annotations, 'annotations'),
    raw: document,
  };
  if (kind === 'image') {
    if (document.config === undefined) throw manifestInvalid('config', 'is required in an image manifest');
    manifest.config = parseDescriptor(document.config, 'config');
    manifest.layers = readDescriptorArray(document.layers, 'layers');
  } else {
    manifest.manifests = readDescriptorArray(document.manifests, 'manifests');
  }
  if (document.subject !== undefined) manifest.subject = parseDescriptor(document.subject, 'subject');
  if (document.artifactType !== undefined) {
    manifest.artifactType = readMediaType(document.artifactType, 'artifactType');
  } else if (manifest.config !== undefined && !isImageConfigMediaType(manifest.config.mediaType)) {
    manifest.artifactType = manifest.config.mediaType;
  }
  return manifest;
}

/**
 * Blobs that must already be in the repository before this manifest is accepted: config and layers,
 * except non-distributable layers served from their `urls`. Subjects may be absent (the spec says so).
 */
export function blobReferences(manifest: ParsedManifest): Descriptor[] {
  if (manifest.kind !== 'image' || manifest.config === undefined) return [];
  const layers = manifest.layers.filter((layer) => !(layer.urls?.length && isNonDistributableMediaType(layer.mediaType)));
  return [manifest.config, ...layers];
}

/** buildx attaches provenance/SBOM as index entries; they are not runnable images and UIs hide them. */
export function isAttestationDescriptor(descriptor: Pick<Descriptor, 'annotations' | 'platform'>): boolean {
  if (descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true;
  return descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown';
}
