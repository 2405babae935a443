import { isJsonObject, type JsonObject } from './descriptor';
import type { ParsedManifest } from './manifest';
import { isImageConfigMediaType, isIndexMediaType, normalizeMediaType } from './media-types';

export type ArtifactKind = 'image' | 'index' | 'helm-chart' | 'signature' | 'sbom' | 'attestation' | 'other';

const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const NOTATION_SIGNATURE = 'application/vnd.cncf.notary.signature';
const COSIGN_SIGNATURE = 'application/vnd.dev.cosign.simplesigning.v1+json';
const SIGSTORE_BUNDLE_PREFIX = 'application/vnd.dev.sigstore.bundle';
const IN_TOTO = 'application/vnd.in-toto+json';
const DSSE_ENVELOPE = 'application/vnd.dsse.envelope.v1+json';
// `application/spdx+json`, `text/spdx` (tag-value), `text/spdx+json`, ...; CycloneDX in any encoding; syft's own format.
const SPDX = /^(?:application|text)\/spdx(?:\+[a-z]+)?$/;
const CYCLONEDX_PREFIX = 'application/vnd.cyclonedx';
const SYFT = 'application/vnd.syft+json';
// What cosign (v2.5+ bundle format) writes on every sigstore bundle; only this predicate marks a plain signature.
const BUNDLE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
// Filesystem layers: OCI (any compression, non-distributable, encrypted) and Docker rootfs diffs (incl. foreign).
const IMAGE_LAYER_PREFIXES = ['application/vnd.oci.image.layer.', 'application/vnd.docker.image.rootfs.'];

/**
 * What the console shows an artifact as. The first matching rule wins:
 * 1. an image index or Docker manifest list -> 'index';
 * 2. a Helm chart config (`application/vnd.cncf.helm.config.v1+json`) -> 'helm-chart';
 * 3. a signature: Notation (`application/vnd.cncf.notary.signature`), a cosign simple-signing layer, or a sigstore bundle
 *    (`application/vnd.dev.sigstore.bundle*`) -> 'signature'; a sigstore bundle whose `dev.sigstore.bundle.predicateType`
 *    annotation names another predicate than cosign's signing one (SLSA provenance, GitHub attestations) -> 'attestation';
 * 4. an in-toto statement (`application/vnd.in-toto+json`, buildx attestation manifests, whatever its predicate,
 *    SPDX and CycloneDX included) or a DSSE envelope (`cosign attest`) -> 'attestation';
 * 5. an SPDX, CycloneDX or syft document -> 'sbom';
 * 6. an OCI or Docker image config with only filesystem layers (or none) and no other artifactType -> 'image';
 * 7. anything else (oras artifacts, wasm, model files) -> 'other'.
 * Rules 2-5 look at the artifactType, the config media type and every layer media type, compared without parameters or case.
 */
export function classifyArtifact(manifest: ParsedManifest): ArtifactKind {
  if (manifest.kind === 'index' || isIndexMediaType(manifest.mediaType)) return 'index';
  const layerTypes = manifest.layers.map((layer) => normalizeMediaType(layer.mediaType));
  const types = [manifest.artifactType, manifest.config?.mediaType]
    .filter((type): type is string => type !== undefined)
    .map(normalizeMediaType)
    .concat(layerTypes);
  const any = (test: (type: string) => boolean): boolean => types.some(test);

  if (any((type) => type === HELM_CONFIG)) return 'helm-chart';
  if (any((type) => type === NOTATION_SIGNATURE || type === COSIGN_SIGNATURE)) return 'signature';
  if (any((type) => type.startsWith(SIGSTORE_BUNDLE_PREFIX))) {
    const predicate = manifest.annotations[BUNDLE_PREDICATE_ANNOTATION];
    return predicate === undefined || predicate === COSIGN_SIGN_PREDICATE ? 'signature' : 'attestation';
  }
  if (any((type) => type === IN_TOTO || type === DSSE_ENVELOPE)) return 'attestation';
  if (any((type) => SPDX.test(type) || type.startsWith(CYCLONEDX_PREFIX) || type === SYFT)) return 'sbom';

  const config = manifest.config;
  const imageConfig = config !== undefined && isImageConfigMediaType(config.mediaType);
  const declaredOther = manifest.artifactType !== undefined && !isImageConfigMediaType(manifest.artifactType);
  const filesystemLayers = layerTypes.every((type) => IMAGE_LAYER_PREFIXES.some((prefix) => type.startsWith(prefix)));
  return imageConfig && !declaredOther && filesystemLayers ? 'image' : 'other';
}

export interface ImageHistoryEntry {
  created?: string;
  createdBy?: string;
  comment?: string;
  emptyLayer: boolean;
}

export interface ImageConfigSummary {
  created?: string;
  author?: string;
  os?: string;
  architecture?: string;
  variant?: string;
  osVersion?: string;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  env: string[];
  exposedPorts: string[];
  workingDir?: string;
  volumes: string[];
  stopSignal?: string;
  labels: Record<string, string>;
  history: ImageHistoryEntry[];
}

