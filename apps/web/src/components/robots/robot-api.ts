import { api } from '@/api/client';
import type { RobotView, RobotWithSecret } from '@/api/types';

export type RobotPermission = RobotView['permissions'][number];
export const ROBOT_PERMISSIONS: readonly RobotPermission[] = ['pull', 'push', 'delete'];

export interface RobotInput {
  name: string;
  description: string;
  permissions: RobotPermission[];
  /** ISO time, or null: never expires. */
  expiresAt: string | null;
}

export interface RobotPage {
  items: RobotView[];
  total: number;
}

/** One place for both scopes: a project's robots, or (project undefined) the system robots. */
export function robotApi(project: string | undefined) {
  return {
    async list(page: number, pageSize: number): Promise<RobotPage> {
      const query = { page, page_size: pageSize };
      const answer = project ? await api.get('/api/v1/projects/{name}/robots', { path: { name: project }, query }) : await api.get('/api/v1/robots', { query });
      return { items: (answer.items ?? []) as RobotView[], total: answer.total };
    },
    create(body: RobotInput): Promise<RobotWithSecret> {
      return project ? api.post('/api/v1/projects/{name}/robots', { path: { name: project }, body }) : api.post('/api/v1/robots', { body });
    },
    setDisabled(id: string, disabled: boolean): Promise<RobotView> {
      const body = { disabled };
      return project ? api.patch('/api/v1/projects/{name}/robots/{id}', { path: { name: project, id }, body }) : api.patch('/api/v1/robots/{id}', { path: { id }, body });
    },
    rotate(id: string): Promise<RobotWithSecret> {
      return project ? api.post('/api/v1/projects/{name}/robots/{id}/rotate', { path: { name: project, id } }) : api.post('/api/v1/robots/{id}/rotate', { path: { id } });
    },
    async remove(id: string): Promise<void> {
      if (project) await api.delete('/api/v1/projects/{name}/robots/{id}', { path: { name: project, id } });
      else await api.delete('/api/v1/robots/{id}', { path: { id } });
    },
  };
}

/** `robot$team+ci` -> `ci`, `robot$backup` -> `backup`: the name as it was typed at creation. */
export function shortName(robot: Pick<RobotView, 'name' | 'project'>): string {
  const prefix = robot.project ? `robot$${robot.project}+` : 'robot$';
  return robot.name.startsWith(prefix) ? robot.name.slice(prefix.length) : robot.name;
}

export function isExpired(robot: Pick<RobotView, 'expiresAt'>, now = Date.now()): boolean {
  return robot.expiresAt !== null && new Date(robot.expiresAt).getTime() <= now;
}

/** The end of a picked day (`2030-01-31`) in the browser's time zone, as the API's ISO time. */
export function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

/** A ready login line; single quotes keep the shell from expanding the `$` of robot names. */
export function dockerLoginCommand(host: string, username: string, secret: string): string {
  return `echo '${secret}' | docker login ${host} -u '${username}' --password-stdin`;
}
