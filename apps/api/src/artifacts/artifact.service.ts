import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  isDigest,
  isValidRepositoryName,
  isValidTag,
  parseManifest,
  parseTag,
  type HelmChartSummary,
  type ImageConfigSummary,
  type ParsedManifest,
  repositoryInProject,
} from '@berth/oci';
import { PathNotFoundError, type StorageDriver } from '@berth/storage';
import type { ProjectAccessRow } from '../access/access.repository';
import type { Permission } from '../access/permissions';
import type { Principal, UserPrincipal } from '../access/principal';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { offsetOf, type Paging } from '../common/paging';
import { inTransaction } from '../database/queryable';
import { immutableTagError, ImmutabilityService } from '../policies/immutability.service';
import { ProjectAccessService } from '../projects/project-access.service';
import { readHelmChartConfig, readImageConfig } from '../registry/image-config';
import { CatalogRepository } from '../registry/catalog.repository';
import { ManifestRepository } from '../registry/manifest.repository';
import { RegistryChangeFeed } from '../registry/registry-change-feed';
import { STORAGE_DRIVER } from '../storage/storage.module';
import type { TagAdded, ArtifactDeletion, ArtifactDetail, ChildPage, ArtifactListQuery, ArtifactPlatform, ArtifactSummary, TagListQuery, TagPage, TagView } from './artifact.dto';
import { ArtifactRepository, ArtifactRow, ChildRow } from './artifact.repository';
import { decodeTagCursor, encodeTagCursor } from './tag-cursor';

/** Config blobs are a few KiB; the detail page does not read one larger than this. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** A detail answer carries the manifest document up to this size; a 10,000-entry index is megabytes. */
const MAX_INLINE_MANIFEST_BYTES = 256 * 1024;

/** One repository of one project, once the caller's access to it is settled. */
interface RepositoryRef {
  project: ProjectAccessRow;
  name: string;
  id: string;
}

/**
 * Artifacts and tags of a repository in the console. Access follows the project (hidden projects are
 * 404); reading needs pull, tagging push, deleting delete, as on the registry.
 */
@Injectable()
export class ArtifactService {
  private readonly logger = new Logger(ArtifactService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly artifacts: ArtifactRepository,
    private readonly manifests: ManifestRepository,
    private readonly catalog: CatalogRepository,
    private readonly access: ProjectAccessService,
    private readonly audit: AuditService,
    private readonly changes: RegistryChangeFeed,
    private readonly immutability: ImmutabilityService,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
  ) {}

  async list(principal: Principal, projectName: string, path: string, query: ArtifactListQuery): Promise<{ items: ArtifactSummary[]; total: number; page: number; pageSize: number }> {
    const repository = await this.repository(principal, projectName, path, 'pull');
    const { items, total } = await this.artifacts.list(repository.id, query, offsetOf(query), query.pageSize);
    return { items: items.map(summaryOf), total, page: query.page, pageSize: query.pageSize };
  }

  /** By digest or tag: the manifest, config summary, layers, annotations, children, parents, referrers, tags and freeable bytes. */
  async get(principal: Principal, projectName: string, path: string, reference: string): Promise<ArtifactDetail> {
    const repository = await this.repository(principal, projectName, path, 'pull');
    const row = await this.artifacts.find(repository.id, referenceOf(reference));
    if (!row) throw artifactNotFound(repository.name, reference);
    const manifest = parseStored(row.content, row.mediaType);
    const [tagDetails, parents, referrers, config, chart, deletion] = await Promise.all([
      this.artifacts.tagDetails(row.id),
      this.artifacts.parents(repository.id, row.digest),
      this.artifacts.referrers(repository.id, row.digest),
      this.configOf(manifest),
      row.kind === 'helm-chart' ? this.chartOf(manifest) : null,
      this.artifacts.deletionSet(repository.id, row, this.dataSource),
    ]);
    const [freeableBytes, immutable] = await Promise.all([
      this.artifacts.freeableBytes(deletion.map((d) => d.id)),
      this.immutability.protectedOf(repository.name, tagDetails.map((tag) => tag.name)),
    ]);
    const attested = new Map((manifest?.manifests ?? []).map((d) => [d.digest, d.annotations?.['vnd.docker.reference.digest'] ?? null]));
    const summary = summaryOf(row);
    // An image's platform, when its push predates platform capture, comes from the config read here.
    const platforms = summary.platforms.length === 0 && config?.os && config.architecture ? [ownPlatform(row, config)] : summary.platforms;
    return {
      ...summary,
      platforms,
      platformCount: Math.max(summary.platformCount, platforms.length),
      repository: repository.name,
      manifest: row.size <= MAX_INLINE_MANIFEST_BYTES ? (manifest?.raw ?? null) : null,
      config,
      configDigest: row.configDigest,
      chart,
      layers: (manifest?.layers ?? []).map((d) => ({ digest: d.digest, mediaType: d.mediaType, size: d.size, annotations: d.annotations ?? {} })),
      annotations: row.annotations ?? {},
      tagDetails: tagDetails.map((tag) => ({ ...tag, immutable: immutable.has(tag.name) })),
      children: (row.children ?? []).map((c) => childOf(c, attested)),
      parents,
      referrers: referrers.map((r) => ({ ...r, annotations: r.annotations ?? {} })),
      freeableBytes,
    };
  }

