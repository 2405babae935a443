import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ProjectAccessRow } from '../access/access.repository';
import type { UserPrincipal } from '../access/principal';
import type { PageQuery } from '../api/pagination';
import { actorOf, AuditService } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { Page, pageOf } from '../common/paging';
import { inTransaction, Queryable } from '../database/queryable';
import { ProjectAccessService } from '../projects/project-access.service';
import { describeRule } from './immutability.service';
import { ImmutableRuleBody, ImmutableRuleView, MAX_IMMUTABLE_RULES } from './immutable-rule.dto';
import { ImmutableRuleRepository, ImmutableRuleRow } from './immutable-rule.repository';

const ID = /^[1-9][0-9]{0,18}$/;

/**
 * A project's tag immutability rules in the console: anyone who can pull reads them, manage_policies
 * (project admins and maintainers) changes them. A project has at most MAX_IMMUTABLE_RULES, and no two
 * alike. Changes hold at once everywhere: ImmutabilityService reads the table on every check.
 */
@Injectable()
export class ImmutableRuleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly rules: ImmutableRuleRepository,
    private readonly access: ProjectAccessService,
    private readonly audit: AuditService,
  ) {}

  async list(principal: UserPrincipal, projectName: string, query: PageQuery): Promise<Page<ImmutableRuleView>> {
    const project = await this.access.require(principal, projectName, 'pull');
    return pageOf((await this.rules.ofProjectId(project.id)).map(viewOf), query);
  }

  async create(principal: UserPrincipal, projectName: string, body: ImmutableRuleBody): Promise<ImmutableRuleView> {
    const project = await this.access.require(principal, projectName, 'manage_policies');
    const view = await inTransaction(this.dataSource, async (tx) => {
      await this.rules.lockProject(project.id, tx);
      const existing = await this.rules.ofProjectId(project.id, tx);
      if (existing.length >= MAX_IMMUTABLE_RULES) {
        throw DomainError.precondition(`a project has at most ${MAX_IMMUTABLE_RULES} immutability rules; delete one first`, { limit: MAX_IMMUTABLE_RULES });
      }
      assertNoTwin(existing, body);
      const id = await this.rules.insert(project.id, body, principal.username, tx);
      return viewOf((await this.rules.find(project.id, id, tx))!);
    });
    await this.record(principal, project, 'immutable_rule.create', view);
    return view;
  }

  async update(principal: UserPrincipal, projectName: string, id: string, body: ImmutableRuleBody): Promise<ImmutableRuleView> {
    const project = await this.access.require(principal, projectName, 'manage_policies');
    const { before, after } = await inTransaction(this.dataSource, async (tx) => {
      await this.rules.lockProject(project.id, tx);
      const current = await this.rule(project, id, tx);
      assertNoTwin((await this.rules.ofProjectId(project.id, tx)).filter((r) => r.id !== id), body);
      await this.rules.update(project.id, id, body, tx);
      return { before: viewOf(current), after: viewOf((await this.rules.find(project.id, id, tx))!) };
    });
    await this.record(principal, project, 'immutable_rule.update', after, { before: selectorsOf(before) });
    return after;
  }

  async delete(principal: UserPrincipal, projectName: string, id: string): Promise<void> {
    const project = await this.access.require(principal, projectName, 'manage_policies');
    const deleted = await inTransaction(this.dataSource, async (tx) => {
      await this.rules.lockProject(project.id, tx);
      await this.rule(project, id, tx);
      return viewOf((await this.rules.delete(project.id, id, tx))!);
    });
    await this.record(principal, project, 'immutable_rule.delete', deleted);
  }

  private async rule(project: ProjectAccessRow, id: string, db: Queryable): Promise<ImmutableRuleRow> {
    const row = ID.test(id) ? await this.rules.find(project.id, id, db) : undefined;
    if (!row) throw DomainError.notFound(`immutability rule ${id.slice(0, 20)} not found in project ${project.name}`);
    return row;
  }

  private async record(principal: UserPrincipal, project: ProjectAccessRow, action: string, rule: ImmutableRuleView, extra: Record<string, unknown> = {}): Promise<void> {
    await this.audit.recordNow({
      ...actorOf(principal),
      action,
      resource: `immutability rule ${rule.id} of project ${project.name}`,
      projectId: project.id,
      success: true,
      details: { ...selectorsOf(rule), ...extra },
    });
  }
}

function viewOf(row: ImmutableRuleRow): ImmutableRuleView {
  return {
    id: row.id,
    repositories: row.repositories,
    tags: row.tags,
    disabled: row.disabled,
    description: describeRule(row),
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}

function selectorsOf(rule: Pick<ImmutableRuleView, 'repositories' | 'tags' | 'disabled'>): Record<string, unknown> {
  return { repositories: rule.repositories, tags: rule.tags, disabled: rule.disabled };
}

/** Two rules with the same selectors protect the same tags: the second would only be noise in messages. */
function assertNoTwin(existing: ImmutableRuleRow[], body: ImmutableRuleBody): void {
  const key = selectorKey(body);
  const twin = existing.find((r) => selectorKey(r) === key);
  if (twin) throw DomainError.conflict(`rule ${twin.id} already has these repositories and tags`, { rule: twin.id });
}

function selectorKey(rule: Pick<ImmutableRuleBody, 'repositories' | 'tags'>): string {
  const sorted = (list: string[]) => [...new Set(list)].sort();
  return JSON.stringify([sorted(rule.repositories.include), sorted(rule.repositories.exclude), sorted(rule.tags.include), sorted(rule.tags.exclude)]);
}
