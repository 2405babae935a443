import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal, UserPrincipal } from '../access/principal';
import { viewerOf } from '../access/visibility';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError, isDomainError } from '../common/domain-error';
import { offsetOf, Page } from '../common/paging';
import { inTransaction } from '../database/queryable';
import { SettingsService } from '../settings/settings.service';
import { RegistryChangeFeed } from '../registry/registry-change-feed';
import { ImmutabilityService, immutableTagError } from '../policies/immutability.service';
import { MemberRepository } from './member.repository';
import { ProjectAccessService } from './project-access.service';
import { assertProjectName } from './project-name';
import type { CreateProjectBody, ProjectDetail, ProjectListQuery, ProjectView, UpdateProjectBody } from './project.dto';
import { ProjectRepository } from './project.repository';

/** Refused project names a user (not an admin, who sees every project anyway) may try per hour. */
export const NAME_PROBES_PER_HOUR = 10;
const NAME_PROBE_WINDOW_MS = 60 * 60_000;

/** Projects: who sees them, who creates them (the `project_creation` setting), and when they may go. */
@Injectable()
export class ProjectService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly projects: ProjectRepository,
    private readonly members: MemberRepository,
    private readonly access: ProjectAccessService,
    private readonly settings: SettingsService,
    private readonly audit: AuditService,
    private readonly changes: RegistryChangeFeed,
    private readonly immutability: ImmutabilityService,
  ) {}

  /** Public projects, the caller's own, and all of them for admins. */
  async list(principal: Principal, query: ProjectListQuery): Promise<Page<ProjectView>> {
    const { page, pageSize, ...filter } = query;
    const { items, total } = await this.projects.list(viewerOf(principal), userIdOf(principal), filter, offsetOf(query), pageSize);
    return { items, total, page, pageSize };
  }

  async get(principal: Principal, name: string): Promise<ProjectDetail> {
    const project = await this.access.require(principal, name, 'pull');
    const { row, contents } = await this.projects.detail(project.id, userIdOf(principal));
    return { ...row, summary: { repositoryCount: row.repositoryCount, ...contents } };
  }

  /** The creator becomes its project_admin. */
  async create(principal: UserPrincipal, input: CreateProjectBody): Promise<ProjectView> {
    if (!principal.isAdmin && (await this.settings.get()).project_creation !== 'everyone') {
      throw DomainError.forbidden('only system administrators may create projects');
    }
    assertProjectName(input.name);
    // A taken name can only be refused, which tells that it exists: so the refusal names no owner or
    // visibility, is audited (in the project whose name it was), and is throttled per user, so listing
    // private project names by trying them is slow and seen.
    if (!principal.isAdmin && (await this.audit.recentFailures({ action: 'project.create', actor: principal.username, windowMs: NAME_PROBE_WINDOW_MS })) >= NAME_PROBES_PER_HOUR) {
      throw DomainError.tooManyRequests('too many project names refused; try again later', { retryAfterSeconds: NAME_PROBE_WINDOW_MS / 1000 });
    }
    let id: string;
    try {
      id = await inTransaction(this.dataSource, async (tx) => {
        const projectId = await this.projects.insert(
          { name: input.name, public: input.public ?? false, description: input.description?.trim() ?? '', createdBy: principal.id },
          tx,
        );
        await this.members.insert(projectId, principal.id, 'project_admin', tx);
        return projectId;
      });
    } catch (err) {
      if (!isDomainError(err, 'CONFLICT')) throw err;
      await this.audit.recordNow({ ...actorOf(principal), action: 'project.create', resource: `project ${input.name}`, projectName: input.name, success: false, details: { reason: 'name taken' } });
      throw DomainError.conflict(`the project name "${input.name}" is not available; choose another`, { field: 'name' });
    }
    await this.audit.recordNow({
      ...actorOf(principal),
      action: 'project.create',
      resource: `project ${input.name}`,
      projectId: id,
      success: true,
      details: { public: input.public ?? false },
    });
    return this.view(id, principal.id);
  }

  /** Visibility and description follow manage_project; quota and badge are the platform's to set (system admins). */
  async update(principal: UserPrincipal, name: string, changes: UpdateProjectBody): Promise<ProjectView> {
    const project = await this.access.require(principal, name, 'manage_project');
    const platformFields = (['quotaBytes', 'badge'] as const).filter((field) => changes[field] !== undefined);
    if (platformFields.length > 0 && !principal.isAdmin) {
      throw DomainError.forbidden("only system administrators may change a project's quota or badge", { fields: platformFields });
    }
    await this.projects.update(project.id, { ...changes, description: changes.description?.trim() });
    await this.audit.recordNow({ ...actorOf(principal), action: 'project.update', resource: `project ${project.name}`, projectId: project.id, success: true, details: changes });
    return this.view(project.id, principal.id);
  }

  /**
   * Deleting is a metadata change. A project whose repositories hold manifests is refused (PRECONDITION)
   * unless `force`, which deletes those repositories' rows too; their bytes are left for GC. A project
   * holding an immutable tag is refused either way: remove the rule first.
   */
  async delete(principal: UserPrincipal, name: string, force: boolean): Promise<void> {
    const project = await this.access.require(principal, name, 'manage_project');
    const removed = await inTransaction(this.dataSource, async (tx) => {
      await this.projects.lock(project.id, tx);
      const withManifests = await this.projects.countRepositoriesWithManifests(project.name, tx);
      if (withManifests > 0 && !force) {
        throw DomainError.precondition(`project "${project.name}" still has ${withManifests} repositories with images; delete them first, or pass force=true`, {
          repositories: withManifests,
        });
      }
      const immutable = await this.immutability.protectedTagsInProject(project.name, tx);
      if (immutable.length > 0) {
        const [first] = immutable;
        throw immutableTagError(`${first.repository}:${first.tag}`, first, `project "${project.name}" cannot be deleted`, immutable.length - 1);
      }
      const repositories = await this.projects.deleteRepositories(project.name, tx);
      // Every replica drops what it cached for these repositories once this transaction commits.
      for (const repository of repositories) await this.changes.publish(repository, tx);
      await this.projects.delete(project.id, tx);
      return repositories;
    });
    for (const repository of removed) this.changes.changedLocally(repository);
    // The project row is gone, so the event names it in text only.
    await this.audit.recordNow({
      ...actorOf(principal),
      action: 'project.delete',
      resource: `project ${project.name}`,
      success: true,
      details: { force, repositoriesDeleted: removed.length },
    });
  }

  private view(projectId: string, userId: string): Promise<ProjectView> {
    return this.projects.view(projectId, userId);
  }
}

function userIdOf(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.id : null;
}
