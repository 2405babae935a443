/**
 * Who may do what in a test Berth: projects, users, members and robots written straight into its
 * database (the console API that would normally do this is not under test here), and the
 * Authorization header values registry clients send.
 */
import { RobotPermission, Role } from '../../apps/api/src/access/permissions';
import { PasswordHasher } from '../../apps/api/src/identity/password-hasher';
import { RobotRepository } from '../../apps/api/src/robots/robot.repository';
import { RobotService } from '../../apps/api/src/robots/robot.service';
import { identityServices } from '../identity/identity-services';
import { TEST_ADMIN_PASSWORD, TestBerth } from './test-berth';

/** `Basic base64(user:secret)`. */
export function basicAuth(username: string, secret: string): string {
  return `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
}

/** The Authorization header of the test Berth's `admin`, who may do everything in every project. */
export function adminBasicAuth(): string {
  return basicAuth('admin', TEST_ADMIN_PASSWORD);
}

export interface TestProject {
  id: string;
  name: string;
  public: boolean;
}

/**
 * A project (private unless `public`). Idempotent: a project of that name that exists already is
 * returned as it is, its visibility untouched.
 */
export async function createProject(berth: TestBerth, name: string, options: { public?: boolean } = {}): Promise<TestProject> {
  const db = berth.running.dataSource;
  await db.query('INSERT INTO project (name, public) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, options.public ?? false]);
  const [row] = await db.query('SELECT id::text AS id, name, public FROM project WHERE name = $1', [name]);
  return row;
}

/**
 * The projects the given repository names live in (the first path segment of each), so a suite that
 * pushes into `team/app` and `other/x/y` can say so in one line.
 */
export async function createProjectsFor(berth: TestBerth, repositories: readonly string[], options: { public?: boolean } = {}): Promise<void> {
  for (const project of new Set(repositories.map((r) => r.split('/')[0]))) await createProject(berth, project, options);
}

/** A user with a password (at least 8 characters); `disabled` users exist but may not log in. */
export async function createUser(
  berth: TestBerth,
  username: string,
  password: string,
  options: { admin?: boolean; disabled?: boolean } = {},
): Promise<{ id: string; username: string }> {
  const user = await identityServices(berth.running.dataSource).users.create({ username, password, isAdmin: options.admin ?? false });
  if (options.disabled) await berth.running.dataSource.query('UPDATE app_user SET disabled = true WHERE id = $1', [user.id]);
  return { id: user.id, username: user.username };
}

/** Makes `username` a member of `project` with `role` (or changes the role it has). */
export async function addMember(berth: TestBerth, project: string, username: string, role: Role): Promise<void> {
  const rows = await berth.running.dataSource.query(
    `INSERT INTO project_member (project_id, user_id, role)
     SELECT p.id, u.id, $3 FROM project p, app_user u WHERE p.name = $1 AND u.username = $2
     ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role
     RETURNING project_id`,
    [project, username, role],
  );
  if (rows.length !== 1) throw new Error(`addMember: no project ${project} or no user ${username}`);
}

/** The login name of a robot: `robot$<project>+<name>`, or `robot$<name>` for a system robot. */
export function robotName(project: string | null, name: string): string {
  return RobotService.fullName(project, name);
}

/**
 * A robot account of `project` (null: a system robot) with `permissions`; returns its secret.
 * An `expiresAt` in the past makes an already expired robot (the service refuses to create one,
 * so the expiry is written afterwards).
 */
export async function createRobot(
  berth: TestBerth,
  project: string | null,
  name: string,
  permissions: RobotPermission[],
  expiresAt?: Date,
): Promise<string> {
  const db = berth.running.dataSource;
  let owner: { id: string; name: string } | null = null;
  if (project !== null) {
    [owner] = await db.query('SELECT id::text AS id, name FROM project WHERE name = $1', [project]);
    if (!owner) throw new Error(`createRobot: no project ${project}`);
  }
  const past = expiresAt !== undefined && expiresAt.getTime() <= Date.now();
  const service = new RobotService(new RobotRepository(db), new PasswordHasher());
  const { robot, secret } = await service.create({ project: owner, name, permissions, expiresAt: past ? null : expiresAt, createdBy: null });
  if (past) await db.query('UPDATE robot SET expires_at = $1 WHERE id = $2', [expiresAt, robot.id]);
  return secret;
}

/** Enables or disables a robot by its full name. */
export async function setRobotDisabled(berth: TestBerth, fullName: string, disabled: boolean): Promise<void> {
  await berth.running.dataSource.query('UPDATE robot SET disabled = $1 WHERE name = $2', [disabled, fullName]);
}

/**
 * A bearer token from the Berth's token endpoint for `scopes`, as docker fetches one: with basic
 * credentials, or anonymously when `authorization` is undefined.
 */
export async function fetchToken(berth: TestBerth, scopes: readonly string[], authorization?: string): Promise<string> {
  const query = new URLSearchParams([['service', 'berth'], ...scopes.map((s): [string, string] => ['scope', s])]);
  const res = await fetch(`${berth.url}/service/token?${query}`, { headers: authorization ? { Authorization: authorization } : {} });
  if (res.status !== 200) throw new Error(`token request for ${scopes.join(' ')} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
