import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ProjectViewer, visibleProject } from '../access/visibility';

export interface VisibleTotals {
  projects: number;
  publicProjects: number;
  privateProjects: number;
  repositories: number;
  /** The names of the projects counted, for the storage sum. */
  names: string[];
}

/** Totals over the projects a viewer may see. */
@Injectable()
export class StatisticsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** One query: how many projects (public, private) and repositories holding a manifest the viewer may see. */
  async totals(viewer: ProjectViewer): Promise<VisibleTotals> {
    const visible = visibleProject('p', viewer, 1);
    const rows = await this.dataSource.query(
      `WITH visible AS (SELECT p.name, p.public FROM project p WHERE ${visible.sql})
       SELECT (SELECT count(*)::int FROM visible) AS projects,
              (SELECT count(*)::int FROM visible WHERE public) AS "publicProjects",
              (SELECT count(*)::int FROM visible WHERE NOT public) AS "privateProjects",
              (SELECT count(*)::int FROM repository r JOIN visible v ON split_part(r.name, '/', 1) = v.name
               WHERE EXISTS (SELECT 1 FROM manifest mf WHERE mf.repository_id = r.id)) AS repositories,
              (SELECT COALESCE(array_agg(name), '{}') FROM visible) AS names`,
      visible.params,
    );
    return rows[0];
  }

  /** The sizes of the distinct blobs the manifests of all of `projects` reference: a blob two of them share counts once. */
  async storage(projects: readonly string[]): Promise<number> {
    const rows = await this.dataSource.query(
      `SELECT COALESCE(sum(b.size), 0)::float8 AS bytes FROM blob b
       WHERE b.digest IN (SELECT pb.digest FROM project_blob pb JOIN project p ON p.id = pb.project_id WHERE p.name = ANY($1::text[]))`,
      [projects],
    );
    return rows[0].bytes;
  }
}
