import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from './permissions';

export interface ProjectAccessRow {
  id: string;
  name: string;
  public: boolean;
}

/** The two facts an access decision needs: the project (is it public?) and the caller's role in it. */
@Injectable()
export class AccessRepository {
  constructor(private readonly dataSource: DataSource) {}

  async project(name: string): Promise<ProjectAccessRow | undefined> {
    const rows = await this.dataSource.query('SELECT id::text AS id, name, public FROM project WHERE name = $1', [name]);
    return rows[0];
  }

  async role(projectId: string, userId: string): Promise<Role | undefined> {
    const rows = await this.dataSource.query('SELECT role FROM project_member WHERE project_id = $1 AND user_id = $2', [projectId, userId]);
    return rows[0]?.role;
  }
}
