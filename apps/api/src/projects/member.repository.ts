import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MemberSort } from './project.dto';
import { z } from 'zod';
import { ROLES, type Role } from '../access/permissions';
import { DomainError } from '../common/domain-error';
import { Queryable, returnedRows } from '../database/queryable';
import { uniqueViolation } from '../identity/unique-violation';

/** A member as the project's members see them: no email, which is the user's own business. */
export const MemberView = z.object({
  username: z.string(),
  displayName: z.string().nullable(),
  role: z.enum(ROLES),
  addedAt: z.date(),
});
export type MemberView = z.output<typeof MemberView>;

const VIEW_COLUMNS = `u.username, u.display_name AS "displayName", m.role, m.created_at AS "addedAt"`;

// Roles from the most to the least powerful, as ROLES lists them.
const ROLE_RANK = `array_position(ARRAY['project_admin', 'maintainer', 'developer', 'guest', 'limited_guest'], m.role)`;
const MEMBER_ORDER: Record<MemberSort, string> = {
  username: 'u.username',
  '-username': 'u.username DESC',
  role: `${ROLE_RANK}, u.username`,
  '-role': `${ROLE_RANK} DESC, u.username`,
  added_at: 'm.created_at, u.username',
  '-added_at': 'm.created_at DESC, u.username',
};

/** `project_member`: who has which role in which project. */
@Injectable()
export class MemberRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(projectId: string, filter: { q?: string; sort: MemberSort }, offset: number, limit: number): Promise<{ items: MemberView[]; total: number }> {
    const params: unknown[] = [projectId];
    let where = 'm.project_id = $1';
    if (filter.q) {
      params.push(filter.q.toLowerCase());
      where += ` AND (strpos(lower(u.username), $2) > 0 OR strpos(lower(coalesce(u.display_name, '')), $2) > 0)`;
    }
    const n = params.length;
    const [items, counted] = await Promise.all([
      this.dataSource.query(
        `SELECT ${VIEW_COLUMNS} FROM project_member m JOIN app_user u ON u.id = m.user_id
         WHERE ${where} ORDER BY ${MEMBER_ORDER[filter.sort]} LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...params, limit, offset],
      ),
      this.dataSource.query(`SELECT count(*)::int AS n FROM project_member m JOIN app_user u ON u.id = m.user_id WHERE ${where}`, params),
    ]);
    return { items, total: counted[0].n };
  }


  async view(projectId: string, userId: string, db: Queryable = this.dataSource): Promise<MemberView> {
    const rows = await db.query(`SELECT ${VIEW_COLUMNS} FROM project_member m JOIN app_user u ON u.id = m.user_id WHERE m.project_id = $1 AND m.user_id = $2`, [
      projectId,
      userId,
    ]);
    if (!rows[0]) throw DomainError.notFound('member not found');
    return rows[0];
  }

  /** CONFLICT when the user is already a member. */
  async insert(projectId: string, userId: string, role: Role, db: Queryable = this.dataSource): Promise<void> {
    try {
      await db.query('INSERT INTO project_member (project_id, user_id, role) VALUES ($1, $2, $3)', [projectId, userId, role]);
    } catch (err) {
      if (uniqueViolation(err)) throw DomainError.conflict('the user is already a member of this project; change their role instead', { field: 'username' });
      throw err;
    }
  }

  /** The member's role, with their row locked until the transaction ends. */
  async lockRole(projectId: string, userId: string, db: Queryable): Promise<Role | undefined> {
    const rows = await db.query('SELECT role FROM project_member WHERE project_id = $1 AND user_id = $2 FOR UPDATE', [projectId, userId]);
    return rows[0]?.role;
  }

  /**
   * The project admins' user ids, locked: two concurrent demotions then run one after the other, and
   * the second sees what the first left.
   */
  async lockProjectAdmins(projectId: string, db: Queryable): Promise<string[]> {
    const rows: { userId: string }[] = await db.query(
      `SELECT user_id::text AS "userId" FROM project_member WHERE project_id = $1 AND role = 'project_admin' ORDER BY user_id FOR UPDATE`,
      [projectId],
    );
    return rows.map((r) => r.userId);
  }

  async updateRole(projectId: string, userId: string, role: Role, db: Queryable): Promise<void> {
    const result = await db.query('UPDATE project_member SET role = $3 WHERE project_id = $1 AND user_id = $2 RETURNING user_id', [projectId, userId, role]);
    if (returnedRows(result).length === 0) throw DomainError.notFound('member not found');
  }

  async delete(projectId: string, userId: string, db: Queryable): Promise<void> {
    const result = await db.query('DELETE FROM project_member WHERE project_id = $1 AND user_id = $2 RETURNING user_id', [projectId, userId]);
    if (returnedRows(result).length === 0) throw DomainError.notFound('member not found');
  }
}
