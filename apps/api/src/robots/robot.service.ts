import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '../common/domain-error';
import { uniqueViolation } from '../identity/unique-violation';
import { PasswordHasher } from '../identity/password-hasher';
import { ROBOT_PERMISSIONS, RobotPermission } from '../access/permissions';
import { Principal } from '../access/principal';
import { RobotRepository, RobotRow } from './robot.repository';

const ROBOT_PREFIX = 'robot$';
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A robot account as the console lists it: never its secret or the secret's hash. */
export const RobotView = z.object({
  id: z.string(),
  /** The full name to log in with: `robot$<project>+<name>`, or `robot$<name>` for a system robot. */
  name: z.string(),
  /** The project's name; null for a system robot. */
  project: z.string().nullable(),
  description: z.string(),
  permissions: z.array(z.enum(ROBOT_PERMISSIONS)),
  /** Null: never expires. */
  expiresAt: z.date().nullable(),
  disabled: z.boolean(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
});
export type RobotView = z.output<typeof RobotView>;

/** The answer to creating a robot or rotating its secret: the only time the secret is shown. */
export const RobotWithSecret = z.object({ robot: RobotView, secret: z.string() });
export type RobotWithSecret = z.output<typeof RobotWithSecret>;

export type RobotAuthFailure = 'unknown' | 'wrong_secret' | 'disabled' | 'expired';

/**
 * Robot accounts: `robot$<project>+<name>` for one project, `robot$<name>` system-wide. The secret is
 * returned once (creation, rotation) and stored as an argon2id hash.
 */
@Injectable()
export class RobotService {
  private lastTouched = new Map<string, number>();

  constructor(
    private readonly robots: RobotRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  static fullName(project: string | null, name: string): string {
    return project ? `${ROBOT_PREFIX}${project}+${name}` : `${ROBOT_PREFIX}${name}`;
  }

  static isRobotName(username: string): boolean {
    return username.startsWith(ROBOT_PREFIX);
  }

  async create(input: {
    project: { id: string; name: string } | null;
    name: string;
    description?: string;
    permissions: RobotPermission[];
    expiresAt?: Date | null;
    createdBy: string | null;
  }): Promise<RobotWithSecret> {
    if (!NAME.test(input.name)) throw DomainError.invalid('robot names are 1-64 characters: lowercase letters, digits, ".", "_" and "-"', { field: 'name' });
    const permissions = checkPermissions(input.permissions);
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw DomainError.invalid('expiry must be in the future', { field: 'expiresAt' });
    const secret = newSecret();
    const name = RobotService.fullName(input.project?.name ?? null, input.name);
    let id: string;
    try {
      id = await this.robots.insert({
        projectId: input.project?.id ?? null,
        name,
        description: input.description ?? '',
        permissions,
        secretHash: await this.hasher.hash(secret),
        expiresAt: input.expiresAt ?? null,
        createdBy: input.createdBy,
      });
    } catch (err) {
      if (uniqueViolation(err)) throw DomainError.conflict(`robot ${name} already exists`);
      throw err;
    }
    return { robot: view((await this.robots.findById(id))!), secret };
  }

  async list(projectId: string | null): Promise<RobotView[]> {
    return (await this.robots.list(projectId)).map(view);
  }

  async get(id: string): Promise<RobotView> {
    const row = await this.robots.findById(id);
    if (!row) throw DomainError.notFound('no such robot account');
    return view(row);
  }

  /** A new secret; the old one stops working at once. */
  async rotate(id: string): Promise<string> {
    const secret = newSecret();
    if (!(await this.robots.update(id, { secretHash: await this.hasher.hash(secret) }))) throw DomainError.notFound('no such robot account');
    return secret;
  }

  async update(id: string, changes: { disabled?: boolean; description?: string; permissions?: RobotPermission[]; expiresAt?: Date | null }): Promise<RobotView> {
    const checked = { ...changes, ...(changes.permissions ? { permissions: checkPermissions(changes.permissions) } : {}) };
    if (!(await this.robots.update(id, checked))) throw DomainError.notFound('no such robot account');
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.robots.delete(id))) throw DomainError.notFound('no such robot account');
  }

  /** Checks a robot's docker login; the failure kind is for the audit log, callers show one message. */
  async authenticate(name: string, secret: string): Promise<Principal | RobotAuthFailure> {
    const row = await this.robots.findByName(name);
    if (!row) {
      await this.hasher.dummyVerify(secret);
      return 'unknown';
    }
    if (!(await this.hasher.verify(row.secretHash, secret))) return 'wrong_secret';
    if (row.disabled) return 'disabled';
    if (row.expiresAt && row.expiresAt.getTime() <= Date.now()) return 'expired';
    this.touch(row.id);
    return { kind: 'robot', id: row.id, name: row.name, projectId: row.projectId, permissions: row.permissions };
  }

  /** last_used_at at most once a minute per robot: a CI loop must not turn every login into a write. */
  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.lastTouched.get(id) ?? 0) < 60_000) return;
    this.lastTouched.set(id, now);
    void this.robots.touch(id).catch(() => undefined);
  }
}

function checkPermissions(permissions: RobotPermission[]): RobotPermission[] {
  const unique = [...new Set(permissions)];
  if (unique.length === 0 || unique.some((p) => !(ROBOT_PERMISSIONS as readonly string[]).includes(p))) {
    throw DomainError.invalid(`robot permissions are a non-empty subset of ${ROBOT_PERMISSIONS.join(', ')}`, { field: 'permissions' });
  }
  return unique;
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function view(row: RobotRow): RobotView {
  return {
    id: row.id,
    name: row.name,
    project: row.projectName,
    description: row.description,
    permissions: row.permissions,
    expiresAt: row.expiresAt,
    disabled: row.disabled,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
}
