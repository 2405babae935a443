import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Principal, UserPrincipal } from '../access/principal';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { offsetOf, Page } from '../common/paging';
import { inTransaction } from '../database/queryable';
import { ProjectAccessService } from '../projects/project-access.service';
import { RegistryChangeFeed } from '../registry/registry-change-feed';
import type { RepositoryListQuery, UpdateRepositoryBody } from './repository.dto';
import { RepositoryRepository, RepositorySummary, RepositoryView } from './repository.repository';

/** Repositories in the console: `<project>/<path>`, with access decided by the project (hidden projects are 404). */
@Injectable()
export class RepositoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repositories: RepositoryRepository,
    private readonly access: ProjectAccessService,
    private readonly audit: AuditService,
    private readonly changes: RegistryChangeFeed,
  ) {}

  async listInProject(principal: Principal, projectName: string, query: RepositoryListQuery): Promise<Page<RepositorySummary>> {
    const project = await this.access.require(principal, projectName, 'pull');
    const { items, total } = await this.repositories.list({ project: project.name }, query, offsetOf(query), query.pageSize);
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  /** Across the projects the caller may see: public ones, its own, and all of them for admins. */
  async listAll(principal: Principal, query: RepositoryListQuery): Promise<Page<RepositorySummary>> {
    const viewer = principal.kind === 'user' ? { userId: principal.id, isAdmin: principal.isAdmin } : { userId: null, isAdmin: false };
    const { items, total } = await this.repositories.list({ viewer }, query, offsetOf(query), query.pageSize);
    return { items, total, page: query.page, pageSize: query.pageSize };
  }

  async get(principal: Principal, projectName: string, path: string): Promise<RepositoryView> {
    const project = await this.access.require(principal, projectName, 'pull');
    const name = `${project.name}/${path}`;
    return (await this.repositories.view(name)) ?? throwNotFound(name);
  }

  /** The description is stored exactly as written (markdown). */
  async update(principal: UserPrincipal, projectName: string, path: string, body: UpdateRepositoryBody): Promise<RepositoryView> {
    const project = await this.access.require(principal, projectName, 'edit_description');
    const name = `${project.name}/${path}`;
    if (!(await this.repositories.updateDescription(name, body.description))) throwNotFound(name);
    await this.audit.recordNow({
      ...actorOf(principal),
      action: 'repository.update',
      resource: name,
      projectId: project.id,
      success: true,
      details: { descriptionLength: body.description.length },
    });
    return (await this.repositories.view(name)) ?? throwNotFound(name);
  }

  /** Removes the repository's rows (manifests and tags cascade); its blobs' bytes are left for garbage collection. */
  async delete(principal: UserPrincipal, projectName: string, path: string): Promise<void> {
    const project = await this.access.require(principal, projectName, 'delete');
    const name = `${project.name}/${path}`;
    await inTransaction(this.dataSource, async (tx) => {
      if (!(await this.repositories.delete(name, tx))) throwNotFound(name);
      // Every replica drops what it cached for this repository once the transaction commits.
      await this.changes.publish(name, tx);
    });
    this.changes.changedLocally(name);
    await this.audit.recordNow({ ...actorOf(principal), action: 'repository.delete', resource: name, projectId: project.id, success: true });
  }
}

function throwNotFound(name: string): never {
  throw DomainError.notFound(`repository "${name.slice(0, 512)}" not found`);
}
