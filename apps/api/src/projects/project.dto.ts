import { z } from 'zod';
import { ROLES } from '../access/permissions';
import { pageFields, toPaging } from '../api/pagination';
import { PROJECT_NAME, PROJECT_NAME_MAX, PROJECT_NAME_MIN, PROJECT_NAME_RULE } from './project-name';

export const DESCRIPTION_MAX_LENGTH = 2048;

export const ProjectListQuery = z.object(pageFields).transform(toPaging);
export type ProjectListQuery = z.output<typeof ProjectListQuery>;

export const CreateProjectBody = z.strictObject({
  name: z.string().min(PROJECT_NAME_MIN).max(PROJECT_NAME_MAX).regex(PROJECT_NAME, `must be ${PROJECT_NAME_RULE}`),
  public: z.boolean().optional(),
  description: z.string().max(DESCRIPTION_MAX_LENGTH).optional(),
});
export type CreateProjectBody = z.output<typeof CreateProjectBody>;

export const UpdateProjectBody = z.strictObject({
  public: z.boolean().optional(),
  description: z.string().max(DESCRIPTION_MAX_LENGTH).optional(),
});
export type UpdateProjectBody = z.output<typeof UpdateProjectBody>;

export const DeleteProjectQuery = z.object({ force: z.stringbool().default(false) });
export type DeleteProjectQuery = z.output<typeof DeleteProjectQuery>;

export const MemberListQuery = z.object(pageFields).transform(toPaging);
export type MemberListQuery = z.output<typeof MemberListQuery>;

export const AddMemberBody = z.strictObject({ username: z.string().min(1).max(64), role: z.enum(ROLES) });
export type AddMemberBody = z.output<typeof AddMemberBody>;

export const UpdateMemberBody = z.strictObject({ role: z.enum(ROLES) });
export type UpdateMemberBody = z.output<typeof UpdateMemberBody>;
