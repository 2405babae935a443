import { Injectable } from '@nestjs/common';
import { repositoryInProject } from '@berth/oci';
import { DataSource } from 'typeorm';
import type { Principal, UserPrincipal } from '../access/principal';
import { viewerOf } from '../access/visibility';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { offsetOf, Page } from '../common/paging';
import { inTransaction } from '../database/queryable';
import { immutableTagError, ImmutabilityService } from '../policies/immutability.service';
import { ProjectAccessService } from '../projects/project-access.service';
import { CatalogRepository } from '../registry/catalog.repository';
import { RegistryChangeFeed } from '../registry/registry-change-feed';
import type { RepositoryListQuery, RepositorySummary, RepositoryView, UpdateRepositoryBody } from './repository.dto';
import { RepositoryFilter, RepositoryRepository } from './repository.repository';

/** Repositories in the console: `<project>/<path>`, with access decided by the project (hidden projects are 404). */
@Injectable()
export class RepositoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repositories: RepositoryRepository,
    private readonly access: ProjectAccessService,
    private readonly audit: AuditService,
    private readonly changes: RegistryChangeFeed,
    private readonly immutability: ImmutabilityService,
    private readonly catalog: CatalogRepository,
  ) {}

  async listInProject(principal: Principal, projectName: string, query: RepositoryListQuery): Promise<Page<RepositorySummary>> {
    const filter = filterOf(principal, query);
    const project = await this.access.require(principal, projectName, 'pull');
    const { items, total } = await this.repositories.list({ project: project.name }, filter, userIdOf(principal), offsetOf(query), query.pageSize);
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  /** Across the projects the caller may see: public ones, its own, and all of them for admins. */
  async listAll(principal: Principal, query: RepositoryListQuery): Promise<Page<RepositorySummary>> {
    const filter = filterOf(principal, query);
    const { items, total } = await this.repositories.list({ viewer: viewerOf(principal) }, filter, userIdOf(principal), offsetOf(query), query.pageSize);
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  async get(principal: Principal, projectName: string, path: string): Promise<RepositoryView> {
    const project = await this.access.require(principal, projectName, 'pull');
    const name = repositoryInProject(project.name, path);
    return (await this.repositories.view(name, userIdOf(principal))) ?? throwNotFound(name);
  }

  /**
   * The description is stored exactly as written (markdown) and needs edit_description; the badge is the
   * platform team's word, so only system administrators set it.
   */
  async update(principal: UserPrincipal, projectName: string, path: string, body: UpdateRepositoryBody): Promise<RepositoryView> {
    const project = await this.access.require(principal, projectName, body.description !== undefined ? 'edit_description' : 'pull');
    if (body.badge !== undefined && !principal.isAdmin) throw DomainError.forbidden('only system administrators may set or remove a badge', { field: 'badge' });
    const name = repositoryInProject(project.name, path);
    const updated = (await this.repositories.update(name, body)) ?? throwNotFound(name);
    const event = { ...actorOf(principal), resource: name, projectId: project.id, success: true };
    if (body.description !== undefined) {
      await this.audit.recordNow({ ...event, action: 'repository.update', details: { descriptionLength: body.description.length } });
    }
    if (body.badge !== undefined && body.badge !== updated.previousBadge) {
      await this.audit.recordNow({ ...event, action: 'repository.badge', details: { from: updated.previousBadge, to: body.badge } });
    }
    return (await this.repositories.view(name, principal.id)) ?? throwNotFound(name);
  }

  /**
   * Removes the repository's rows (manifests and tags cascade); its blobs' bytes are left for garbage
   * collection. PRECONDITION while it holds an immutable tag.
   */
  async delete(principal: UserPrincipal, projectName: string, path: string): Promise<void> {
    const project = await this.access.require(principal, projectName, 'delete');
    const name = repositoryInProject(project.name, path);
    await inTransaction(this.dataSource, async (tx) => {
      // The row lock first, as pushes take it: a tag pushed meanwhile is either seen here or waits.
      await this.catalog.lockByName(name, tx);
      const locked = await this.immutability.protectedTagsInRepository(name, tx);
      if (!(await this.repositories.delete(name, tx))) throwNotFound(name);
      if (locked.length > 0) throw immutableTagError(locked[0].tag, locked[0], `repository ${name} cannot be deleted`, locked.length - 1);
      // Every replica drops what it cached for this repository once the transaction commits.
      await this.changes.publish(name, tx);
    });
    this.changes.changedLocally(name);
    await this.audit.recordNow({ ...actorOf(principal), action: 'repository.delete', resource: name, projectId: project.id, success: true });
  }

  /** Stars or unstars a repository the user can pull; doing it twice is the same as once. */
  async star(principal: UserPrincipal, projectName: string, path: string, starred: boolean): Promise<void> {
    const project = await this.access.require(principal, projectName, 'pull');
    const name = repositoryInProject(project.name, path);
    const found = await inTransaction(this.dataSource, (tx) => this.repositories.setStar(name, principal.id, starred, tx));
    if (!found) throwNotFound(name);
  }
}

function userIdOf(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.id : null;
}

/** `starred=true` means "mine": an anonymous caller has no stars to filter by, and is told to sign in rather than shown an empty list. */
function filterOf(principal: Principal, query: RepositoryListQuery): RepositoryFilter {
  let starredBy: string | undefined;
  if (query.starred) {
    if (principal.kind !== 'user') throw DomainError.unauthorized('sign in to list your starred repositories');
    starredBy = principal.id;
  }
  return { q: query.q, sort: query.sort, badge: query.badge, starredBy };
}

function throwNotFound(name: string): never {
  throw DomainError.notFound(`repository "${name.slice(0, 512)}" not found`);
}
