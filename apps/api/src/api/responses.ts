/**
 * Every named response schema of the console API: each becomes a component of the OpenAPI document
 * (and so a named type in the generated web client). Routes point at them with @ApiDoc({ response }) or,
 * for paged lists, @ApiDoc({ item }).
 */
export { SystemSettings } from '../settings/settings.dto';
export { Profile } from '../console-auth/profile';
export { CreatedCliSecret, LoginResult, ProjectPermissions } from '../account/account.dto';
export { CliSecret } from '../identity/cli-secret.repository';
export { User } from '../identity/user.repository';
export { RobotView, RobotWithSecret } from '../robots/robot.service';
export { MemberView } from '../projects/member.repository';
export { AuditRow } from '../audit/audit.repository';
export { ArtifactDeletion, ArtifactDetail, ArtifactSummary, TagAdded, TagPage, TagView } from '../artifacts/artifact.dto';
export { ProjectDetail, ProjectView } from '../projects/project.dto';
export { Statistics, SystemInfo } from '../system/system.dto';
export { RepositorySummary, RepositoryView } from '../repositories/repository.dto';
export { SearchHit } from '../search/search.dto';
export { GcRunDetail, GcRunView, GcSchedule } from '../gc/gc.dto';
export { ImmutableRuleView } from '../policies/immutable-rule.dto';
export { RetentionPolicyView, RetentionRunDetail, RetentionRunView } from '../policies/retention.dto';
export { ImportJob, ImportJobSummary } from '../transfer/import.dto';
