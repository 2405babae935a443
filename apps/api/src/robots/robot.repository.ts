import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from '../database/queryable';
import type { RobotPermission } from '../access/permissions';

export interface RobotRow {
  id: string;
  projectId: string | null;
  projectName: string | null;
  name: string;
  description: string;
  permissions: RobotPermission[];
  secretHash: string;
  expiresAt: Date | null;
  disabled: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

const COLUMNS = `r.id::text AS id, r.project_id::text AS "projectId", p.name AS "projectName", r.name, r.description,
  r.permissions, r.secret_hash AS "secretHash", r.expires_at AS "expiresAt", r.disabled, r.created_at AS "createdAt",
  r.last_used_at AS "lastUsedAt"`;

/** Robot accounts: registry-only credentials for CI, per project or system-wide (project_id NULL). */
@Injectable()
export class RobotRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByName(name: string): Promise<RobotRow | undefined> {
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM robot r LEFT JOIN project p ON p.id = r.project_id WHERE r.name = $1`, [name]);
    return rows[0];
  }

  async findById(id: string): Promise<RobotRow | undefined> {
    const rows = await this.dataSource.query(`SELECT ${COLUMNS} FROM robot r LEFT JOIN project p ON p.id = r.project_id WHERE r.id = $1`, [id]);
    return rows[0];
  }

  /** Robots of one project, or the system robots when projectId is null. */
  async list(projectId: string | null): Promise<RobotRow[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM robot r LEFT JOIN project p ON p.id = r.project_id
       WHERE r.project_id IS NOT DISTINCT FROM $1::bigint ORDER BY r.name`,
      [projectId],
    );
  }

  async insert(robot: {
    projectId: string | null;
    name: string;
    description: string;
    permissions: RobotPermission[];
    secretHash: string;
    expiresAt: Date | null;
    createdBy: string | null;
  }): Promise<string> {
    const rows = await this.dataSource.query(
      `INSERT INTO robot (project_id, name, description, permissions, secret_hash, expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
      [robot.projectId, robot.name, robot.description, robot.permissions, robot.secretHash, robot.expiresAt, robot.createdBy],
    );
    return rows[0].id;
  }

  async update(id: string, changes: { secretHash?: string; disabled?: boolean; description?: string; permissions?: RobotPermission[]; expiresAt?: Date | null }): Promise<boolean> {
    const rows = await this.dataSource.query(
      `UPDATE robot SET
         secret_hash = COALESCE($2, secret_hash),
         disabled = COALESCE($3, disabled),
         description = COALESCE($4, description),
         permissions = COALESCE($5, permissions),
         expires_at = CASE WHEN $6 THEN $7::timestamptz ELSE expires_at END
       WHERE id = $1 RETURNING id`,
      [id, changes.secretHash ?? null, changes.disabled ?? null, changes.description ?? null, changes.permissions ?? null, 'expiresAt' in changes, changes.expiresAt ?? null],
    );
    return returnedRows(rows).length > 0;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.dataSource.query('DELETE FROM robot WHERE id = $1 RETURNING id', [id]);
    return returnedRows(rows).length > 0;
  }

  async touch(id: string): Promise<void> {
    await this.dataSource.query('UPDATE robot SET last_used_at = now() WHERE id = $1', [id]);
  }
}
