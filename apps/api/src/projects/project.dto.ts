import { z } from 'zod';
import { ROLES, type Role } from '../access/permissions';
import { pageFields, toPaging } from '../api/pagination';
import { BADGES } from '../repositories/repository.dto';
import { PROJECT_NAME, PROJECT_NAME_MAX, PROJECT_NAME_MIN, PROJECT_NAME_RULE } from './project-name';

export const DESCRIPTION_MAX_LENGTH = 2048;

export const PROJECT_SORTS = ['name', '-name', 'created_at', '-created_at', 'repositories', '-repositories', 'storage', '-storage'] as const;
export type ProjectSort = (typeof PROJECT_SORTS)[number];

export const ProjectListQuery = z
  .object({
    ...pageFields,
    q: z.string().max(255).optional().describe('Part of the name, in any case'),
    sort: z.enum(PROJECT_SORTS).default('name'),
    badge: z.enum(BADGES).optional(),
    public: z.stringbool().optional().describe('true: public projects only; false: private ones only'),
  })
  .transform(toPaging);
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
  quotaBytes: z.int().positive().nullable().optional().describe('System administrators only; null removes the limit'),
  badge: z.enum(BADGES).nullable().optional().describe('System administrators only; null removes the badge'),
});
export type UpdateProjectBody = z.output<typeof UpdateProjectBody>;

export const DeleteProjectQuery = z.object({ force: z.stringbool().default(false) });
export type DeleteProjectQuery = z.output<typeof DeleteProjectQuery>;

export const MEMBER_SORTS = ['username', '-username', 'role', '-role', 'added_at', '-added_at'] as const;
export type MemberSort = (typeof MEMBER_SORTS)[number];

export const MemberListQuery = z
  .object({
    ...pageFields,
    /** Part of the username or display name. */
    q: z.string().max(64).optional(),
    /** `role` orders Project Admins first. */
    sort: z.enum(MEMBER_SORTS).default('username'),
  })
  .transform(toPaging);
export type MemberListQuery = z.output<typeof MemberListQuery>;

export const AddMemberBody = z.strictObject({ username: z.string().min(1).max(64), role: z.enum(ROLES) });
export type AddMemberBody = z.output<typeof AddMemberBody>;

export const UpdateMemberBody = z.strictObject({ role: z.enum(ROLES) });
export type UpdateMemberBody = z.output<typeof UpdateMemberBody>;

/** A project as the console lists it, seen by one caller. */
export const ProjectView = z.object({
  id: z.string(),
  name: z.string(),
  public: z.boolean(),
  description: z.string(),
  badge: z.enum(BADGES).nullable(),
  role: z.enum(ROLES).nullable().describe("The caller's role, or null (not a member, or anonymous)"),
  repositoryCount: z.int().nonnegative().describe('Repositories of the project that hold at least one manifest'),
  storageBytes: z.int().nonnegative().describe('Sum of the sizes of the distinct blobs the manifests of its repositories reference (each blob once)'),
  quotaBytes: z.int().positive().nullable().describe('Storage limit set by a system administrator; null: unlimited'),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type ProjectView = z.output<typeof ProjectView>;

const count = z.int().nonnegative();

export const ProjectSummary = z.object({
  repositoryCount: count,
  artifactCount: count.describe('Manifests stored in its repositories (images, indexes and attached artifacts)'),
  tagCount: count,
  membersByRole: z.object({ project_admin: count, maintainer: count, developer: count, guest: count, limited_guest: count } satisfies Record<Role, z.ZodInt>),
  robotCount: count.describe('Robot accounts of the project (system robots not included)'),
});
export type ProjectSummary = z.output<typeof ProjectSummary>;

/** One project, with what is in it and who works on it. */
export const ProjectDetail = ProjectView.extend({ summary: ProjectSummary });
export type ProjectDetail = z.output<typeof ProjectDetail>;
