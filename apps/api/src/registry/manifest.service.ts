import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  accepts,
  assertTag,
  blobReferences,
  classifyArtifact,
  digestOf,
  isAttestationDescriptor,
  isDigest,
  isStorableText,
  MAX_MANIFEST_BYTES,
  MediaTypes,
  OciErrors,
  ParsedManifest,
  parseDigest,
  parseManifest,
  Platform,
} from '@berth/oci';
import type { StorageDriver } from '@berth/storage';
import { STORAGE_DRIVER } from '../storage/storage.module';
import { ImmutabilityService, immutableTagMessage } from '../policies/immutability.service';
import { readImageConfig } from './image-config';
import { BlobRepository } from './blob.repository';
import { Principal } from '../access/principal';
import { CatalogRepository, CatalogScope } from './catalog.repository';
import { ManifestCache } from './manifest-cache';
import { ManifestRepository, ManifestRow } from './manifest.repository';
import { Queryable } from '../database/queryable';
import { ProjectQuota } from './project-quota';
import { PullRecorder } from './pull-recorder.service';
import { RegistryChangeFeed } from './registry-change-feed';

/** Image configs are a few KiB; a larger one is not read on the push path. */
const MAX_CONFIG_READ_BYTES = 1024 * 1024;

export interface StoredManifest {
  digest: string;
  mediaType: string;
  size: number;
  content?: Buffer;
}

export interface PushedManifest {
  digest: string;
  subject?: string;
}

export interface ReferrersIndex {
  index: { schemaVersion: 2; mediaType: string; manifests: object[] };
  filtered: boolean;
}

/** Manifests and tags: validation on push, content negotiation on pull, referrers. */
@Injectable()
export class ManifestService {
  private readonly logger = new Logger(ManifestService.name);

  constructor(
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly dataSource: DataSource,
    private readonly manifests: ManifestRepository,
    private readonly blobs: BlobRepository,
    private readonly catalog: CatalogRepository,
    private readonly pulls: PullRecorder,
    private readonly cache: ManifestCache,
    private readonly changes: RegistryChangeFeed,
    private readonly quota: ProjectQuota,
    private readonly immutability: ImmutabilityService,
  ) {}

  /**
   * GET/HEAD by tag or digest. A client that cannot read a Docker manifest list asking by tag gets
   * the linux/amd64 image, as distribution does; otherwise a type it does not accept is MANIFEST_UNKNOWN.
   */
  async fetch(name: string, reference: string, accept: string | string[] | undefined, withContent: boolean): Promise<StoredManifest> {
    const byDigest = isDigest(reference);
    let row = this.cache.get(name, reference) ?? (await this.lookup(name, reference, byDigest));
    if (!row) throw OciErrors.manifestUnknown(`manifest ${reference} is unknown to ${name}`, { name, reference });
    if (!accepts(accept, row.mediaType)) {
      row = await this.fallbackForOldClient(row, byDigest, accept, withContent);
    }
    if (withContent) this.pulls.record(row.repositoryId, row.id, row.tagId);
    return { digest: row.digest, mediaType: row.mediaType, size: row.size, content: withContent ? row.content : undefined };
  }

  /** Reads through to the database and keeps the row (with content) for the next pull. */
  private async lookup(name: string, reference: string, byDigest: boolean): Promise<ManifestRow | undefined> {
    const generation = this.cache.generation(name);
    const row = byDigest ? await this.manifests.findByDigest(name, reference, true) : await this.manifests.findByTag(name, reference, true);
    if (row) this.cache.set(name, reference, row, generation);
    return row;
  }

  private async fallbackForOldClient(
    row: ManifestRow,
    byDigest: boolean,
    accept: string | string[] | undefined,
    withContent: boolean,
  ): Promise<ManifestRow> {
    if (!byDigest && row.mediaType === MediaTypes.DockerManifestList && accepts(accept, MediaTypes.DockerManifest)) {
      const child = await this.manifests.findChildForPlatform(row.id, 'linux', 'amd64', withContent);
      if (child && accepts(accept, child.mediaType)) return { ...child, tagId: row.tagId };
    }
    throw OciErrors.manifestUnknown(`manifest is a ${row.mediaType}, which the client's Accept header does not allow`, {
      mediaType: row.mediaType,
    });
  }

