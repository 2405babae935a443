/** Named shapes of the console API, from the generated schema (`npm run api:client`). */
import type { components } from './schema';

type S = components['schemas'];
export type Profile = S['Profile'];
export type SystemInfo = S['SystemInfo'];
export type Statistics = S['Statistics'];
export type ProjectView = S['ProjectView'];
export type ProjectDetail = S['ProjectDetail'];
export type ProjectPermissions = S['ProjectPermissions'];
export type RepositorySummary = S['RepositorySummary'];
export type RepositoryView = S['RepositoryView'];
export type ArtifactSummary = S['ArtifactSummary'];
export type ArtifactDetail = S['ArtifactDetail'];
export type TagView = S['TagView'];
export type TagPage = S['TagPage'];
export type SearchHit = S['SearchHit'];
export type MemberView = S['MemberView'];
export type RobotView = S['RobotView'];
export type RobotWithSecret = S['RobotWithSecret'];
export type User = S['User'];
export type CliSecret = S['CliSecret'];
export type AuditRow = S['AuditRow'];
export type SystemSettings = S['SystemSettings'];
export type Role = NonNullable<ProjectPermissions['role']>;
export type Permission = ProjectPermissions['permissions'][number];
export type Badge = NonNullable<RepositorySummary['badge']>;
