/** Shared fixtures for the repository and artifact component specs (not shipped: only specs import it). */
import type { ArtifactDetail, RepositoryView, TagPage, TagView } from '@/api/types';

export function tag(name: string, digest: string, extra: Partial<TagView> = {}): TagView {
  return {
    name,
    digest,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    kind: 'index',
    totalSize: 52_000_000,
    platforms: [
      { digest: 'sha256:a1', os: 'linux', architecture: 'amd64', variant: null, attestation: false, totalSize: 26_000_000 },
      { digest: 'sha256:a2', os: 'linux', architecture: 'arm64', variant: 'v8', attestation: false, totalSize: 25_000_000 },
      { digest: 'sha256:a3', os: null, architecture: null, variant: null, attestation: true, totalSize: 500 },
    ],
    platformCount: 3,
    pushedAt: '2026-01-01T00:00:00Z',
    lastPulledAt: null,
    pullCount: 0,
    moving: name === 'latest',
    immutable: false,
    version: null,
    prerelease: null,
    variants: [],
    ...extra,
  };
}

export function tagPage(items: TagView[], total = items.length): TagPage {
  return { items, total, page: 1, pageSize: 20, variants: [{ name: 'alpine', count: 3 }, { name: 'slim', count: 1 }], nextCursor: null };
}

export function repositoryView(extra: Partial<RepositoryView> = {}): RepositoryView {
  return {
    name: 'library/app/api',
    excerpt: '',
    badge: 'official',
    ownBadge: null,
    starCount: 3,
    starred: false,
    artifactCount: 2,
    tagCount: 2,
    pullCount: 1234,
    pushedAt: '2026-01-01T00:00:00Z',
    description: '',
    storageBytes: 1000,
    freeableBytes: 500,
    ...extra,
  };
}

export function artifactDetail(extra: Partial<ArtifactDetail> = {}): ArtifactDetail {
  return {
    digest: `sha256:${'b'.repeat(64)}`,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    kind: 'image',
    artifactType: null,
    tags: ['1.0'],
    size: 500,
    totalSize: 30_000_000,
    platforms: [],
    platformCount: 0,
    subject: null,
    pushedAt: '2026-01-01T00:00:00Z',
    lastPulledAt: null,
    pullCount: 0,
    repository: 'library/app/api',
    manifest: {},
    config: null,
    configDigest: null,
    chart: null,
    layers: [],
    annotations: {},
    tagDetails: [{ name: '1.0', pushedAt: '2026-01-01T00:00:00Z', lastPulledAt: null, pullCount: 0, moving: false, immutable: false }],
    children: [],
    parents: [],
    referrers: [],
    freeableBytes: 1_048_576,
    ...extra,
  };
}
