import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Writable } from 'node:stream';
import {
  exportFileName,
  exportOciIndex,
  exportPlatformMatches,
  exportPlatformsOf,
  exportSelectPlatform,
  formatPlatform,
  isDigest,
  isImageConfigMediaType,
  isNonDistributableMediaType,
  isValidRepositoryName,
  isValidTag,
  parseManifest,
  projectOf,
  readExportConfig,
  type Descriptor,
  type ExportName,
  type OciExportEntry,
  type ParsedManifest,
  type Platform,
  repositoryInProject,
} from '@berth/oci';
import type { ProjectAccessRow } from '../access/access.repository';
import type { Principal } from '../access/principal';
import { actorOf, AuditService } from '../audit/audit.service';
import { isClientDisconnect } from '../common/client-disconnect';
import { DomainError } from '../common/domain-error';
import { BERTH_CONFIG, type BerthConfig } from '../config/config';
import { publicBaseUrl } from '../config/public-url';
import { ProjectAccessService } from '../projects/project-access.service';
import { BlobRepository } from '../registry/blob.repository';
import { CatalogRepository } from '../registry/catalog.repository';
import { ManifestRepository, type ManifestRow } from '../registry/manifest.repository';
import { PullRecorder } from '../registry/pull-recorder.service';
import type { RequestOrigin } from '../system/request-origin';
import type { ExportFormat, ExportReference } from './export.dto';
import { ExportWriter, type DockerPlanImage, type ExportPlan, type PlannedBlob, type PlannedLayer } from './export-writer';

/** Configs are a few KiB; one larger than this is not an image config to put in an archive. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
/** Indexes of indexes are legal; deeper than this is a loop or an abuse. */
const MAX_INDEX_DEPTH = 4;

export interface ExportRequest {
  references: ExportReference[];
  format?: ExportFormat;
  platform?: Platform;
  /** Where the request came to: with BERTH_PUBLIC_URL, the registry host images are named after. */
  origin: RequestOrigin;
  /** Name images `<host>/<repository>:<tag>` (true) or `<repository>:<tag>`. */
  includeHost: boolean;
}

/** What the response needs before its first byte. */
export interface ArchiveHeaders {
  fileName: string;
  format: ExportFormat;
  /** Set when the archive's length is known in advance (OCI exports): a browser can show progress. */
  contentLength?: number;
}

export interface ExportCaller {
  principal: Principal;
  address?: string;
}

/** One requested reference, found and readable by the caller. */
interface Resolved {
  /** As the audit log and error messages name it: `team-a/app:1.0` or `team-a/app@sha256:…`. */
  text: string;
  project: ProjectAccessRow;
  repository: string;
  tag?: string;
  row: ManifestRow & { content: Buffer };
  manifest: ParsedManifest;
}

/** The image a reference stands for in a docker archive: itself, or an index's child for the platform. */
interface Selected {
  row: ManifestRow & { content: Buffer };
  manifest: ParsedManifest;
  /** The child's platform as its index gives it. */
  platform?: Platform;
}

/**
 * Exports images as a tar archive, streamed as it is produced: `docker` (what `docker load` and
 * `skopeo copy docker-archive:` read, layers uncompressed) or `oci` (an OCI image layout, blobs as
 * stored, every platform of an index). Everything that can be refused is checked before the first byte:
 * pull permission on every reference (hidden projects are 404), that each artifact exists, that each
 * blob is in storage, that an index exported as docker has a platform. Exports count as pulls and are
 * recorded in the audit log as `artifact.export`, once the archive has ended (with whether it completed).
 */
@Injectable()
export class ExportService {
  private readonly logger = new Logger(ExportService.name);

  constructor(
    private readonly access: ProjectAccessService,
    private readonly catalog: CatalogRepository,
    private readonly manifests: ManifestRepository,
    private readonly pulls: PullRecorder,
    private readonly audit: AuditService,
    private readonly writer: ExportWriter,
    private readonly blobs: BlobRepository,
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
  ) {}

  /** The one reference of `…/repositories/<path>/-/artifacts/<reference>/archive`. */
  referenceOf(projectName: string, path: string, reference: string): ExportReference {
    const repository = repositoryInProject(projectName, path);
    if (isDigest(reference)) return { text: `${repository}@${reference}`, repository, digest: reference };
    if (isValidTag(reference)) return { text: `${repository}:${reference}`, repository, tag: reference };
    throw DomainError.invalid('reference must be a tag or a digest (sha256:<64 hex>)', { reference: reference.slice(0, 200) });
  }

