import { Injectable } from '@nestjs/common';
import type { ImmutabilityRule, Selector } from '@berth/oci';
import { DataSource } from 'typeorm';
import { Queryable, returnedRows } from '../database/queryable';

export interface ImmutableRuleRow extends ImmutabilityRule {
  disabled: boolean;
  createdBy: string | null;
  createdAt: Date;
}

const COLUMNS = `r.id::text AS id, r.repositories, r.tags, r.disabled, r.created_by AS "createdBy", r.created_at AS "createdAt"`;

/** immutable_rule: a project's tag immutability rules, read on every check (one indexed query, so every replica sees a change at once). */
@Injectable()
export class ImmutableRuleRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The rules of a project by name, oldest first. */
  async ofProject(projectName: string, db: Queryable = this.dataSource): Promise<ImmutableRuleRow[]> {
    return db.query(`SELECT ${COLUMNS} FROM immutable_rule r JOIN project p ON p.id = r.project_id WHERE p.name = $1 ORDER BY r.id`, [projectName]);
  }

  async ofProjectId(projectId: string, db: Queryable = this.dataSource): Promise<ImmutableRuleRow[]> {
    return db.query(`SELECT ${COLUMNS} FROM immutable_rule r WHERE r.project_id = $1 ORDER BY r.id`, [projectId]);
  }

  async find(projectId: string, id: string, db: Queryable = this.dataSource): Promise<ImmutableRuleRow | undefined> {
    return (await db.query(`SELECT ${COLUMNS} FROM immutable_rule r WHERE r.project_id = $1 AND r.id = $2`, [projectId, id]))[0];
  }

  async insert(projectId: string, rule: { repositories: Selector; tags: Selector; disabled: boolean }, createdBy: string, db: Queryable): Promise<string> {
    const rows = await db.query(
      `INSERT INTO immutable_rule (project_id, repositories, tags, disabled, created_by) VALUES ($1, $2::jsonb, $3::jsonb, $4, $5) RETURNING id::text AS id`,
      [projectId, JSON.stringify(rule.repositories), JSON.stringify(rule.tags), rule.disabled, createdBy],
    );
    return rows[0].id;
  }

  async update(projectId: string, id: string, rule: { repositories: Selector; tags: Selector; disabled: boolean }, db: Queryable): Promise<boolean> {
    const result = await db.query(
      `UPDATE immutable_rule SET repositories = $3::jsonb, tags = $4::jsonb, disabled = $5 WHERE project_id = $1 AND id = $2 RETURNING id`,
      [projectId, id, JSON.stringify(rule.repositories), JSON.stringify(rule.tags), rule.disabled],
    );
    return returnedRows(result).length > 0;
  }

  async delete(projectId: string, id: string, db: Queryable): Promise<ImmutableRuleRow | undefined> {
    const result = await db.query(
      `DELETE FROM immutable_rule r WHERE r.project_id = $1 AND r.id = $2 RETURNING ${COLUMNS}`,
      [projectId, id],
    );
    return returnedRows<ImmutableRuleRow>(result)[0];
  }

  /** Serialises rule changes of one project until `db`'s transaction ends (the per-project limit is counted under it). */
  async lockProject(projectId: string, db: Queryable): Promise<void> {
    await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('berth.immutable_rule:' || $1::text, 0))`, [projectId]);
  }

  /** Tags of one repository, or (with `project`) of every repository of a project. */
  async tags(scope: { repository: string } | { project: string }, db: Queryable = this.dataSource): Promise<{ repository: string; tag: string }[]> {
    if ('repository' in scope) {
      return db.query(`SELECT r.name AS repository, t.name AS tag FROM repository r JOIN tag t ON t.repository_id = r.id WHERE r.name = $1 ORDER BY t.name COLLATE "C"`, [
        scope.repository,
      ]);
    }
    return db.query(
      `SELECT r.name AS repository, t.name AS tag FROM repository r JOIN tag t ON t.repository_id = r.id
       WHERE split_part(r.name, '/', 1) = $1 ORDER BY r.name COLLATE "C", t.name COLLATE "C"`,
      [scope.project],
    );
  }
}
