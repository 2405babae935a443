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
  'retention.update',
  'retention.run',
  'retention.delete',
  'immutable_rule.create',
  'immutable_rule.update',
  'immutable_rule.delete',
  'gc.start',
  'gc.stop',
  'gc.schedule',
  'archive.import',
  'artifact.export',
] as const;

type Translate = (key: string, values?: Record<string, unknown>, plural?: number) => string;
type Exists = (key: string) => boolean;

/** An action code in words (`member.add` -> "Member added"); a code the console does not know stays as it is. */
export function actionLabel(action: string, t: Translate, te: Exists): string {
  const key = `audit.actions.${action.replace(/\./g, '_')}`;
  return te(key) ? t(key) : action;
}

/**
 * The server records what was acted on as a short English phrase (`member bob of project team`); these are
 * its shapes, in the order tried, and the catalogue key that says each in the reader's language. Names
 * (repositories, `team/app:v1`) match none and are shown as they are.
 */
const RESOURCE_SHAPES: [RegExp, string, string[]][] = [
  [/^member (.+) of project (.+)$/, 'member', ['user', 'project']],
  [/^retention run (\S+) of project (.+)$/, 'retentionRun', ['id', 'project']],
  [/^retention policy of project (.+)$/, 'retentionPolicy', ['project']],
  [/^immutability rule (\S+) of project (.+)$/, 'immutabilityRule', ['id', 'project']],
  [/^cli secret (.+) of user (.+)$/, 'cliSecret', ['id', 'user']],
  [/^project (.+)$/, 'project', ['project']],
  [/^user (.+)$/, 'user', ['user']],
  [/^robot (.+)$/, 'robot', ['robot']],
  [/^gc\/(\S+)$/, 'gcRun', ['id']],
  [/^(\d+) artifacts: (.+)$/s, 'artifacts', ['n', 'list']],
  [/^(console|console api|registry|settings|gc)$/, 'fixed', ['which']],
];

/** The resource of an audit entry in the reader's language, names kept exactly. */
export function resourceText(resource: string, t: Translate): string {
  for (const [shape, key, names] of RESOURCE_SHAPES) {
    const match = shape.exec(resource);
    if (!match) continue;
    const values = Object.fromEntries(names.map((name, i) => [name, match[i + 1]]));
    if (key === 'fixed') return t(`audit.resources.fixed.${String(values.which).replace(' ', '_')}`);
    // A count picks the singular or plural form ("1 artifact").
    return 'n' in values ? t(`audit.resources.${key}`, values, Number(values.n)) : t(`audit.resources.${key}`, values);
  }
  return resource;
}

/** Details as one compact line: `role=developer, username=ann`. */
export function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}
