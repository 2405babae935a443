import { z } from 'zod';
import { isValidTag, MAX_TAG_LENGTH } from '@berth/oci';
import { pageFields, toPaging } from '../api/pagination';

export const ARTIFACT_KINDS = ['image', 'index', 'helm-chart', 'signature', 'sbom', 'attestation', 'other'] as const;

export const ARTIFACT_SORTS = ['pushed_at', '-pushed_at', 'pulled_at', '-pulled_at', 'size', '-size', 'pulls', '-pulls'] as const;
export type ArtifactSort = (typeof ARTIFACT_SORTS)[number];

export const ArtifactListQuery = z
  .object({
    ...pageFields,
    /** A tag name or digest fragment. */
    q: z.string().max(255).optional(),
    sort: z.enum(ARTIFACT_SORTS).default('-pushed_at'),
    kind: z.enum(ARTIFACT_KINDS).optional(),
    /** Also list index children and referrers (signatures, SBOMs), which are otherwise shown under their parent or subject. */
    all: z.stringbool().default(false),
  })
  .transform(toPaging);
export type ArtifactListQuery = z.output<typeof ArtifactListQuery>;

export const TAG_SORTS = ['version', '-version', 'pushed_at', '-pushed_at', 'pulled_at', '-pulled_at', 'name', '-name'] as const;
export type TagSort = (typeof TAG_SORTS)[number];

export const TagListQuery = z
  .object({
    ...pageFields,
    /** Part of the tag name. */
    q: z.string().max(MAX_TAG_LENGTH).optional(),
    /** Newest first by default; `-version` puts the highest version (then moving tags such as latest) first. */
    sort: z.enum(TAG_SORTS).default('-pushed_at'),
    /** A variant family such as `alpine` (matches alpine3.15), `bullseye` or `slim`. */
    variant: z
      .string()
      .max(64)
      .regex(/^[a-z0-9][a-z0-9._]*$/, 'must be a lower-case variant word such as alpine or slim')
      .optional(),
    /** Keyset paging: the `nextCursor` of the previous page (same sort and filters); `page` is then ignored. */
    cursor: z.string().max(4096).optional(),
  })
  .transform(toPaging);
export type TagListQuery = z.output<typeof TagListQuery>;

export const AddTagBody = z.strictObject({
  name: z.string().refine(isValidTag, { message: `must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127} (at most ${MAX_TAG_LENGTH} characters)` }),
});
export type AddTagBody = z.output<typeof AddTagBody>;

// ---- Responses -------------------------------------------------------------------------------------

/** One platform an artifact runs on: an image's own, or an index child's. Attestation children have no platform of their own. */
export const ArtifactPlatform = z.object({
  digest: z.string(),
  os: z.string().nullable(),
  architecture: z.string().nullable(),
  variant: z.string().nullable(),
  /** A build attestation (provenance, SBOM) stored as an index child; not something to run. */
  attestation: z.boolean(),
  /** Bytes of the child manifest and everything it references; null when the child is not stored here. */
  totalSize: z.number().nullable(),
});
export type ArtifactPlatform = z.output<typeof ArtifactPlatform>;

export const ArtifactSummary = z.object({
  digest: z.string(),
  mediaType: z.string(),
  kind: z.enum(ARTIFACT_KINDS),
  /** The manifest's artifactType, or an image's config media type. */
  artifactType: z.string().nullable(),
  /** The tags pointing at it, highest version first. */
  tags: z.array(z.string()),
  /** The manifest's own bytes. */
  size: z.number(),
  /** The manifest plus every blob and child it references, each counted once. */
  totalSize: z.number(),
  /** An index's first 100 children (the rest: `.../artifacts/<digest>/children`), or an image's own platform. */
  platforms: z.array(ArtifactPlatform),
  /** How many entries `platforms` would have in all (an index's children). */
  platformCount: z.number(),
  /** Set on referrers: the digest of the artifact this one signs or describes. */
  subject: z.string().nullable(),
  pushedAt: z.date(),
  lastPulledAt: z.date().nullable(),
  pullCount: z.number(),
});
export type ArtifactSummary = z.output<typeof ArtifactSummary>;

export const ImageConfigView = z.object({
  created: z.string().optional(),
  author: z.string().optional(),
  os: z.string().optional(),
  architecture: z.string().optional(),
  variant: z.string().optional(),
  osVersion: z.string().optional(),
  user: z.string().optional(),
  entrypoint: z.array(z.string()).optional(),
  cmd: z.array(z.string()).optional(),
  env: z.array(z.string()),
  exposedPorts: z.array(z.string()),
  workingDir: z.string().optional(),
  volumes: z.array(z.string()),
  stopSignal: z.string().optional(),
  labels: z.record(z.string(), z.string()),
  history: z.array(z.object({ created: z.string().optional(), createdBy: z.string().optional(), comment: z.string().optional(), emptyLayer: z.boolean() })),
});