  /**
   * Checks and plans the archive, then calls `start` with its headers and streams it into the writable
   * `start` returns (null: a HEAD request, nothing to stream). Errors before `start` are the caller's to
   * answer; after it the archive is cut short (the client sees an incomplete download) and the error is logged.
   */
  async export(caller: ExportCaller, request: ExportRequest, start: (headers: ArchiveHeaders) => Writable | null): Promise<void> {
    // The registry host as clients pull from it (BERTH_PUBLIC_URL, else the Host the request came to).
    const registryHost = publicBaseUrl(this.config, request.origin.protocol, request.origin.host).host;
    const naming = { registryHost, includeHost: request.includeHost };
    const resolved: Resolved[] = [];
    const projects = new Map<string, Promise<ProjectAccessRow>>();
    // One at a time, in order: the first reference the caller may not read is the one the error names.
    for (const reference of request.references) resolved.push(await this.resolve(caller.principal, reference, registryHost, projects));
    const format = request.format ?? (resolved.every((r) => dockerable(r, request.platform)) ? 'docker' : 'oci');
    const { plan, pulled } = format === 'docker' ? await this.planDocker(resolved, request.platform, naming) : await this.planOci(resolved, request.platform, naming);

    const out = start({
      fileName: exportFileName(resolved.map((r) => ({ repository: r.repository, tag: r.tag, digest: r.tag ? undefined : r.row.digest }))),
      format,
      contentLength: this.writer.contentLength(plan),
    });
    if (!out) return;
    for (const { row, tagId } of pulled) this.pulls.record(row.repositoryId, row.id, tagId);

    let bytes = 0;
    let failure: Error | undefined;
    try {
      bytes = await this.writer.write(plan, out);
    } catch (err) {
      failure = err as Error;
      if (!out.destroyed) out.destroy(failure);
      if (isDisconnect(failure)) this.logger.log(`export of ${resolved.map((r) => r.text).join(', ')} ended early: the client went away`);
      else this.logger.error({ msg: `export of ${resolved.map((r) => r.text).join(', ')} failed`, err: failure });
    }
    this.recordAudit(caller, resolved, format, request.platform, bytes, failure);
  }

  /** Access first (a hidden project is 404 whatever follows), then the repository, then the artifact. */
  private async resolve(principal: Principal, reference: ExportReference, registryHost: string, projects: Map<string, Promise<ProjectAccessRow>>): Promise<Resolved> {
    // `my.team/app:1.0` parses with `my.team` as a registry; only this Berth's own host is one here.
    const repository = reference.registry && reference.registry !== registryHost ? `${reference.registry}/${reference.repository}` : reference.repository;
    const shown = reference.tag ? `${repository}:${reference.tag}` : `${repository}@${reference.digest}`;
    if (!repository.includes('/')) throw DomainError.invalid(`"${reference.text.slice(0, 200)}": name the project first: <project>/<repository>:<tag>`);
    const projectName = projectOf(repository);
    let access = projects.get(projectName);
    if (!access) {
      access = this.access.require(principal, projectName, 'pull');
      access.catch(() => undefined);
      projects.set(projectName, access);
    }
    const project = await access;
    const known = isValidRepositoryName(repository) ? await this.catalog.findByName(repository) : undefined;
    if (!known) throw DomainError.notFound(`repository "${repository.slice(0, 512)}" not found`);
    const row = reference.tag ? await this.manifests.findByTag(repository, reference.tag, true) : await this.manifests.findByDigest(repository, reference.digest!, true);
    if (!row?.content) throw DomainError.notFound(`artifact ${shown.slice(0, 600)} not found`);
    return { text: shown, project, repository, tag: reference.tag, row: row as Resolved['row'], manifest: parseStored(row as Resolved['row']) };
  }