  /** An index's children, a page at a time, in index order (the detail carries only the first 100). */
  async children(principal: Principal, projectName: string, path: string, reference: string, paging: Paging): Promise<ChildPage> {
    const repository = await this.repository(principal, projectName, path, 'pull');
    const row = await this.artifacts.find(repository.id, referenceOf(reference));
    if (!row) throw artifactNotFound(repository.name, reference);
    const manifest = parseStored(row.content, row.mediaType);
    const attested = new Map((manifest?.manifests ?? []).map((d) => [d.digest, d.annotations?.['vnd.docker.reference.digest'] ?? null]));
    const items = await this.artifacts.children(row.id, offsetOf(paging), paging.pageSize);
    return { items: items.map((c) => childOf(c, attested)), total: row.childCount, page: paging.page, pageSize: paging.pageSize };
  }

  /**
   * Deletes the artifact by digest with its tags, the index children nothing else in the repository
   * references, and its referrers; blobs are left for garbage collection. PRECONDITION when any of the
   * tags that would go is immutable.
   */
  async delete(principal: UserPrincipal, projectName: string, path: string, digest: string): Promise<ArtifactDeletion> {
    const repository = await this.repository(principal, projectName, path, 'delete');
    if (!isDigest(digest)) throw DomainError.invalid('artifacts are deleted by digest; to remove a tag only, delete the tag', { reference: digest.slice(0, 200) });
    const result = await inTransaction(this.dataSource, async (tx) => {
      await this.artifacts.lockRepository(repository.id, tx);
      const row = await this.artifacts.find(repository.id, { digest }, tx);
      if (!row) throw artifactNotFound(repository.name, digest);
      const set = await this.artifacts.deletionSet(repository.id, row, tx);
      const ids = set.map((s) => s.id);
      const freeableBytes = await this.artifacts.freeableBytes(ids, tx);
      // Indexes listing it lose a platform: their tags count as this artifact's.
      const holders = await this.manifests.tagsOf(repository.name, digest, tx);
      const tags = await this.artifacts.deleteManifests(ids, tx);
      // Checked on what was actually deleted (children's and referrers' tags too); throwing rolls it all back.
      const locked = await this.immutability.firstProtected(repository.name, [...tags, ...holders], tx);
      if (locked) throw immutableTagError(locked.tag, locked, `artifact ${digest} cannot be deleted`);
      // Every replica drops what it cached for this repository once the transaction commits.
      await this.changes.publish(repository.name, tx);
      return { deleted: set.map((s) => s.digest), tags, freeableBytes };
    });
    this.changes.changedLocally(repository.name);
    await this.audit.recordNow({
      ...actorOf(principal),
      action: 'artifact.delete',
      resource: `${repository.name}@${digest}`,
      projectId: repository.project.id,
      success: true,
      details: { deleted: result.deleted, tags: result.tags },
    });
    return result;
  }