/** A Helm chart's Chart.yaml, as `helm push` stores it in the config. */
export const HelmChartView = z.object({
  name: z.string().optional(),
  version: z.string().optional(),
  appVersion: z.string().optional(),
  description: z.string().optional(),
  apiVersion: z.string().optional(),
  type: z.string().optional(),
  kubeVersion: z.string().optional(),
  home: z.string().optional(),
  icon: z.string().optional(),
  deprecated: z.boolean().optional(),
  keywords: z.array(z.string()),
});

export const ArtifactTag = z.object({
  name: z.string(),
  pushedAt: z.date(),
  lastPulledAt: z.date().nullable(),
  pullCount: z.number(),
  /** A tag such as latest or stable that is re-pointed over time. */
  moving: z.boolean(),
  /** An immutability rule of the project protects it: it cannot be removed or moved. */
  immutable: z.boolean(),
});

export const ArtifactLayer = z.object({
  digest: z.string(),
  mediaType: z.string(),
  size: z.number(),
  annotations: z.record(z.string(), z.string()),
});

export const ArtifactReferrer = z.object({
  digest: z.string(),
  mediaType: z.string(),
  kind: z.enum(ARTIFACT_KINDS),
  artifactType: z.string().nullable(),
  size: z.number(),
  pushedAt: z.date(),
  annotations: z.record(z.string(), z.string()),
  /** Set for cosign-style referrers found by their tag (sha256-<hex>.sig, .att, .sbom) rather than by subject. */
  tag: z.string().nullable(),
});

export const ArtifactChild = ArtifactPlatform.extend({
  mediaType: z.string(),
  /** The descriptor's size: the child manifest's own bytes. */
  size: z.number(),
  /** False when the index names a manifest this repository does not hold (pushed without --all). */
  present: z.boolean(),
  kind: z.enum(ARTIFACT_KINDS).nullable(),
  /** For attestation children: the digest of the image they attest (vnd.docker.reference.digest). */
  attests: z.string().nullable(),
});

export const ChildPage = z.object({ items: z.array(ArtifactChild), total: z.number(), page: z.number(), pageSize: z.number() });
export type ChildPage = z.output<typeof ChildPage>;

export const ArtifactDetail = ArtifactSummary.extend({
  repository: z.string(),
  /** The manifest document as stored; null when it is larger than 256 KiB (the registry serves it: GET /v2/<name>/manifests/<digest>). */
  manifest: z.unknown(),
  config: ImageConfigView.nullable(),
  configDigest: z.string().nullable(),
  /** Set for Helm charts: what their config (Chart.yaml) says. */
  chart: HelmChartView.nullable(),
  layers: z.array(ArtifactLayer),
  annotations: z.record(z.string(), z.string()),
  tagDetails: z.array(ArtifactTag),
  /** An index's first 100 children in order; `platformCount` says how many there are, `.../children` pages through them. */
  children: z.array(ArtifactChild),
  /** Indexes in this repository that list this manifest. */
  parents: z.array(z.object({ digest: z.string(), tags: z.array(z.string()) })),
  referrers: z.array(ArtifactReferrer),
  /** Bytes garbage collection would free if this artifact were deleted (blobs nothing else references). */
  freeableBytes: z.number(),
});
export type ArtifactDetail = z.output<typeof ArtifactDetail>;

export const ArtifactDeletion = z.object({
  /** The artifact, the index children only it referenced, and its referrers. */
  deleted: z.array(z.string()),
  tags: z.array(z.string()),
  /** Bytes garbage collection will free. */
  freeableBytes: z.number(),
});
export type ArtifactDeletion = z.output<typeof ArtifactDeletion>;

export const TagView = z.object({
  name: z.string(),
  digest: z.string(),
  mediaType: z.string(),
  kind: z.enum(ARTIFACT_KINDS),
  totalSize: z.number(),
  /** As ArtifactSummary: at most 100, with `platformCount` the number in all. */
  platforms: z.array(ArtifactPlatform),
  platformCount: z.number(),
  pushedAt: z.date(),
  lastPulledAt: z.date().nullable(),
  pullCount: z.number(),
  moving: z.boolean(),
  /** An immutability rule of the project protects it: it cannot be deleted, moved or removed by retention. */
  immutable: z.boolean(),
  /** The tag read as a version: `1.21.6-alpine3.15` -> version 1.21.6, variants [alpine3.15]. */
  version: z.string().nullable(),
  prerelease: z.string().nullable(),
  variants: z.array(z.string()),
});
export type TagView = z.output<typeof TagView>;

export const TagPage = z.object({
  items: z.array(TagView),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
  /** Variant families of every tag in the repository (not only this page), for filter chips. */
  variants: z.array(z.object({ name: z.string(), count: z.number() })),
  /** Pass as `cursor` for the page after this one (same sort and filters); null on the last page. */
  nextCursor: z.string().nullable(),
});
export type TagPage = z.output<typeof TagPage>;

export const TagAdded = z.object({
  /** False when the tag already pointed at this artifact. */
  created: z.boolean(),
  tag: z.string(),
  digest: z.string(),
});
export type TagAdded = z.output<typeof TagAdded>;