  private async planDocker(resolved: Resolved[], wanted: Platform | undefined, naming: Naming): Promise<{ plan: ExportPlan; pulled: Pulled[] }> {
    const images = new Map<string, DockerPlanImage>();
    const pulled: Pulled[] = [];
    for (const r of resolved) {
      const selected = await this.selectImage(r, wanted);
      pulled.push({ row: r.row, tagId: r.row.tagId }, ...(selected.row === r.row ? [] : [{ row: selected.row }]));
      const config = selected.manifest.config!;
      if (!isImageConfigMediaType(config.mediaType)) {
        throw DomainError.conflict(`${r.text} is not a container image (its config is ${config.mediaType}); export it with format=oci`, { reference: r.text });
      }
      const names = r.tag ? [nameOf(r, naming)] : [];
      const same = images.get(config.digest);
      // Two references to one image (1.0 and latest) are one manifest.json entry with both tags, as docker save writes it.
      if (same) {
        same.names.push(...names.filter((n) => !same.names.some((m) => m.repository === n.repository && m.tag === n.tag)));
        continue;
      }
      const diff = readExportConfig(await this.readConfig(config, r.text));
      if ('problem' in diff) throw DomainError.conflict(`${r.text} cannot be exported as a docker archive: ${diff.problem}`, { reference: r.text });
      const layers = selected.manifest.layers;
      if (diff.diffIds.length !== layers.length) {
        throw DomainError.conflict(`${r.text} cannot be exported as a docker archive: its config names ${diff.diffIds.length} layers, its manifest ${layers.length}`, { reference: r.text });
      }
      const known = await this.blobs.uncompressedSizes(layers.map((l) => l.digest));
      const planned: PlannedLayer[] = [];
      for (const [i, layer] of layers.entries()) {
        const compression = await this.writer.inspectLayer(layer, `layer ${i + 1} of ${r.text}`);
        const uncompressedSize = known.get(layer.digest);
        planned.push({ stored: { digest: layer.digest, size: layer.size }, diffId: diff.diffIds[i], compression, ...(uncompressedSize === undefined ? {} : { uncompressedSize }) });
      }
      const platform = diff.platform ?? selected.platform;
      if (wanted && selected.row === r.row) this.checkImagePlatform(r, platform, wanted);
      images.set(config.digest, { config: { digest: config.digest, size: config.size }, layers: planned, names, ...(platform ? { platform } : {}) });
    }
    return { plan: { format: 'docker', images: [...images.values()] }, pulled };
  }

  private async planOci(resolved: Resolved[], wanted: Platform | undefined, naming: Naming): Promise<{ plan: ExportPlan; pulled: Pulled[] }> {
    const entries = new Map<string, OciExportEntry>();
    const blobs = new Map<string, PlannedBlob>();
    const pulled: Pulled[] = [];
    for (const r of resolved) {
      let top: Selected = { row: r.row, manifest: r.manifest };
      if (wanted) {
        top = await this.selectImage(r, wanted);
        if (top.row === r.row) this.checkImagePlatform(r, readExportConfig(await this.readConfig(r.manifest.config!, r.text)).platform, wanted);
      }
      pulled.push({ row: r.row, tagId: r.row.tagId });
      await this.collect(r, top, blobs, pulled, 0);
      const names = r.tag ? [nameOf(r, naming)] : [];
      const descriptor: Descriptor = { mediaType: top.row.mediaType, digest: top.row.digest, size: top.row.size, ...(top.platform ? { platform: top.platform } : {}) };
      const same = entries.get(descriptor.digest);
      if (same) same.names.push(...names.filter((n) => !same.names.some((m) => m.repository === n.repository && m.tag === n.tag)));
      else entries.set(descriptor.digest, { descriptor, names });
    }
    return { plan: { format: 'oci', index: exportOciIndex([...entries.values()], 'reference'), blobs: [...blobs.values()] }, pulled };
  }

  /** The manifest and everything it references (an index: every child this repository holds), each blob once. */
  private async collect(r: Resolved, at: Selected, blobs: Map<string, PlannedBlob>, pulled: Pulled[], depth: number): Promise<void> {
    if (blobs.has(at.row.digest)) return;
    blobs.set(at.row.digest, { digest: at.row.digest, size: at.row.size, content: at.row.content });
    if (at.row !== r.row) pulled.push({ row: at.row });
    if (at.manifest.kind === 'index') {
      if (depth >= MAX_INDEX_DEPTH) throw DomainError.conflict(`${r.text} nests indexes deeper than ${MAX_INDEX_DEPTH} levels`, { reference: r.text });
      for (const child of at.manifest.manifests) {
        const row = await this.manifests.findByDigest(r.repository, child.digest, true);
        if (!row?.content) {
          const platform = child.platform ? ` (${formatPlatform(child.platform)})` : '';
          throw DomainError.conflict(`${r.text} lists ${child.digest}${platform}, which ${r.repository} does not hold (pushed without --all?); export one platform with platform=`, {
            reference: r.text,
            missing: child.digest,
          });
        }
        await this.collect(r, { row: row as Selected['row'], manifest: parseStored(row as Selected['row']) }, blobs, pulled, depth + 1);
      }
      return;
    }
    for (const [i, blob] of [at.manifest.config!, ...at.manifest.layers].entries()) {
      if (blobs.has(blob.digest)) continue;
      const what = i === 0 ? `the config of ${r.text}` : `layer ${i} of ${r.text}`;
      // A non-distributable layer (a Windows base layer) may live only at its URLs; the layout may leave it out.
      if (i > 0 && blob.urls?.length && isNonDistributableMediaType(blob.mediaType)) {
        if (!(await this.writer.isStored(blob, what))) continue;
      } else {
        await this.writer.checkStored(blob, what);
      }
      blobs.set(blob.digest, { digest: blob.digest, size: blob.size });
    }
  }