  /** PUT: validates the document and everything it references, then stores it and moves the tag. */
  async push(name: string, reference: string, body: Buffer, contentType: string | undefined): Promise<PushedManifest> {
    if (body.length > MAX_MANIFEST_BYTES) {
      throw OciErrors.sizeInvalid(`manifest exceeds ${MAX_MANIFEST_BYTES} bytes`, { limit: MAX_MANIFEST_BYTES }, { status: 413 });
    }
    const byDigest = isDigest(reference);
    if (!byDigest) assertTag(reference);
    const manifest = parseManifest(body, contentType);
    let digest = manifest.digest;
    if (byDigest) {
      const wanted = parseDigest(reference);
      if (wanted.algorithm !== 'sha256') digest = digestOf(body, wanted.algorithm);
      if (digest !== wanted.digest) throw OciErrors.digestInvalid(`manifest content has digest ${digest}, not ${reference}`, { expected: reference, actual: digest });
    }
    const platform = await this.platformOf(manifest);
    await this.dataSource.transaction(async (tx) => {
      const repository = await this.catalog.ensure(name, tx);
      const totalSize = await this.checkReferences(repository.id, manifest, tx);
      await this.quota.checkManifest(name, blobReferences(manifest).map((d) => d.digest), tx);
      const manifestId = await this.manifests.upsert(
        {
          repositoryId: repository.id,
          digest,
          mediaType: manifest.mediaType,
          artifactType: manifest.artifactType ?? (manifest.kind === 'image' ? manifest.config?.mediaType : undefined),
          kind: classifyArtifact(manifest),
          platform,
          size: body.length,
          totalSize,
          configDigest: manifest.config?.digest,
          subjectDigest: manifest.subject?.digest,
          annotations: manifest.annotations,
          content: body,
          blobDigests: blobReferences(manifest).map((d) => d.digest),
          children: manifest.manifests.map((d) => ({
            digest: d.digest,
            mediaType: d.mediaType,
            size: d.size,
            platform: d.platform,
            isAttestation: isAttestationDescriptor(d),
          })),
        },
        tx,
      );
      if (!byDigest) {
        const current = await this.manifests.lockTag(repository.id, reference, tx);
        if (current !== undefined && current !== digest) await this.refuseIfImmutable(name, [reference], 'cannot overwrite', tx);
        await this.manifests.upsertTag(repository.id, reference, manifestId, tx);
      }
      await this.catalog.markPushed(repository.id, tx);
      await this.changes.publish(name, tx);
    });
    this.changes.changedLocally(name);
    return { digest, subject: manifest.subject?.digest };
  }

  /**
   * An image's os/architecture/variant from its config, for the console's lists. Best effort: a config
   * that is missing (the reference check reports that), large or unreadable leaves the platform unknown.
   */
  private async platformOf(manifest: ParsedManifest): Promise<Platform | undefined> {
    if (manifest.kind !== 'image') return undefined;
    try {
      const summary = await readImageConfig(this.storage, manifest.config, MAX_CONFIG_READ_BYTES);
      if (!summary?.os || !summary.architecture) return undefined;
      // Stored as jsonb: a value PostgreSQL cannot hold (NUL, a lone surrogate) leaves the platform unknown too.
      if (![summary.os, summary.architecture, summary.variant ?? ''].every(isStorableText)) return undefined;
      return { os: summary.os, architecture: summary.architecture, ...(summary.variant ? { variant: summary.variant } : {}) };
    } catch (err) {
      this.logger.debug(`no platform for config ${manifest.config?.digest}: ${String(err)}`);
      return undefined;
    }
  }

