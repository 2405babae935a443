/** The actions Berth records, offered as suggestions in the action filter (the API matches exactly). */
export const AUDIT_ACTIONS = [
  'login',
  'logout',
  'pull',
  'push',
  'artifact.delete',
  'tag.create',
  'tag.delete',
  'blob.delete',
  'repository.update',
  'repository.badge',
  'repository.delete',
  'project.create',
  'project.update',
  'project.delete',
  'member.add',
  'member.update',
  'member.remove',
  'robot.create',
  'robot.update',
  'robot.rotate',
  'robot.delete',
  'user.create',
  'user.update',
  'user.password',
  'user.delete',
  'cli_secret.create',
  'cli_secret.revoke',
  'settings.update',
] as const;

/** Details as one compact line: `role=developer, username=ann`. */
export function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}