  /** An image stays itself; an index gives its child for the platform, which a docker archive needs. */
  private async selectImage(r: Resolved, platform: Platform | undefined): Promise<Selected> {
    if (r.manifest.kind === 'image') return { row: r.row, manifest: r.manifest };
    const platforms = exportPlatformsOf(r.manifest.manifests);
    if (!platform) {
      throw DomainError.conflict(`${r.text} is an image index: choose one of its platforms with platform= (${platforms.join(', ')}), or export every platform with format=oci`, {
        reference: r.text,
        platforms,
      });
    }
    const child = exportSelectPlatform(r.manifest.manifests, platform);
    if (!child) throw DomainError.conflict(`${r.text} has no ${formatPlatform(platform)} image; it has ${platforms.join(', ') || 'no platforms'}`, { reference: r.text, platforms });
    const row = await this.manifests.findByDigest(r.repository, child.digest, true);
    if (!row?.content) throw DomainError.conflict(`the ${formatPlatform(platform)} image of ${r.text} (${child.digest}) is not stored in ${r.repository}`, { reference: r.text });
    const manifest = parseStored(row as Selected['row']);
    if (manifest.kind !== 'image') throw DomainError.conflict(`the ${formatPlatform(platform)} entry of ${r.text} is itself an index; export it with format=oci`, { reference: r.text });
    return { row: row as Selected['row'], manifest, platform: child.platform };
  }

  private checkImagePlatform(r: Resolved, actual: Platform | undefined, wanted: Platform): void {
    if (actual && exportPlatformMatches(actual, wanted)) return;
    throw DomainError.conflict(`${r.text} is a ${actual ? formatPlatform(actual) : 'platform-less'} image, not ${formatPlatform(wanted)}`, {
      reference: r.text,
      platforms: actual ? [formatPlatform(actual)] : [],
    });
  }

  private async readConfig(config: Descriptor, what: string): Promise<Buffer> {
    if (config.size > MAX_CONFIG_BYTES) throw DomainError.conflict(`the config of ${what} is ${config.size} bytes, more than an image config can be`, { reference: what });
    return this.writer.readBlob(config, `the config of ${what}`);
  }

  /** One event per project the archive read from, so each project's log shows what left it. */
  private recordAudit(caller: ExportCaller, resolved: Resolved[], format: ExportFormat, platform: Platform | undefined, bytes: number, failure: Error | undefined): void {
    const byProject = new Map<string, Resolved[]>();
    for (const r of resolved) byProject.set(r.project.id, [...(byProject.get(r.project.id) ?? []), r]);
    for (const [projectId, own] of byProject) {
      const references = own.map((r) => r.text);
      this.audit.record({
        ...actorOf(caller.principal),
        action: 'artifact.export',
        resource: references.length === 1 ? references[0] : `${references.length} artifacts: ${references.join(', ')}`.slice(0, 1000),
        projectId,
        address: caller.address ?? null,
        success: !failure,
        details: {
          references,
          ...(resolved.length > references.length ? { archiveReferences: resolved.length } : {}),
          format,
          ...(platform ? { platform: formatPlatform(platform) } : {}),
          bytes,
          ...(failure ? { error: isDisconnect(failure) ? 'the client disconnected before the end' : 'the archive could not be completed' } : {}),
        },
      });
    }
  }
}

interface Pulled {
  row: ManifestRow;
  tagId?: string;
}

/** Without an explicit format: docker when every reference is a container image or an index narrowed by platform. */
function dockerable(r: Resolved, platform: Platform | undefined): boolean {
  if (r.manifest.kind === 'index') return platform !== undefined;
  return r.manifest.config !== undefined && isImageConfigMediaType(r.manifest.config.mediaType);
}

interface Naming {
  registryHost: string;
  includeHost: boolean;
}

function nameOf(r: Resolved, naming: Naming): ExportName {
  return { repository: naming.includeHost ? `${naming.registryHost}/${r.repository}` : r.repository, tag: r.tag! };
}

/** Stored manifests were validated on push. */
function parseStored(row: ManifestRow & { content: Buffer }): ParsedManifest {
  return parseManifest(row.content, row.mediaType);
}

/** The socket's errors, or the writer's way of saying the response closed under it (its reads aborted, its entry closed). */
function isDisconnect(err: Error): boolean {
  return isClientDisconnect(err) || err.name === 'AbortError' || /archive was closed/.test(err.message);
}