  /** Every blob must be linked to the repository with the size the descriptor claims; every child must be stored. Returns the total size. */
  private async checkReferences(repositoryId: string, manifest: ParsedManifest, tx: Parameters<ManifestRepository['upsert']>[1]): Promise<number> {
    const wanted = blobReferences(manifest);
    // Locked FOR SHARE until commit: garbage collection cannot start deleting a blob this manifest uses.
    const found = new Map((await this.blobs.lockLinkedMany(repositoryId, wanted.map((d) => d.digest), tx)).map((b) => [b.digest, b.size]));
    let total = manifest.size;
    const counted = new Set<string>();
    for (const descriptor of wanted) {
      const size = found.get(descriptor.digest);
      if (size === undefined) throw OciErrors.manifestBlobUnknown(`blob ${descriptor.digest} is not in this repository; push it first`, { digest: descriptor.digest });
      if (size !== descriptor.size) {
        throw OciErrors.manifestInvalid(`descriptor for ${descriptor.digest} says ${descriptor.size} bytes, the blob has ${size}`, { digest: descriptor.digest });
      }
      if (!counted.has(descriptor.digest)) total += size;
      counted.add(descriptor.digest);
    }
    const children = await this.manifests.findManyByDigest(repositoryId, manifest.manifests.map((d) => d.digest), tx);
    const childSizes = new Map(children.map((c) => [c.digest, c.totalSize]));
    for (const descriptor of manifest.manifests) {
      const childTotal = childSizes.get(descriptor.digest);
      if (childTotal === undefined) {
        throw OciErrors.manifestBlobUnknown(`child manifest ${descriptor.digest} is not in this repository; push it first`, { digest: descriptor.digest });
      }
      if (!counted.has(descriptor.digest)) total += childTotal;
      counted.add(descriptor.digest);
    }
    return total;
  }

  /** DELETE by digest removes the manifest and its tags; by tag removes only that tag. Immutable tags stay. */
  async remove(name: string, reference: string): Promise<void> {
    const removed = await this.dataSource.transaction(async (tx) => {
      // The repository row first, as pushes take it: a delete and a push moving a tag then queue up
      // instead of each holding what the other needs (tag rows, the project's usage row).
      await this.catalog.lockByName(name, tx);
      const tags = isDigest(reference) ? await this.manifests.tagsOf(name, reference, tx) : [reference];
      await this.refuseIfImmutable(name, tags, 'cannot delete', tx);
      const done = isDigest(reference) ? await this.manifests.deleteByDigest(name, reference, tx) : await this.manifests.deleteTag(name, reference, tx);
      if (done) await this.changes.publish(name, tx);
      return done;
    });
    this.changes.changedLocally(name);
    if (!removed) throw OciErrors.manifestUnknown(`manifest ${reference} is unknown to ${name}`, { name, reference });
  }

  /** DENIED naming the tag and the rule, as the issue asks of pushes and deletes of immutable tags. */
  private async refuseIfImmutable(name: string, tags: string[], what: string, tx: Queryable): Promise<void> {
    const hit = await this.immutability.firstProtected(name, tags, tx);
    if (hit) throw OciErrors.denied(`${what} ${name}:${hit.tag}: ${immutableTagMessage(hit.tag, hit)}`, { tag: hit.tag, rule: hit.rule.id });
  }

  /** The catalog as `principal` may see it, in byte order. */
  async repositories(principal: Principal, limit: number, last: string | undefined): Promise<string[]> {
    return this.catalog.listNames(limit, last, catalogScope(principal));
  }

  async tags(name: string, limit: number, last: string | undefined): Promise<string[]> {
    const repository = await this.catalog.findByName(name);
    if (!repository) throw OciErrors.nameUnknown(`repository ${name} is not known`, { name });
    return this.manifests.listTags(repository.id, limit, last);
  }

  async referrers(name: string, digest: string, artifactType: string | undefined): Promise<ReferrersIndex> {
    const rows = await this.manifests.referrers(name, digest, artifactType);
    return {
      filtered: artifactType !== undefined,
      index: {
        schemaVersion: 2,
        mediaType: MediaTypes.OciIndex,
        manifests: rows.map((r) => ({
          mediaType: r.mediaType,
          digest: r.digest,
          size: r.size,
          ...(r.artifactType ? { artifactType: r.artifactType } : {}),
          ...(Object.keys(r.annotations ?? {}).length ? { annotations: r.annotations } : {}),
        })),
      },
    };
  }
}

function catalogScope(principal: Principal): CatalogScope {
  switch (principal.kind) {
    case 'anonymous':
      return {};
    case 'user':
      return principal.isAdmin ? { all: true } : { userId: principal.id };
    case 'robot':
      return principal.projectId === null ? { all: true } : { projectId: principal.projectId };
  }
}
