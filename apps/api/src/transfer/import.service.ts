import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  applyUserNames,
  ArchiveError,
  buildImportPlan,
  ImageTarget,
  ImportPlan,
  isValidTag,
  defaultsUnused,
  proposeTargets,
  ProposedTargets,
  readUserTarget,
  RegistryError,
} from '@berth/oci';
import { PathNotFoundError, StorageDriver, StorageFullError } from '@berth/storage';
import type { ProjectAccessRow } from '../access/access.repository';
import { type Actor, principalName } from '../access/principal';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError, isDomainError } from '../common/domain-error';
import type { Page, Paging } from '../common/paging';
import { BERTH_CONFIG, BerthConfig } from '../config/config';
import { ProjectAccessService } from '../projects/project-access.service';
import { STORAGE_DRIVER } from '../storage/storage.module';
import type { ImportJob, ImportJobSummary, ImportNamesBody, ImportResult, StartImportQuery } from './import.dto';
import { ImportCommitter, parseStagedPlan, PartialImportError, serializeStagedPlan, StagedPlan } from './import-committer';
import { ImportJobRepository, ImportPlanSummary } from './import-job.repository';
import { ABANDONED_AFTER_MS, ImportProgress } from './import-progress';
import { ArchiveReader, ArchiveWrapping, UploadInterruptedError } from './import-reader';
import { MemberStager } from './import-stager';

/** The request body of an import, as the transport hands it over. */
export interface ArchiveUpload {
  stream: Readable;
  /** Content-Length, when the client sent one. */
  length?: number;
  address?: string;
}