  async listTags(principal: Principal, projectName: string, path: string, query: TagListQuery): Promise<TagPage> {
    const repository = await this.repository(principal, projectName, path, 'pull');
    const after = query.cursor === undefined ? undefined : decodeTagCursor(query.cursor, query.sort).keys;
    const [{ items, total }, variants] = await Promise.all([
      this.artifacts.listTags(repository.id, query, { offset: offsetOf(query), after }, query.pageSize + 1),
      this.artifacts.variantCounts(repository.id),
    ]);
    // One row more than the page tells whether another page follows.
    const more = items.length > query.pageSize;
    if (more) items.pop();
    const last = items[items.length - 1];
    const immutable = await this.immutability.protectedOf(repository.name, items.map((row) => row.name));
    return {
      items: items.map((row): TagView => {
        const parsed = parseTag(row.name);
        return {
          name: row.name,
          digest: row.digest,
          mediaType: row.mediaType,
          kind: row.kind,
          totalSize: row.totalSize,
          platforms: platformsOf(row),
          platformCount: platformCountOf(row),
          pushedAt: row.pushedAt,
          lastPulledAt: row.lastPulledAt,
          pullCount: row.pullCount,
          moving: row.moving,
          immutable: immutable.has(row.name),
          version: parsed.version.length > 0 ? parsed.version.join('.') : null,
          prerelease: parsed.prerelease ? `${parsed.prerelease.kind}${parsed.prerelease.number ?? ''}` : null,
          variants: parsed.variants,
        };
      }),
      total,
      page: query.page,
      pageSize: query.pageSize,
      variants: variantFamilies(variants),
      nextCursor: more && last ? encodeTagCursor({ sort: query.sort, keys: last.keys }) : null,
    };
  }

  /** Retag without re-pushing: adds `name` to the artifact `reference` names. A name already on another artifact is CONFLICT. */
  async addTag(principal: UserPrincipal, projectName: string, path: string, reference: string, name: string): Promise<TagAdded> {
    const repository = await this.repository(principal, projectName, path, 'push');
    const created = await inTransaction(this.dataSource, async (tx) => {
      await this.artifacts.lockRepository(repository.id, tx);
      const row = await this.artifacts.find(repository.id, referenceOf(reference), tx);
      if (!row) throw artifactNotFound(repository.name, reference);
      const existing = await this.artifacts.findTag(repository.id, name, tx);
      if (existing) {
        if (existing.manifestId === row.id) return { created: false, digest: row.digest };
        throw DomainError.conflict(`tag "${name}" already points at ${existing.digest}; delete it first to move it`, { tag: name, digest: existing.digest });
      }
      await this.manifests.insertTag(repository.id, name, row.id, tx);
      await this.catalog.markPushed(repository.id, tx);
      await this.changes.publish(repository.name, tx);
      return { created: true, digest: row.digest };
    });
    this.changes.changedLocally(repository.name);
    if (created.created) {
      await this.audit.recordNow({
        ...actorOf(principal),
        action: 'tag.create',
        resource: `${repository.name}:${name}`,
        projectId: repository.project.id,
        success: true,
        details: { digest: created.digest },
      });
    }
    return { created: created.created, tag: name, digest: created.digest };
  }

  /** Removes one tag; the artifact and its other tags stay. An immutable tag is PRECONDITION. */
  async deleteTag(principal: UserPrincipal, projectName: string, path: string, name: string): Promise<void> {
    const repository = await this.repository(principal, projectName, path, 'delete');
    const digest = await inTransaction(this.dataSource, async (tx) => {
      const deleted = isValidTag(name) ? await this.artifacts.deleteTag(repository.id, name, tx) : undefined;
      if (!deleted) throw DomainError.notFound(`tag "${name.slice(0, 128)}" not found in ${repository.name}`);
      const locked = await this.immutability.protecting(repository.name, name, tx);
      if (locked) throw immutableTagError(name, locked);
      await this.changes.publish(repository.name, tx);
      return deleted;
    });
    this.changes.changedLocally(repository.name);
    await this.audit.recordNow({
      ...actorOf(principal),
      action: 'tag.delete',
      resource: `${repository.name}:${name}`,
      projectId: repository.project.id,
      success: true,
      details: { digest },
    });
  }

  /** Access first (so a hidden project is 404 whatever follows), then the repository. */
  private async repository(principal: Principal, projectName: string, path: string, permission: Permission): Promise<RepositoryRef> {
    const project = await this.access.require(principal, projectName, permission);
    const name = repositoryInProject(project.name, path);
    const id = isValidRepositoryName(name) ? (await this.catalog.findByName(name))?.id : undefined;
    if (!id) throw DomainError.notFound(`repository "${name.slice(0, 512)}" not found`);
    return { project, name, id };
  }