// A config blob has no size limit of its own, so every string and list is capped to keep the console response bounded.
const MAX_STRING = 64 * 1024;
const MAX_ENTRIES = 1000;

/**
 * Reads an OCI/Docker image config blob; null when it is not a JSON object. Never throws; ignores fields of the wrong type
 * (and non-string entries of lists). Strings are cut at 64 KiB (UTF-16 code units); history, env, cmd, entrypoint,
 * ports, volumes and labels keep their first 1,000 entries.
 */
export function summarizeImageConfig(config: Buffer | string): ImageConfigSummary | null {
  const document = decode(config);
  if (document === null) return null;
  const runtime = isJsonObject(document.config) ? document.config : {};
  const summary: ImageConfigSummary = {
    env: stringList(runtime.Env) ?? [],
    exposedPorts: objectKeys(runtime.ExposedPorts),
    volumes: objectKeys(runtime.Volumes),
    labels: stringRecord(runtime.Labels),
    history: Array.isArray(document.history) ? document.history.filter(isJsonObject).slice(0, MAX_ENTRIES).map(historyEntry) : [],
  };
  assign(summary, 'created', text(document.created));
  assign(summary, 'author', text(document.author));
  assign(summary, 'os', text(document.os));
  assign(summary, 'architecture', text(document.architecture));
  assign(summary, 'variant', text(document.variant));
  assign(summary, 'osVersion', text(document['os.version']));
  assign(summary, 'user', text(runtime.User));
  assign(summary, 'entrypoint', stringList(runtime.Entrypoint));
  assign(summary, 'cmd', stringList(runtime.Cmd));
  assign(summary, 'workingDir', text(runtime.WorkingDir));
  assign(summary, 'stopSignal', text(runtime.StopSignal));
  return summary;
}

/** What a Helm chart's config (its Chart.yaml as JSON) says about it; the console shows these. */
export interface HelmChartSummary {
  name?: string;
  version?: string;
  appVersion?: string;
  description?: string;
  apiVersion?: string;
  type?: string;
  kubeVersion?: string;
  home?: string;
  icon?: string;
  deprecated?: boolean;
  keywords: string[];
}

export function isHelmConfigMediaType(mediaType: string): boolean {
  return normalizeMediaType(mediaType) === HELM_CONFIG;
}

/**
 * Reads a Helm chart config blob (`application/vnd.cncf.helm.config.v1+json`, written by `helm push`); null when it is
 * not a JSON object. Never throws; fields of the wrong type are left out, strings cut at 64 KiB, keywords at 1,000.
 */
export function summarizeHelmConfig(config: Buffer | string): HelmChartSummary | null {
  const document = decode(config);
  if (document === null) return null;
  const summary: HelmChartSummary = { keywords: stringList(document.keywords) ?? [] };
  for (const key of ['name', 'version', 'appVersion', 'description', 'apiVersion', 'type', 'kubeVersion', 'home', 'icon'] as const) {
    const value = text(document[key]);
    if (value !== undefined) summary[key] = value;
  }
  if (typeof document.deprecated === 'boolean') summary.deprecated = document.deprecated;
  return summary;
}

function decode(config: Buffer | string): JsonObject | null {
  const source = Buffer.isBuffer(config) ? config.toString('utf8') : typeof config === 'string' ? config : null;
  if (source === null) return null;
  try {
    const document: unknown = JSON.parse(source.replace(/^\uFEFF/, ''));
    return isJsonObject(document) ? document : null;
  } catch {
    return null;
  }
}

// Leaves absent optional fields out instead of setting them to undefined, so the summary serialises as it reads.
function assign<K extends keyof ImageConfigSummary>(summary: ImageConfigSummary, key: K, value: ImageConfigSummary[K] | undefined): void {
  if (value !== undefined) summary[key] = value;
}

function clip(value: string): string {
  if (value.length <= MAX_STRING) return value;
  // Never end on the first half of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(value[MAX_STRING - 1]) ? MAX_STRING - 1 : MAX_STRING;
  return value.slice(0, end);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? clip(value) : undefined;
}

function stringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((entry): entry is string => typeof entry === 'string')
    .slice(0, MAX_ENTRIES)
    .map(clip);
}

// ExposedPorts and Volumes are Go sets: {"80/tcp": {}}.
function objectKeys(value: unknown): string[] {
  return isJsonObject(value) ? Object.keys(value).slice(0, MAX_ENTRIES).map(clip) : [];
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isJsonObject(value)) return {};
  const entries = Object.entries(value)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .slice(0, MAX_ENTRIES)
    .map(([key, entry]) => [clip(key), clip(entry)]);
  // fromEntries defines properties, so a "__proto__" label stays a label.
  return Object.fromEntries(entries);
}

function historyEntry(value: JsonObject): ImageHistoryEntry {
  const entry: ImageHistoryEntry = { emptyLayer: value.empty_layer === true };
  const created = text(value.created);
  const createdBy = text(value.created_by);
  const comment = text(value.comment);
  if (created !== undefined) entry.created = created;
  if (createdBy !== undefined) entry.createdBy = createdBy;
  if (comment !== undefined) entry.comment = comment;
  return entry;
}
