import { z } from 'zod';
import { ROBOT_PERMISSIONS } from '../access/permissions';
import { pageFields, toPaging } from '../api/pagination';

const permissions = z.array(z.enum(ROBOT_PERMISSIONS)).min(1).max(ROBOT_PERMISSIONS.length);
/** An ISO 8601 time with an offset (`2030-01-01T00:00:00Z`), or null for "never". */
const expiresAt = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .nullable();
const description = z.string().max(1024);

export const ROBOT_SORTS = ['name', '-name', 'created_at', '-created_at', 'expires_at', '-expires_at', 'last_used_at', '-last_used_at'] as const;
export type RobotSort = (typeof ROBOT_SORTS)[number];

export const RobotListQuery = z
  .object({
    ...pageFields,
    /** Part of the name or description. */
    q: z.string().max(128).optional(),
    sort: z.enum(ROBOT_SORTS).default('name'),
  })
  .transform(toPaging);
export type RobotListQuery = z.output<typeof RobotListQuery>;

export const CreateRobotBody = z.strictObject({
  /** The short name: the account becomes `robot$<project>+<name>` (`robot$<name>` for system robots). */
  name: z.string().min(1).max(64),
  permissions,
  expiresAt: expiresAt.optional(),
  description: description.optional(),
});
export type CreateRobotBody = z.output<typeof CreateRobotBody>;

export const UpdateRobotBody = z.strictObject({
  disabled: z.boolean().optional(),
  description: description.optional(),
  permissions: permissions.optional(),
  expiresAt: expiresAt.optional(),
});
export type UpdateRobotBody = z.output<typeof UpdateRobotBody>;
