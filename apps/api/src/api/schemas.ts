/**
 * Every request schema of the console API, by name: the source for the OpenAPI document (zod's
 * `z.toJSONSchema(schema, { io: 'input' })` describes what a client sends).
 */
export { ChangePasswordBody, CreateCliSecretBody, LoginBody, PermissionsQuery, SignupBody, UpdateProfileBody } from '../account/account.dto';
export { AuditQuery } from '../audit/audit.dto';
export { AddMemberBody, CreateProjectBody, DeleteProjectQuery, MemberListQuery, ProjectListQuery, UpdateMemberBody, UpdateProjectBody } from '../projects/project.dto';
export { RepositoryListQuery, UpdateRepositoryBody } from '../repositories/repository.dto';
export { SearchQuery } from '../search/search.dto';
export { AddTagBody, ArtifactListQuery, TagListQuery } from '../artifacts/artifact.dto';
export { CreateRobotBody, RobotListQuery, UpdateRobotBody } from '../robots/robot.dto';
export { SystemSettings, UpdateSettingsBody } from '../settings/settings.dto';
export { CreateUserBody, ResetPasswordBody, UpdateUserBody, UserListQuery } from '../users/users.dto';
export { PageQuery } from './pagination';