/** Where a job's members and plan are staged; removed when the job ends. */
export function stagingDir(id: string): string {
  return `/imports/${id}`;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Archive imports (docs/design/offline-transfer.md): the upload is read once, member by member, into
 * staging; the archive is then planned (images, names, checks), and committed in the background through
 * the registry's own paths (ImportCommitter). A job waits for names when an image has none. Permission
 * is push, as for a registry push (robots with push may import); a project the caller may not see is 404.
 */
@Injectable()
export class ImportService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ImportService.name);
  private readonly running = new Set<Promise<void>>();
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly jobs: ImportJobRepository,
    private readonly committer: ImportCommitter,
    private readonly access: ProjectAccessService,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Imports already committing finish (they take seconds: the bytes are staged); uploads end with their requests, and their jobs are marked failed. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.allSettled([...this.running]);
  }

  /**
   * Reads the upload to its end and answers with the job: failed (the archive is bad), awaiting names, or
   * importing (the commit continues in the background). The job row exists from the first byte, so the
   * console can watch `bytesRead` grow while the upload runs.
   */
  async start(actor: Actor, projectName: string, upload: ArchiveUpload, query: StartImportQuery): Promise<ImportJob> {
    const project = await this.access.require(actor, projectName, 'push');
    const defaults = this.defaultsOf(query, project.name);
    const id = randomUUID();
    await this.jobs.create({ id, projectId: project.id, createdBy: principalName(actor), bytesTotal: upload.length ?? null });
    // Tracked like a commit, so a shutdown waits for the job's end to be written.
    await this.track(this.receive(id, project, actor, upload, query, defaults));
    return this.view(project, id);
  }

  /** Reads, stages and plans the upload; any failure is the job's. */
  private async receive(
    id: string,
    project: ProjectAccessRow,
    actor: Actor,
    upload: ArchiveUpload,
    query: StartImportQuery,
    defaults: { repository?: string; tag?: string },
  ): Promise<void> {
    const progress = new ImportProgress(this.jobs, id, this.logger).start();
    const stager = new MemberStager(this.storage, stagingDir(id));
    const limits = { maxBytes: this.config.importMaxBytes, maxBlobBytes: this.config.uploadMaxBytes, contentLength: upload.length };
    const reader = new ArchiveReader(stager, (bytes) => (progress.bytesRead = bytes), limits);
    try {
      const read = await reader.read(upload.stream);
      await progress.stop();
      await this.jobs.analyzing(id, reader.bytesRead);
      const plan = buildImportPlan(read.contents);
      this.refuseOversizedBlobs(plan);
      const override = !query.only_unnamed;
      if (override && defaultsUnused(plan.images, project.name, defaults)) {
        const given = [defaults.repository && `repository ${defaults.repository}`, defaults.tag && `tag ${defaults.tag}`].filter(Boolean).join(' and ');
        throw DomainError.invalid(
          `this archive names each of its ${plan.images.length} images itself, so the ${given} given would name none of them; ` +
            'give `names` ([{"index":0,"repository":"app","tag":"1.0"}], one entry per image to rename) or import with review=true to choose',
        );
      }
      const proposed = proposeTargets(plan.images, project.name, defaults, { override });
      let targets = proposed.map((p) => p.targets);
      if (query.names) {
        const applied = applyUserNames(targets, query.names, project.name);
        if ('problems' in applied) throw DomainError.invalid(`the names given do not fit this archive: ${applied.problems.join('; ')}`);
        targets = applied.targets;
      }
      const staged: StagedPlan = { ...plan, blobs: plan.blobs.map((blob) => ({ ...blob, path: stager.staged.get(blob.member)! })) };
      await this.storage.putContent(`${stagingDir(id)}/plan.json`, serializeStagedPlan(staged));
      const summary = summaryOf(plan, read.wrapping, proposed, targets);
      const waiting = query.review || targets.some((t) => t.length === 0);
      await this.jobs.planned(id, waiting ? 'awaiting_names' : 'importing', summary, {
        images: plan.images.length,
        layers: plan.blobs.filter((b) => b.role === 'layer').length,
      });
      if (!waiting) this.launch(id, project, actor, upload.address, staged, targets);
    } catch (err) {
      await progress.stop();
      // Answered at once, even while the client is still sending: the connection guard (common/connection-guard.ts)
      // then reads and drops the rest of the body for a moment and closes the connection, so the client learns early
      // and is never left blocked on a body nobody reads.
      await this.fail(id, project, actor, upload.address, err, reader.bytesRead);
    }
  }

  async list(actor: Actor, projectName: string, paging: Paging): Promise<Page<ImportJobSummary>> {
    const project = await this.access.require(actor, projectName, 'push');
    return this.jobs.list(project.id, paging);
  }

  async get(actor: Actor, projectName: string, id: string): Promise<ImportJob> {
    const project = await this.access.require(actor, projectName, 'push');
    return this.view(project, id);
  }

  /** Names for a job awaiting them; the import then continues in the background. */
  async name(actor: Actor, projectName: string, id: string, body: ImportNamesBody, address?: string): Promise<ImportJob> {
    const project = await this.access.require(actor, projectName, 'push');
    const job = await this.jobs.find(project.id, id);
    if (!job || !job.plan) throw importNotFound(id, project.name);
    if (job.status !== 'awaiting_names') throw DomainError.conflict(`import ${id} is ${job.status}; names can be given only while it is awaiting_names`);
    const applied = applyUserNames(
      job.images.map((image) => image.targets),
      body.images,
      project.name,
    );
    if ('problems' in applied) throw DomainError.invalid('invalid names', { issues: applied.problems.map((message) => ({ path: 'images', message })) });
    const unnamed = job.images.filter((image) => applied.targets[image.index].length === 0);
    if (unnamed.length > 0) {
      const which = unnamed.map((image) => `${image.index}${image.sourceNames.length ? ` (${image.sourceNames.join(', ')})` : ''}`).join(', ');
      throw DomainError.invalid(`every image needs a name; still without one: image ${which}`, {
        issues: unnamed.map((image) => ({ path: 'images', message: `image ${image.index} has no repository and tag` })),
      });
    }
    let staged: StagedPlan;
    try {
      staged = parseStagedPlan(await this.storage.getContent(`${stagingDir(id)}/plan.json`));
    } catch (err) {
      if (err instanceof PathNotFoundError) throw DomainError.conflict(`the staged archive of import ${id} is gone; upload it again`);
      throw err;
    }
    const summary: ImportPlanSummary = { ...job.plan, images: job.images.map((image) => ({ ...image, targets: applied.targets[image.index] })) };
    if (!(await this.jobs.claimForImport(id, summary))) throw DomainError.conflict(`import ${id} is no longer awaiting names`);
    this.launch(id, project, actor, address, staged, applied.targets);
    return this.view(project, id);
  }

  /** The registry's per-blob limit (BERTH_UPLOAD_MAX_BYTES) holds for imports as for pushes. */
  private refuseOversizedBlobs(plan: ImportPlan): void {
    const max = this.config.uploadMaxBytes;
    const blob = max === undefined ? undefined : plan.blobs.find((b) => b.size > max);
    if (blob) throw new ArchiveError('too-large', `blob ${blob.digest} ("${blob.member}") is ${blob.size} bytes, over this registry's limit of ${max} bytes per blob`);
  }

  private defaultsOf(query: StartImportQuery, project: string): { repository?: string; tag?: string } {
    const problems: string[] = [];
    let repository: string | undefined;
    if (query.repository !== undefined) {
      const read = readUserTarget(query.repository, query.tag ?? 'latest', project);
      if ('problem' in read) problems.push(read.problem);
      else repository = read.target.repository;
    } else if (query.tag !== undefined && !isValidTag(query.tag)) {
      problems.push(`invalid tag "${query.tag.slice(0, 100)}": must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`);
    }
    for (const [i, name] of (query.names ?? []).entries()) {
      const read = readUserTarget(name.repository, name.tag, project);
      if ('problem' in read) problems.push(`names.${i}: ${read.problem}`);
    }
    if (problems.length > 0) throw DomainError.invalid('invalid query', { issues: problems.map((message) => ({ path: 'query', message })) });
    return { repository, tag: query.tag };
  }

  /** Commits in the background; the job row tells how it went. */
  private launch(id: string, project: ProjectAccessRow, actor: Actor, address: string | undefined, plan: StagedPlan, targets: ImageTarget[][]): void {
    void this.track(this.commit(id, project, actor, address, plan, targets));
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    return tracked;
  }

  private async commit(id: string, project: ProjectAccessRow, actor: Actor, address: string | undefined, plan: StagedPlan, targets: ImageTarget[][]): Promise<void> {
    const progress = new ImportProgress(this.jobs, id, this.logger).start();
    try {
      const result = await this.committer.commit(plan, new Map(targets.map((t, i) => [i, t])), progress);
      await progress.stop();
      // Staging goes before the job says it ended: whoever sees a finished job sees no staging left.
      await this.removeStaging(id);
      await this.jobs.succeeded(id, result, { imagesDone: progress.imagesDone, layersDone: progress.layersDone });
      await this.record(id, project, actor, address, true, { format: plan.format, tags: result.tags.map((t) => `${t.repository}:${t.tag}`) });
    } catch (err) {
      await progress.stop();
      const partial: ImportResult | null = err instanceof PartialImportError ? { tags: err.tags, notes: plan.notes } : null;
      await this.fail(id, project, actor, address, err, undefined, partial);
    }
  }

  private async fail(
    id: string,
    project: ProjectAccessRow,
    actor: Actor,
    address: string | undefined,
    err: unknown,
    bytesRead?: number,
    partial: ImportResult | null = null,
  ): Promise<void> {
    const message = this.reasonOf(err, id);
    try {
      if (bytesRead !== undefined) await this.jobs.progress(id, { bytesRead });
      await this.removeStaging(id);
      await this.jobs.failed(id, message, partial);
      await this.record(id, project, actor, address, false, { error: message });
    } catch (writeError) {
      this.logger.error({ msg: `could not record the failure of import ${id}`, err: writeError });
    }
  }

  /** What the job says went wrong: the archive's, the upload's or the registry's own message; internals only in the log. */
  private reasonOf(err: unknown, id: string): string {
    if (err instanceof ArchiveError || err instanceof UploadInterruptedError || err instanceof PartialImportError) return err.message;
    if (err instanceof RegistryError || isDomainError(err)) return err.message;
    if (err instanceof StorageFullError) {
      this.logger.error({ msg: `import ${id} failed: storage is full`, path: err.path });
      return 'the registry storage is full: nothing of this archive was kept; import it again once an administrator has freed space';
    }
    this.logger.error({ msg: `import ${id} failed`, err });
    return `internal error while importing; the server log has the details (import ${id})`;
  }

  private record(id: string, project: ProjectAccessRow, actor: Actor, address: string | undefined, success: boolean, details: Record<string, unknown>): Promise<void> {
    return this.audit.recordNow({
      ...actorOf(actor),
      action: 'archive.import',
      resource: `project ${project.name}`,
      projectId: project.id,
      address: address ?? null,
      success,
      details: { import: id, ...details },
    });
  }

  private async view(project: ProjectAccessRow, id: string): Promise<ImportJob> {
    const job = await this.jobs.find(project.id, id);
    if (!job) throw importNotFound(id, project.name);
    const { plan: _, ...view } = job;
    return view;
  }

  private async removeStaging(id: string): Promise<void> {
    await this.storage.delete(stagingDir(id)).catch((err) => {
      if (!(err instanceof PathNotFoundError)) this.logger.warn(`could not remove the staging of import ${id}: ${String(err)}`);
    });
  }

  /** Jobs whose process died, and jobs nobody named in time, fail; their staging goes. Safe on every replica at once. */
  async sweep(): Promise<void> {
    try {
      for (const { id } of await this.jobs.failAbandoned(ABANDONED_AFTER_MS, this.config.gc.uploadMaxAgeMs)) await this.removeStaging(id);
    } catch (err) {
      this.logger.warn(`import sweep failed: ${String(err)}`);
    }
  }
}

function summaryOf(plan: ImportPlan, wrapping: ArchiveWrapping, proposed: ProposedTargets[], targets: ImageTarget[][]): ImportPlanSummary {
  return {
    format: plan.format,
    compression: wrapping,
    images: plan.images.map((image) => ({
      index: image.index,
      kind: image.kind,
      mediaType: image.mediaType,
      digest: image.digest,
      rewrittenFrom: image.rewrittenFrom ?? null,
      sourceNames: image.sourceNames,
      suggestedTag: proposed[image.index].suggestedTag ?? null,
      targets: targets[image.index],
      platforms: image.platforms,
      size: image.size,
      layers: image.layers,
    })),
  };
}

function importNotFound(id: string, project: string): DomainError {
  return DomainError.notFound(`import ${id.slice(0, 64)} not found in project ${project}`);
}
