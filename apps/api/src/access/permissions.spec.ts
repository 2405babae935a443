import { permissionForAction, PERMISSIONS, permissionsOf, roleAllows, ROLES } from './permissions';

/** The table, transcribed independently of the code's matrix. */
const EXPECTED: Record<string, string[]> = {
  project_admin: ['pull', 'push', 'delete', 'edit_description', 'read_members', 'manage_members', 'manage_robots', 'manage_policies', 'manage_project', 'read_audit'],
  maintainer: ['pull', 'push', 'delete', 'edit_description', 'read_members', 'manage_policies'],
  developer: ['pull', 'push', 'edit_description', 'read_members'],
  guest: ['pull', 'read_members'],
  limited_guest: ['pull'],
};

describe('the role matrix', () => {
  it.each(ROLES)('gives %s exactly the permissions of the table', (role) => {
    expect(permissionsOf(role).sort()).toEqual([...EXPECTED[role]].sort());
    for (const p of PERMISSIONS) expect(roleAllows(role, p)).toBe(EXPECTED[role].includes(p));
  });

  it('maps registry token actions onto permissions', () => {
    expect(permissionForAction('pull')).toBe('pull');
    expect(permissionForAction('push')).toBe('push');
    expect(permissionForAction('delete')).toBe('delete');
    expect(permissionForAction('*')).toBe('delete');
    expect(permissionForAction('admin')).toBeUndefined();
  });
});
