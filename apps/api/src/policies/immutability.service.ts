import { Injectable } from '@nestjs/common';
import { describeImmutabilityRule, findImmutableRule, type ImmutabilityRule } from '@berth/oci';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { Queryable } from '../database/queryable';
import { ImmutableRuleRepository } from './immutable-rule.repository';

/** The rule protecting a tag, and how to name it in a message: `rule 3: repositories "**", tags "v*.*.*"`. */
export interface Protection {
  rule: ImmutabilityRule;
  description: string;
}

export interface ProtectedTag extends Protection {
  repository: string;
  tag: string;
}

/**
 * Tag immutability as the registry and the console ask about it: is this tag protected, and by which rule?
 * Depends on the database alone (no other feature module), so the registry's push path can use it without
 * import cycles. Rules are read on every call — one indexed query — so a rule created on one replica holds
 * on every replica at once; a caller checking several tags asks once with `firstProtected`.
 * Every method takes an optional `db` so that a check can run inside the transaction that acts on its answer.
 */
@Injectable()
export class ImmutabilityService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: ImmutableRuleRepository,
  ) {}

  /** The enabled rules of a project (none for an unknown project). */
  async rules(projectName: string, db: Queryable = this.dataSource): Promise<ImmutabilityRule[]> {
    return (await this.repository.ofProject(projectName, db)).filter((r) => !r.disabled).map(({ id, repositories, tags }) => ({ id, repositories, tags }));
  }

  /** The rule protecting `tag` in the repository `repositoryName` (`project/path`), or undefined. */
  async protecting(repositoryName: string, tag: string, db: Queryable = this.dataSource): Promise<Protection | undefined> {
    return this.firstProtected(repositoryName, [tag], db);
  }

  /** The first of `tags` (in the order given) that a rule protects, with the rule. */
  async firstProtected(repositoryName: string, tags: readonly string[], db: Queryable = this.dataSource): Promise<ProtectedTag | undefined> {
    if (tags.length === 0) return undefined;
    const project = projectOf(repositoryName);
    const rules = await this.rules(project, db);
    if (rules.length === 0) return undefined;
    for (const tag of tags) {
      const rule = findImmutableRule(project, repositoryName, tag, rules);
      if (rule) return { repository: repositoryName, tag, rule, description: describeRule(rule) };
    }
    return undefined;
  }

  /** Which of `tags` (of the repository `repositoryName`) a rule protects: one query for a page of tags. */
  async protectedOf(repositoryName: string, tags: readonly string[], db: Queryable = this.dataSource): Promise<Set<string>> {
    if (tags.length === 0) return new Set();
    const project = projectOf(repositoryName);
    const rules = await this.rules(project, db);
    return new Set(rules.length === 0 ? [] : tags.filter((tag) => findImmutableRule(project, repositoryName, tag, rules)));
  }

  /** Every protected tag of one repository, by tag name. */
  async protectedTagsInRepository(repositoryName: string, db: Queryable = this.dataSource): Promise<ProtectedTag[]> {
    return this.protectedAmong(projectOf(repositoryName), { repository: repositoryName }, db);
  }

  /** Every protected tag of a project, by repository and tag name. */
  async protectedTagsInProject(projectName: string, db: Queryable = this.dataSource): Promise<ProtectedTag[]> {
    return this.protectedAmong(projectName, { project: projectName }, db);
  }

  private async protectedAmong(project: string, scope: { repository: string } | { project: string }, db: Queryable): Promise<ProtectedTag[]> {
    const rules = await this.rules(project, db);
    if (rules.length === 0) return [];
    const found: ProtectedTag[] = [];
    for (const { repository, tag } of await this.repository.tags(scope, db)) {
      const rule = findImmutableRule(project, repository, tag, rules);
      if (rule) found.push({ repository, tag, rule, description: describeRule(rule) });
    }
    return found;
  }
}

/** `rule 3: repositories "**", tags "v*.*.*"`. */
export function describeRule(rule: ImmutabilityRule): string {
  return `rule ${rule.id}: ${describeImmutabilityRule(rule)}`;
}

/** `tag v1.0.0 is immutable (rule 3: repositories "**", tags "v*.*.*")`, optionally after what it prevents. */
export function immutableTagMessage(tag: string, protection: Protection): string {
  return `tag ${tag} is immutable (${protection.description})`;
}

/**
 * PRECONDITION (409 in the console): `<what>: tag v1.0.0 is immutable (rule 3: ...)`, adding how many
 * other protected tags there are when `others` is given.
 */
export function immutableTagError(tag: string, protection: Protection, what?: string, others = 0): DomainError {
  let message = immutableTagMessage(tag, protection);
  if (what) message = `${what}: ${message}`;
  if (others > 0) message += `; ${others} more ${others === 1 ? 'tag is' : 'tags are'} immutable`;
  // `reason` lets the console say it in the reader's language, with the tag and the rule.
  return DomainError.precondition(message, { reason: 'TAG_IMMUTABLE', tag, rule: protection.rule.id });
}

function projectOf(repositoryName: string): string {
  return repositoryName.split('/', 1)[0];
}
