/** Everything a caller can be allowed to do in a project; the registry and the console ask with the same names. */
export const PERMISSIONS = [
  'pull',
  'push',
  'delete',
  'edit_description',
  'read_members',
  'manage_members',
  'manage_robots',
  'manage_policies',
  'manage_project',
  'read_audit',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['project_admin', 'maintainer', 'developer', 'guest', 'limited_guest'] as const;
export type Role = (typeof ROLES)[number];

/** What robot accounts can be given: registry access only, never the console. */
export const ROBOT_PERMISSIONS = ['pull', 'push', 'delete'] as const satisfies readonly Permission[];
export type RobotPermission = (typeof ROBOT_PERMISSIONS)[number];

const Y = true;
const _ = false;

/**
 * The role matrix, in one place: one row per permission, one column per role
 * (Project Admin, Maintainer, Developer, Guest, Limited Guest). Adding a permission is one line here.
 */
const MATRIX: Readonly<Record<Permission, readonly [boolean, boolean, boolean, boolean, boolean]>> = {
  pull: /*              */ [Y, Y, Y, Y, Y],
  push: /*              */ [Y, Y, Y, _, _],
  delete: /*            */ [Y, Y, _, _, _],
  edit_description: /*  */ [Y, Y, Y, _, _],
  read_members: /*      */ [Y, Y, Y, Y, _],
  manage_members: /*    */ [Y, _, _, _, _],
  manage_robots: /*     */ [Y, _, _, _, _],
  manage_policies: /*   */ [Y, Y, _, _, _],
  manage_project: /*    */ [Y, _, _, _, _],
  read_audit: /*        */ [Y, _, _, _, _],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return MATRIX[permission][ROLES.indexOf(role)];
}

export function permissionsOf(role: Role): Permission[] {
  return PERMISSIONS.filter((p) => roleAllows(role, p));
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Registry token actions map onto permissions: `*` on a repository is delete (distribution's convention). */
export function permissionForAction(action: string): Permission | undefined {
  switch (action) {
    case 'pull':
      return 'pull';
    case 'push':
      return 'push';
    case 'delete':
    case '*':
      return 'delete';
    default:
      return undefined;
  }
}