  /** A Helm chart's Chart.yaml from its config blob; null when it cannot be read. */
  private async chartOf(manifest: ParsedManifest | undefined): Promise<HelmChartSummary | null> {
    try {
      return await readHelmChartConfig(this.storage, manifest?.config, MAX_CONFIG_BYTES);
    } catch (err) {
      if (!(err instanceof PathNotFoundError)) throw err;
      this.logger.warn(`chart config blob ${manifest?.config?.digest} is recorded but missing from storage`);
      return null;
    }
  }

  /** The image config's summary, read from storage; null for non-images or when it cannot be read. */
  private async configOf(manifest: ParsedManifest | undefined): Promise<ImageConfigSummary | null> {
    try {
      return await readImageConfig(this.storage, manifest?.config, MAX_CONFIG_BYTES);
    } catch (err) {
      if (!(err instanceof PathNotFoundError)) throw err;
      this.logger.warn(`config blob ${manifest?.config?.digest} is recorded but missing from storage`);
      return null;
    }
  }
}

function referenceOf(reference: string): { digest: string } | { tag: string } {
  if (isDigest(reference)) return { digest: reference };
  if (isValidTag(reference)) return { tag: reference };
  throw DomainError.invalid('reference must be a tag or a digest (sha256:<64 hex>)', { reference: reference.slice(0, 200) });
}

function artifactNotFound(repository: string, reference: string): DomainError {
  return DomainError.notFound(`artifact ${reference.slice(0, 200)} not found in ${repository.slice(0, 512)}`);
}

/** Stored manifests were validated on push; parsing again only fails for a corrupted row, which shows without details. */
function parseStored(content: Buffer, mediaType: string): ParsedManifest | undefined {
  try {
    return parseManifest(content, mediaType);
  } catch {
    return undefined;
  }
}

function summaryOf(row: ArtifactRow): ArtifactSummary {
  return {
    digest: row.digest,
    mediaType: row.mediaType,
    kind: row.kind,
    artifactType: row.artifactType,
    tags: row.tags,
    size: row.size,
    totalSize: row.totalSize,
    platforms: platformsOf(row),
    platformCount: platformCountOf(row),
    subject: row.subject,
    pushedAt: row.pushedAt,
    lastPulledAt: row.lastPulledAt,
    pullCount: row.pullCount,
  };
}

/** An index: one row per child (attestations marked); an image: its own platform when known. */
function platformsOf(row: Pick<ArtifactRow, 'digest' | 'platform' | 'children' | 'totalSize'>): ArtifactPlatform[] {
  if (row.children && row.children.length > 0) return row.children.map(platformOf);
  if (row.platform) return [ownPlatform(row, row.platform)];
  return [];
}

function platformCountOf(row: Pick<ArtifactRow, 'platform' | 'childCount'>): number {
  return row.childCount > 0 ? row.childCount : row.platform ? 1 : 0;
}

function childOf(c: ChildRow, attested: Map<string, string | null>): ArtifactDetail['children'][number] {
  return {
    ...platformOf(c),
    mediaType: c.mediaType,
    size: Number(c.size),
    present: c.kind !== null,
    kind: c.kind,
    attests: c.attestation ? (attested.get(c.digest) ?? null) : null,
  };
}

function ownPlatform(row: Pick<ArtifactRow, 'digest' | 'totalSize'>, platform: { os?: string; architecture?: string; variant?: string }): ArtifactPlatform {
  return { digest: row.digest, os: platform.os ?? null, architecture: platform.architecture ?? null, variant: platform.variant ?? null, attestation: false, totalSize: row.totalSize };
}

function platformOf(child: ChildRow): ArtifactPlatform {
  // Attestation manifests carry unknown/unknown as their platform; that is not a platform to show.
  const platform = child.attestation ? null : child.platform;
  return {
    digest: child.digest,
    os: platform?.os ?? null,
    architecture: platform?.architecture ?? null,
    variant: platform?.variant ?? null,
    attestation: child.attestation,
    totalSize: child.totalSize === null ? null : Number(child.totalSize),
  };
}

/** `alpine3.15`, `alpine3.19` -> one `alpine` chip; words without a trailing version are their own family. */
export function variantFamilies(counts: { variant: string; count: number }[]): { name: string; count: number }[] {
  const families = new Map<string, number>();
  for (const { variant, count } of counts) {
    const seen = new Set<string>();
    for (const word of variant.split('-')) {
      const family = word.replace(/[0-9][0-9.]*$/, '') || word;
      if (seen.has(family)) continue;
      seen.add(family);
      families.set(family, (families.get(family) ?? 0) + count);
    }
  }
  return [...families].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

