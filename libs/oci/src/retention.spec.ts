import { createHash } from 'node:crypto';
import {
  describeImmutabilityRule,
  globPatternProblem,
  evaluateRetention,
  findImmutableRule,
  matchesSelector,
  sparedByGrace,
  validateRetentionRules,
  type ImmutabilityRule,
  type RetentionAction,
  type RetentionArtifact,
  type RetentionDecision,
  type RetentionRepository,
  type RetentionRule,
  type Selector,
  type TagSelector,
} from './retention';

const NOW = new Date('2024-06-01T12:00:00Z');
const DAY = 86_400_000;

function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * DAY);
}

function digestOf(id: string): string {
  return `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

// cosign's tag for a signature of `id`: sha256-<hex>.sig
function cosignTag(id: string, suffix = 'sig'): string {
  return `${digestOf(id).replace(':', '-')}.${suffix}`;
}

interface ArtifactOptions {
  tags?: string[];
  pushed?: number;
  pulled?: number | null;
  subject?: string | null;
  children?: string[];
}

/** An artifact whose digest is derived from its id; `pushed`/`pulled` are days before NOW. */
function artifact(id: string, options: ArtifactOptions = {}): RetentionArtifact {
  const pulled = options.pulled ?? null;
  return {
    id,
    digest: digestOf(id),
    tags: options.tags ?? [id],
    pushedAt: daysAgo(options.pushed ?? 0),
    pulledAt: pulled === null ? null : daysAgo(pulled),
    subject: options.subject === undefined || options.subject === null ? null : digestOf(options.subject),
    children: (options.children ?? []).map(digestOf),
  };
}

interface RuleOptions {
  repositories?: Partial<Selector>;
  tags?: Partial<TagSelector>;
  disabled?: boolean;
}

/** A rule over every repository and every tag (untagged excluded) unless narrowed. */
function rule(action: RetentionAction, options: RuleOptions = {}): RetentionRule {
  const result: RetentionRule = {
    repositories: { include: ['**'], exclude: [], ...options.repositories },
    tags: { include: ['**'], exclude: [], untagged: false, ...options.tags },
    action,
  };
  if (options.disabled !== undefined) result.disabled = options.disabled;
  return result;
}

function immutable(id: string, tags: string[], repositories: string[] = ['**'], disabled?: boolean): ImmutabilityRule {
  const result: ImmutabilityRule = { id, repositories: { include: repositories, exclude: [] }, tags: { include: tags, exclude: [] } };
  if (disabled !== undefined) result.disabled = disabled;
  return result;
}

function repo(name: string, artifacts: RetentionArtifact[]): RetentionRepository {
  return { name, artifacts };
}

interface RunOptions {
  rules: RetentionRule[];
  immutable?: ImmutabilityRule[];
  project?: string;
  keepPushedAfter?: Date;
}

function run(repositories: RetentionRepository[], options: RunOptions): RetentionDecision[] {
  return evaluateRetention({
    project: options.project ?? 'team-a',
    repositories,
    rules: options.rules,
    immutable: options.immutable ?? [],
    now: NOW,
    keepPushedAfter: options.keepPushedAfter,
  });
}

/** Ids kept by a run over one repository `team-a/app`. */
function kept(artifacts: RetentionArtifact[], options: RunOptions): string[] {
  return keptIds(run([repo('team-a/app', artifacts)], options));
}

function keptIds(decisions: RetentionDecision[]): string[] {
  return decisions.filter((decision) => decision.keep).map((decision) => decision.id);
}

function decisionOf(decisions: RetentionDecision[], id: string): RetentionDecision {
  const decision = decisions.find((d) => d.id === id);
  if (!decision) throw new Error(`no decision for ${id}`);
  return decision;
}

describe('evaluateRetention actions', () => {
  it('latest_pushed keeps the count most recently pushed', () => {
    const artifacts = [
      artifact('a', { pushed: 5 }),
      artifact('b', { pushed: 1 }),
      artifact('c', { pushed: 3 }),
      artifact('d', { pushed: 2 }),
    ];
    expect(kept(artifacts, { rules: [rule({ kind: 'latest_pushed', count: 2 })] })).toEqual(['b', 'd']);
  });

  it('latest_pushed keeps all when there are fewer than count', () => {
    const artifacts = [artifact('a', { pushed: 5 }), artifact('b', { pushed: 1 })];
    expect(kept(artifacts, { rules: [rule({ kind: 'latest_pushed', count: 10 })] })).toEqual(['a', 'b']);
  });

  it('latest_pulled keeps the count most recently pulled, whatever the push order', () => {
    const artifacts = [
      artifact('a', { pushed: 1, pulled: 9 }),
      artifact('b', { pushed: 9, pulled: 1 }),
      artifact('c', { pushed: 5, pulled: 2 }),
    ];
    expect(kept(artifacts, { rules: [rule({ kind: 'latest_pulled', count: 2 })] })).toEqual(['b', 'c']);
  });

  it('latest_pulled keeps never-pulled artifacts only to fill up count, newest pushed first', () => {
    const artifacts = [
      artifact('old-never', { pushed: 9, pulled: null }),
      artifact('pulled-long-ago', { pushed: 20, pulled: 300 }),
      artifact('new-never', { pushed: 1, pulled: null }),
      artifact('mid-never', { pushed: 4, pulled: null }),
    ];
    expect(kept(artifacts, { rules: [rule({ kind: 'latest_pulled', count: 1 })] })).toEqual(['pulled-long-ago']);
    expect(kept(artifacts, { rules: [rule({ kind: 'latest_pulled', count: 3 })] })).toEqual(['pulled-long-ago', 'new-never', 'mid-never']);
  });

  it('pushed_within_days keeps pushes at or after now - days', () => {
    const artifacts = [artifact('edge', { pushed: 7 }), artifact('inside', { pushed: 6.9 }), artifact('outside', { pushed: 7.001 })];
    expect(kept(artifacts, { rules: [rule({ kind: 'pushed_within_days', days: 7 })] })).toEqual(['edge', 'inside']);
  });

  it('pulled_within_days keeps recent pulls and never keeps never-pulled artifacts', () => {
    const artifacts = [
      artifact('recent', { pushed: 100, pulled: 2 }),
      artifact('stale', { pushed: 100, pulled: 40 }),
      artifact('fresh-never-pulled', { pushed: 0, pulled: null }),
    ];
    expect(kept(artifacts, { rules: [rule({ kind: 'pulled_within_days', days: 30 })] })).toEqual(['recent']);
  });

  it('always keeps everything it selects and nothing else', () => {
    const artifacts = [artifact('a', { tags: ['release-1'] }), artifact('b', { tags: ['dev-1'] })];
    expect(kept(artifacts, { rules: [rule({ kind: 'always' }, { tags: { include: ['release-*'] } })] })).toEqual(['a']);
  });

  it('keeps the union of two rules and lists every keeping rule', () => {
    const artifacts = [
      artifact('rel-old', { tags: ['release-1'], pushed: 50 }),
      artifact('rel-new', { tags: ['release-2'], pushed: 1 }),
      artifact('dev-old', { tags: ['dev-1'], pushed: 60 }),
      artifact('dev-new', { tags: ['dev-2'], pushed: 2 }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], {
      rules: [rule({ kind: 'always' }, { tags: { include: ['release-*'] } }), rule({ kind: 'latest_pushed', count: 2 })],
    });
    expect(keptIds(decisions)).toEqual(['rel-old', 'rel-new', 'dev-new']);
    expect(decisionOf(decisions, 'rel-new').reasons).toEqual([
      { kind: 'rule', rule: 0 },
      { kind: 'rule', rule: 1 },
    ]);
    expect(decisionOf(decisions, 'rel-old').reasons).toEqual([{ kind: 'rule', rule: 0 }]);
    expect(decisionOf(decisions, 'dev-old')).toMatchObject({ keep: false, reasons: [] });
  });

  it('breaks equal push times by digest, whatever the input order', () => {
    const ids = ['p', 'q', 'r', 's', 't'];
    const expected = [...ids].sort((a, b) => (digestOf(a) < digestOf(b) ? -1 : 1)).slice(0, 2);
    const latest = rule({ kind: 'latest_pushed', count: 2 });
    const forward = kept(ids.map((id) => artifact(id, { pushed: 3 })), { rules: [latest] });
    const backward = kept([...ids].reverse().map((id) => artifact(id, { pushed: 3 })), { rules: [latest] });
    expect([...forward].sort()).toEqual([...expected].sort());
    expect([...backward].sort()).toEqual([...expected].sort());
  });

  it('breaks equal pull times by push time, then digest', () => {
    const artifacts = [
      artifact('x', { pushed: 5, pulled: 1 }),
      artifact('y', { pushed: 2, pulled: 1 }),
      artifact('z', { pushed: 9, pulled: 1 }),
    ];
    expect(kept(artifacts, { rules: [rule({ kind: 'latest_pulled', count: 1 })] })).toEqual(['y']);
  });
});

describe('evaluateRetention selectors', () => {
  const repositories = (): RetentionRepository[] => [
    repo('team-a/app/web', [artifact('web-1', { pushed: 1 }), artifact('web-2', { pushed: 2 })]),
    repo('team-a/app/db', [artifact('db-1', { pushed: 1 }), artifact('db-2', { pushed: 2 })]),
    repo('team-a/tools', [artifact('tools-1', { pushed: 1 }), artifact('tools-2', { pushed: 2 })]),
  ];
  const keepOne: RetentionAction = { kind: 'latest_pushed', count: 1 };

  it('matches repositories without the project prefix, honouring include and exclude', () => {
    const decisions = run(repositories(), { rules: [rule(keepOne, { repositories: { include: ['app/**'], exclude: ['app/db'] } })] });
    expect(keptIds(decisions)).toEqual(['web-1', 'db-1', 'db-2', 'tools-1', 'tools-2']);
    expect(decisionOf(decisions, 'db-2').reasons).toEqual([{ kind: 'not_covered' }]);
    expect(decisionOf(decisions, 'web-1').reasons).toEqual([{ kind: 'rule', rule: 0 }]);
  });

  it('does not match a pattern that spells out the project', () => {
    const decisions = run(repositories(), { rules: [rule(keepOne, { repositories: { include: ['team-a/**'] } })] });
    expect(keptIds(decisions)).toHaveLength(6);
    expect(decisions.every((d) => d.reasons[0].kind === 'not_covered')).toBe(true);
  });

  it('keeps * within one path segment and lets ** cross /', () => {
    const single = run(repositories(), { rules: [rule(keepOne, { repositories: { include: ['*'] } })] });
    expect(keptIds(single)).toEqual(['web-1', 'web-2', 'db-1', 'db-2', 'tools-1']);
    const double = run(repositories(), { rules: [rule(keepOne, { repositories: { include: ['**'] } })] });
    expect(keptIds(double)).toEqual(['web-1', 'db-1', 'tools-1']);
    const nested = run(repositories(), { rules: [rule(keepOne, { repositories: { include: ['app/*'] } })] });
    expect(keptIds(nested)).toEqual(['web-1', 'db-1', 'tools-1', 'tools-2']);
  });

  it('matches repository names in other projects as given', () => {
    const decisions = run([repo('team-b/web', [artifact('b-1', { pushed: 1 }), artifact('b-2', { pushed: 2 })])], {
      rules: [rule(keepOne, { repositories: { include: ['team-b/web'] } })],
    });
    expect(keptIds(decisions)).toEqual(['b-1']);
  });

  it('selects tags with globs like v*.*.*, release-* and {latest,stable}', () => {
    const artifacts = [
      artifact('semver', { tags: ['v1.2.3'] }),
      artifact('short', { tags: ['v1.2'] }),
      artifact('release', { tags: ['release-2024'] }),
      artifact('latest', { tags: ['latest'] }),
      artifact('stable', { tags: ['stable'] }),
      artifact('other', { tags: ['nightly'] }),
    ];
    const always: RetentionAction = { kind: 'always' };
    expect(kept(artifacts, { rules: [rule(always, { tags: { include: ['v*.*.*'] } })] })).toEqual(['semver']);
    expect(kept(artifacts, { rules: [rule(always, { tags: { include: ['release-*'] } })] })).toEqual(['release']);
    expect(kept(artifacts, { rules: [rule(always, { tags: { include: ['{latest,stable}'] } })] })).toEqual(['latest', 'stable']);
  });

  it('selects an artifact when any one of its tags matches and no exclude matches that tag', () => {
    const artifacts = [
      artifact('both', { tags: ['nightly', 'v2.0.0'] }),
      artifact('rc', { tags: ['v2.0.0-rc1'] }),
      artifact('plain', { tags: ['v1.0.0'] }),
    ];
    const keepTagged = rule({ kind: 'always' }, { tags: { include: ['v*'], exclude: ['*-rc*'] } });
    expect(kept(artifacts, { rules: [keepTagged] })).toEqual(['both', 'plain']);
  });

  it('matches nothing with an empty include list', () => {
    const artifacts = [artifact('a'), artifact('b', { tags: [] })];
    expect(kept(artifacts, { rules: [rule({ kind: 'always' }, { tags: { include: [], untagged: false } })] })).toEqual([]);
  });

  it('selects untagged artifacts only when the rule says so', () => {
    const artifacts = [artifact('tagged', { tags: ['v1'] }), artifact('untagged', { tags: [] })];
    const always: RetentionAction = { kind: 'always' };
    expect(kept(artifacts, { rules: [rule(always, { tags: { untagged: false } })] })).toEqual(['tagged']);
    expect(kept(artifacts, { rules: [rule(always, { tags: { untagged: true } })] })).toEqual(['tagged', 'untagged']);
    expect(kept(artifacts, { rules: [rule(always, { tags: { include: [], untagged: true } })] })).toEqual(['untagged']);
  });

  it('counts untagged artifacts among the latest when selected', () => {
    const artifacts = [artifact('old-tagged', { pushed: 5 }), artifact('new-untagged', { tags: [], pushed: 1 })];
    expect(kept(artifacts, { rules: [rule({ kind: 'latest_pushed', count: 1 }, { tags: { untagged: true } })] })).toEqual(['new-untagged']);
  });
});

describe('evaluateRetention coverage', () => {
  it('keeps repositories no enabled rule selects', () => {
    const decisions = run([repo('team-a/covered', [artifact('c1')]), repo('team-a/other', [artifact('o1'), artifact('o2', { tags: [] })])], {
      rules: [rule({ kind: 'always' }, { repositories: { include: ['covered'] }, tags: { include: ['nope'] } })],
    });
    expect(decisions.map((d) => [d.id, d.keep])).toEqual([
      ['c1', false],
      ['o1', true],
      ['o2', true],
    ]);
    expect(decisionOf(decisions, 'o2').reasons).toEqual([{ kind: 'not_covered' }]);
  });

  it('keeps everything without rules', () => {
    const decisions = run([repo('team-a/app', [artifact('a', { pushed: 400 }), artifact('b', { tags: [] })])], { rules: [] });
    expect(decisions.map((d) => d.keep)).toEqual([true, true]);
    expect(decisions[1].reasons).toEqual([{ kind: 'not_covered' }]);
  });

  it('ignores disabled rules, for coverage too', () => {
    const artifacts = [artifact('new', { pushed: 1 }), artifact('old', { pushed: 9 })];
    const disabledOnly = run([repo('team-a/app', artifacts)], { rules: [rule({ kind: 'latest_pushed', count: 1 }, { disabled: true })] });
    expect(keptIds(disabledOnly)).toEqual(['new', 'old']);
    const mixed = run([repo('team-a/app', artifacts)], {
      rules: [rule({ kind: 'always' }, { disabled: true }), rule({ kind: 'latest_pushed', count: 1 }, { disabled: false })],
    });
    expect(keptIds(mixed)).toEqual(['new']);
    expect(decisionOf(mixed, 'new').reasons).toEqual([{ kind: 'rule', rule: 1 }]);
  });

  it('returns a decision per artifact, in input order, with the full repository name', () => {
    const decisions = run(
      [
        repo('team-a/z', [artifact('z2', { pushed: 2 }), artifact('z1', { pushed: 1 })]),
        repo('team-a/a', [artifact('a1', { tags: ['x', 'y'] })]),
      ],
      { rules: [rule({ kind: 'latest_pushed', count: 1 })] },
    );
    expect(decisions.map((d) => [d.id, d.repository, d.keep])).toEqual([
      ['z2', 'team-a/z', false],
      ['z1', 'team-a/z', true],
      ['a1', 'team-a/a', true],
    ]);
    expect(decisions[2]).toMatchObject({ digest: digestOf('a1'), tags: ['x', 'y'] });
  });

  it('refuses invalid rules instead of guessing', () => {
    expect(() => run([repo('team-a/app', [artifact('a')])], { rules: [rule({ kind: 'latest_pushed', count: -1 })] })).toThrow(
      'invalid retention rules: rule 1: count must be a whole number from 1 to 10000',
    );
  });
});

describe('evaluateRetention immutability', () => {
  const deleteAll = rule({ kind: 'always' }, { tags: { include: ['nothing'] } });

  it('keeps artifacts with a protected tag whatever the rules say, naming rule and tag', () => {
    const artifacts = [
      artifact('release', { tags: ['dev', 'release-1.0'], pushed: 100 }),
      artifact('dev', { tags: ['dev-2'] }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], {
      rules: [deleteAll],
      immutable: [immutable('imm-1', ['v*']), immutable('imm-2', ['release-*']), immutable('imm-3', ['release-*', 'dev'])],
    });
    expect(keptIds(decisions)).toEqual(['release']);
    expect(decisionOf(decisions, 'release').reasons).toEqual([
      { kind: 'immutable', rule: 'imm-3', tag: 'dev' },
      { kind: 'immutable', rule: 'imm-2', tag: 'release-1.0' },
    ]);
  });

  it('overrides a latest_pushed rule that would delete the protected artifact', () => {
    const artifacts = [artifact('new', { pushed: 1 }), artifact('old', { tags: ['prod'], pushed: 99 })];
    const decisions = run([repo('team-a/app', artifacts)], {
      rules: [rule({ kind: 'latest_pushed', count: 1 })],
      immutable: [immutable('prod-lock', ['prod'])],
    });
    expect(keptIds(decisions)).toEqual(['new', 'old']);
    expect(decisionOf(decisions, 'old').reasons).toEqual([{ kind: 'immutable', rule: 'prod-lock', tag: 'prod' }]);
  });

  it('only protects repositories the immutability rule selects, without the project prefix', () => {
    const repositories = [repo('team-a/app/web', [artifact('web', { tags: ['prod'] })]), repo('team-a/db', [artifact('db', { tags: ['prod'] })])];
    const decisions = run(repositories, {
      rules: [deleteAll],
      immutable: [immutable('web-prod', ['prod'], ['app/*'])],
    });
    expect(keptIds(decisions)).toEqual(['web']);
  });

  it('ignores disabled immutability rules', () => {
    const off = immutable('off', ['prod'], ['**'], true);
    expect(kept([artifact('a', { tags: ['prod'] })], { rules: [deleteAll], immutable: [off] })).toEqual([]);
  });

  it('keeps the children and referrers of a protected artifact', () => {
    const artifacts = [
      artifact('index', { tags: ['prod'], children: ['amd64'] }),
      artifact('amd64', { tags: [] }),
      artifact('sig', { tags: [], subject: 'amd64' }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [deleteAll], immutable: [immutable('lock', ['prod'])] });
    expect(keptIds(decisions)).toEqual(['index', 'amd64', 'sig']);
    expect(decisionOf(decisions, 'sig').reasons).toEqual([{ kind: 'parent', digest: digestOf('amd64') }]);
  });
});

describe('evaluateRetention indexes and referrers', () => {
  const keepLatest = rule({ kind: 'latest_pushed', count: 1 }, { tags: { untagged: true } });

  it('keeps the untagged children of a kept index and deletes those of a deleted one', () => {
    const artifacts = [
      artifact('new-index', { tags: ['v2'], pushed: 1, children: ['new-amd64', 'new-arm64'] }),
      artifact('new-amd64', { tags: [], pushed: 1 }),
      artifact('new-arm64', { tags: [], pushed: 1 }),
      artifact('old-index', { tags: ['v1'], pushed: 10, children: ['old-amd64'] }),
      artifact('old-amd64', { tags: [], pushed: 10 }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [keepLatest] });
    expect(keptIds(decisions)).toEqual(['new-index', 'new-amd64', 'new-arm64']);
    expect(decisionOf(decisions, 'new-arm64').reasons).toEqual([{ kind: 'parent', digest: digestOf('new-index') }]);
  });

  it('does not count untagged children among the latest: they are not top-level', () => {
    const artifacts = [
      artifact('index', { tags: ['v1'], pushed: 5, children: ['child'] }),
      artifact('child', { tags: [], pushed: 0 }),
    ];
    expect(kept(artifacts, { rules: [keepLatest] })).toEqual(['index', 'child']);
  });

  it('keeps a child shared by a kept and a deleted index', () => {
    const artifacts = [
      artifact('kept-index', { tags: ['v2'], pushed: 1, children: ['shared'] }),
      artifact('deleted-index', { tags: ['v1'], pushed: 9, children: ['shared', 'only-old'] }),
      artifact('shared', { tags: [] }),
      artifact('only-old', { tags: [] }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [keepLatest] });
    expect(keptIds(decisions)).toEqual(['kept-index', 'shared']);
    expect(decisionOf(decisions, 'shared').reasons).toEqual([{ kind: 'parent', digest: digestOf('kept-index') }]);
  });

  it('judges a tagged child on its own and keeps it with its index', () => {
    const artifacts = [
      artifact('index', { tags: ['v1'], pushed: 1, children: ['amd64'] }),
      artifact('amd64', { tags: ['v1-amd64'], pushed: 20 }),
      artifact('loose', { tags: ['v0'], pushed: 30, children: ['loose-child'] }),
      artifact('loose-child', { tags: ['v0-amd64'], pushed: 0 }),
    ];
    const newestVersion = rule({ kind: 'latest_pushed', count: 1 }, { tags: { include: ['v?'] } });
    const decisions = run([repo('team-a/app', artifacts)], { rules: [newestVersion] });
    expect(keptIds(decisions)).toEqual(['index', 'amd64']);
    expect(decisionOf(decisions, 'amd64').reasons).toEqual([{ kind: 'parent', digest: digestOf('index') }]);
    // Judged on its own: the newest push, kept by the rule although its index is deleted.
    const all = run([repo('team-a/app', artifacts)], { rules: [keepLatest] });
    expect(keptIds(all)).toEqual(['loose-child']);
    expect(decisionOf(all, 'loose-child').reasons).toEqual([{ kind: 'rule', rule: 0 }]);
  });

  it('names each kept parent once, and passes a child kept twice on to its referrers once', () => {
    const artifacts = [
      artifact('index-a', { tags: ['a'], children: ['shared', 'shared'] }),
      artifact('index-b', { tags: ['b'], children: ['shared'] }),
      artifact('shared', { tags: [] }),
      artifact('shared-sig', { tags: [], subject: 'shared' }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [rule({ kind: 'always' })] });
    expect(decisionOf(decisions, 'shared').reasons).toEqual([
      { kind: 'parent', digest: digestOf('index-a') },
      { kind: 'parent', digest: digestOf('index-b') },
    ]);
    expect(decisionOf(decisions, 'shared-sig').reasons).toEqual([{ kind: 'parent', digest: digestOf('shared') }]);
  });

  it('terminates on indexes that list each other', () => {
    const artifacts = [artifact('a', { tags: ['a'], children: ['b'] }), artifact('b', { tags: [], children: ['a'] })];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [rule({ kind: 'always' })] });
    expect(decisionOf(decisions, 'a').reasons).toEqual([
      { kind: 'rule', rule: 0 },
      { kind: 'parent', digest: digestOf('b') },
    ]);
    expect(decisionOf(decisions, 'b').reasons).toEqual([{ kind: 'parent', digest: digestOf('a') }]);
  });

  it('records both the rule and the parent when a tagged child is kept twice over', () => {
    const artifacts = [
      artifact('index', { tags: ['v1'], children: ['amd64'] }),
      artifact('amd64', { tags: ['v1-amd64'] }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [rule({ kind: 'always' })] });
    expect(decisionOf(decisions, 'amd64').reasons).toEqual([
      { kind: 'rule', rule: 0 },
      { kind: 'parent', digest: digestOf('index') },
    ]);
  });

  it('follows nested indexes transitively', () => {
    const artifacts = [
      artifact('leaf', { tags: [] }),
      artifact('inner', { tags: [], children: ['leaf'] }),
      artifact('outer', { tags: ['v1'], pushed: 1, children: ['inner'] }),
      artifact('old-outer', { tags: ['v0'], pushed: 5, children: ['old-inner'] }),
      artifact('old-inner', { tags: [], children: ['old-leaf'] }),
      artifact('old-leaf', { tags: [] }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [keepLatest] });
    expect(keptIds(decisions)).toEqual(['leaf', 'inner', 'outer']);
    expect(decisionOf(decisions, 'leaf').reasons).toEqual([{ kind: 'parent', digest: digestOf('inner') }]);
  });

  it('keeps OCI referrers with their subject and deletes them with it', () => {
    const artifacts = [
      artifact('new', { tags: ['v2'], pushed: 1 }),
      artifact('new-sbom', { tags: [], subject: 'new', pushed: 0 }),
      artifact('old', { tags: ['v1'], pushed: 9 }),
      artifact('old-sbom', { tags: [], subject: 'old', pushed: 0 }),
      artifact('sbom-signature', { tags: [], subject: 'new-sbom' }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [keepLatest] });
    expect(keptIds(decisions)).toEqual(['new', 'new-sbom', 'sbom-signature']);
    expect(decisionOf(decisions, 'new-sbom').reasons).toEqual([{ kind: 'parent', digest: digestOf('new') }]);
  });

  it('does not judge a tagged referrer by its tag', () => {
    const artifacts = [artifact('image', { tags: ['v1'], pushed: 5 }), artifact('sbom', { tags: ['v1-sbom'], subject: 'image', pushed: 0 })];
    expect(kept(artifacts, { rules: [rule({ kind: 'always' }, { tags: { include: ['*-sbom'] } })] })).toEqual([]);
  });

  it('treats a referrer whose subject is not in the repository as top-level', () => {
    const artifacts = [
      artifact('orphan-sbom', { tags: [], subject: 'elsewhere', pushed: 1 }),
      artifact('image', { tags: ['v1'], pushed: 2 }),
    ];
    expect(kept(artifacts, { rules: [keepLatest] })).toEqual(['orphan-sbom']);
  });

  it('keeps cosign .sig/.att tags with their subject', () => {
    const artifacts = [
      artifact('new', { tags: ['v2'], pushed: 1 }),
      artifact('new-sig', { tags: [cosignTag('new'), cosignTag('new', 'att')], pushed: 0 }),
      artifact('old', { tags: ['v1'], pushed: 9 }),
      artifact('old-sig', { tags: [cosignTag('old')], pushed: 0 }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [rule({ kind: 'latest_pushed', count: 1 })] });
    expect(keptIds(decisions)).toEqual(['new', 'new-sig']);
    expect(decisionOf(decisions, 'new-sig').reasons).toEqual([{ kind: 'parent', digest: digestOf('new') }]);
  });

  it('judges cosign tags as ordinary tags when the subject is missing or another tag is present', () => {
    const artifacts = [
      artifact('image', { tags: ['v1'], pushed: 5 }),
      artifact('stray-sig', { tags: [cosignTag('gone')], pushed: 1 }),
      artifact('mixed', { tags: [cosignTag('image'), 'extra'], pushed: 3 }),
    ];
    const keepTwo = rule({ kind: 'latest_pushed', count: 2 });
    expect(kept(artifacts, { rules: [keepTwo] })).toEqual(['stray-sig', 'mixed']);
  });

  it('keeps the signature of a child of a kept index', () => {
    const artifacts = [
      artifact('index', { tags: ['v1'], children: ['amd64'] }),
      artifact('amd64', { tags: [] }),
      artifact('amd64-sig', { tags: [cosignTag('amd64')] }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [rule({ kind: 'always' })] });
    expect(keptIds(decisions)).toEqual(['index', 'amd64', 'amd64-sig']);
  });
});

describe('evaluateRetention recent pushes', () => {
  const keepNewestVersion = rule({ kind: 'latest_pushed', count: 1 }, { tags: { include: ['v*'] } });
  const lastHour = new Date(NOW.getTime() - 3_600_000);

  it('keeps what was pushed after keepPushedAfter, with the reason, whatever the rules say', () => {
    const artifacts = [
      artifact('v2', { pushed: 1 }),
      artifact('v1', { pushed: 5 }),
      artifact('child-in-flight', { tags: [], pushed: 0 }),
      artifact('dev', { pushed: 0 }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [keepNewestVersion], keepPushedAfter: lastHour });
    expect(keptIds(decisions)).toEqual(['v2', 'child-in-flight', 'dev']);
    expect(decisionOf(decisions, 'child-in-flight').reasons).toEqual([{ kind: 'recent' }]);
    expect(decisionOf(decisions, 'v2').reasons).toEqual([{ kind: 'rule', rule: 0 }]);
  });

  it('keeps the old children and referrers of a recent index: a re-push where one platform did not change', () => {
    const artifacts = [
      artifact('v1', { pushed: 2 }),
      artifact('latest', { tags: ['latest'], pushed: 0, children: ['amd64-new', 'arm64-old'] }),
      artifact('amd64-new', { tags: [], pushed: 0 }),
      artifact('arm64-old', { tags: [], pushed: 30 }),
      artifact('arm64-old-sig', { tags: [], subject: 'arm64-old', pushed: 30 }),
      artifact('old-index', { tags: [], pushed: 30, children: ['arm64-old', 'amd64-old'] }),
      artifact('amd64-old', { tags: [], pushed: 30 }),
    ];
    const decisions = run([repo('team-a/app', artifacts)], { rules: [keepNewestVersion], keepPushedAfter: lastHour });
    expect(keptIds(decisions)).toEqual(['v1', 'latest', 'amd64-new', 'arm64-old', 'arm64-old-sig']);
    expect(decisionOf(decisions, 'latest').reasons).toEqual([{ kind: 'recent' }]);
    expect(decisionOf(decisions, 'arm64-old').reasons).toEqual([{ kind: 'parent', digest: digestOf('latest') }]);
    expect(decisionOf(decisions, 'arm64-old-sig').reasons).toEqual([{ kind: 'parent', digest: digestOf('arm64-old') }]);
  });

  it('names what only the grace window keeps: recent artifacts and what hangs off them, not what a rule keeps anyway', () => {
    const artifacts = [
      artifact('v2', { pushed: 0 }),
      artifact('v1', { pushed: 5 }),
      artifact('dev', { pushed: 0 }),
      artifact('latest', { tags: ['latest'], pushed: 0, children: ['amd64-new', 'arm64-old'] }),
      artifact('amd64-new', { tags: [], pushed: 0 }),
      artifact('arm64-old', { tags: [], pushed: 30 }),
      artifact('arm64-old-sig', { tags: [], subject: 'arm64-old', pushed: 30 }),
      artifact('kept-index', { tags: ['v3'], pushed: 0, children: ['kept-child'] }),
      artifact('kept-child', { tags: [], pushed: 0 }),
    ];
    // The newest v* (v3, by push order: kept-index is listed after v2 with the same age) is kept by the rule.
    const decisions = run([repo('team-a/app', artifacts)], { rules: [rule({ kind: 'latest_pushed', count: 1 }, { tags: { include: ['v3'] } })], keepPushedAfter: lastHour });
    expect(sparedByGrace(decisions).map((d) => d.id)).toEqual(['v2', 'dev', 'latest', 'amd64-new', 'arm64-old', 'arm64-old-sig']);
    // Without the window nothing is spared.
    expect(sparedByGrace(run([repo('team-a/app', artifacts)], { rules: [keepNewestVersion] }))).toEqual([]);
  });

  it('judges by the rules alone without keepPushedAfter, and keeps nothing pushed exactly at it for being recent', () => {
    const artifacts = [artifact('v1', { pushed: 1 }), artifact('dev', { pushed: 0 })];
    expect(kept(artifacts, { rules: [keepNewestVersion] })).toEqual(['v1']);
    expect(kept(artifacts, { rules: [keepNewestVersion], keepPushedAfter: NOW })).toEqual(['v1']);
  });
});

describe('evaluateRetention at scale', () => {
  it('evaluates 100,000 artifacts', () => {
    const artifacts: RetentionArtifact[] = [];
    for (let i = 0; i < 100_000; i++) {
      const hex = i.toString(16).padStart(64, '0');
      artifacts.push({
        id: String(i),
        digest: `sha256:${hex}`,
        tags: i % 10 === 0 ? [] : [`v1.${i % 1000}.${i}`, `build-${i}`],
        pushedAt: new Date(NOW.getTime() - (i % 5000) * 60_000),
        pulledAt: i % 3 === 0 ? null : new Date(NOW.getTime() - (i % 7000) * 60_000),
        subject: null,
        children: i % 100 === 0 ? [`sha256:${(i + 1).toString(16).padStart(64, '0')}`] : [],
      });
    }
    const decisions = evaluateRetention({
      project: 'big',
      repositories: [{ name: 'big/app', artifacts }],
      rules: [
        rule({ kind: 'latest_pushed', count: 1000 }, { tags: { include: ['v*.*.*'], untagged: true } }),
        rule({ kind: 'latest_pulled', count: 500 }),
        rule({ kind: 'pulled_within_days', days: 2 }, { tags: { include: ['build-*'], exclude: ['build-1*'] } }),
      ],
      immutable: [immutable('lock', ['v1.999.*'])],
      now: NOW,
    });
    expect(decisions).toHaveLength(100_000);
  });
});

describe('matchesSelector', () => {
  it('needs some include and no exclude to match', () => {
    const selector: Selector = { include: ['app/*', 'tools'], exclude: ['app/legacy'] };
    expect(matchesSelector('app/web', selector)).toBe(true);
    expect(matchesSelector('tools', selector)).toBe(true);
    expect(matchesSelector('app/legacy', selector)).toBe(false);
    expect(matchesSelector('app/web/api', selector)).toBe(false);
  });

  it('matches nothing with an empty include list', () => {
    expect(matchesSelector('anything', { include: [], exclude: [] })).toBe(false);
  });

  it('lets ** and * match dot names, braces expand, and matching is case-sensitive', () => {
    expect(matchesSelector('app/.cache', { include: ['app/*'], exclude: [] })).toBe(true);
    expect(matchesSelector('a/.b/c', { include: ['**'], exclude: [] })).toBe(true);
    expect(matchesSelector('stable', { include: ['{latest,stable}'], exclude: [] })).toBe(true);
    expect(matchesSelector('Latest', { include: ['{latest,stable}'], exclude: [] })).toBe(false);
  });
});

describe('findImmutableRule', () => {
  const rules = [
    immutable('disabled', ['**'], ['**'], true),
    immutable('web-release', ['release-*'], ['app/web']),
    immutable('any-release', ['release-*']),
  ];

  it('returns the first enabled rule protecting the tag, matching the repository without the project', () => {
    expect(findImmutableRule('team-a', 'team-a/app/web', 'release-1', rules)?.id).toBe('web-release');
    expect(findImmutableRule('team-a', 'team-a/app/db', 'release-1', rules)?.id).toBe('any-release');
  });

  it('returns undefined when no enabled rule protects the tag', () => {
    expect(findImmutableRule('team-a', 'team-a/app/web', 'latest', rules)).toBeUndefined();
    expect(findImmutableRule('team-a', 'team-a/app/web', 'release-1', [immutable('project', ['**'], ['team-a/**'])])).toBeUndefined();
  });
});

describe('describeImmutabilityRule', () => {
  it('quotes the patterns', () => {
    expect(describeImmutabilityRule(immutable('r', ['release-*']))).toBe('repositories "**", tags "release-*"');
  });

  it('lists alternatives and exclusions', () => {
    const rule: ImmutabilityRule = {
      id: 'r',
      repositories: { include: ['app/*', 'tools'], exclude: ['app/tmp'] },
      tags: { include: [], exclude: [] },
    };
    expect(describeImmutabilityRule(rule)).toBe('repositories "app/*" or "tools" except "app/tmp", tags none');
  });
});

describe('validateRetentionRules', () => {
  it('accepts valid rules, disabled or not', () => {
    expect(
      validateRetentionRules([
        rule({ kind: 'latest_pushed', count: 10_000 }),
        rule({ kind: 'latest_pulled', count: 1 }),
        rule({ kind: 'pushed_within_days', days: 36_500 }, { disabled: true }),
        rule({ kind: 'pulled_within_days', days: 1 }, { tags: { include: [], exclude: ['x'.repeat(255)] } }),
        rule({ kind: 'always' }),
      ]),
    ).toEqual([]);
  });

  it('requires whole positive counts and days within their limits', () => {
    expect(
      validateRetentionRules([
        rule({ kind: 'latest_pushed', count: 0 }),
        rule({ kind: 'latest_pulled', count: 10_001 }),
        rule({ kind: 'pushed_within_days', days: 1.5 }),
        rule({ kind: 'pulled_within_days', days: 36_501 }),
        rule({ kind: 'latest_pushed', count: '3' as unknown as number }),
      ]),
    ).toEqual([
      'rule 1: count must be a whole number from 1 to 10000',
      'rule 2: count must be a whole number from 1 to 10000',
      'rule 3: days must be a whole number from 1 to 36500',
      'rule 4: days must be a whole number from 1 to 36500',
      'rule 5: count must be a whole number from 1 to 10000',
    ]);
  });

  it('names each bad pattern by its place', () => {
    expect(
      validateRetentionRules([
        rule({ kind: 'always' }, { repositories: { include: ['**', ''] }, tags: { exclude: ['x'.repeat(256)] } }),
        rule({ kind: 'always' }, { tags: { include: ['bad\ttab', 42 as unknown as string] } }),
      ]),
    ).toEqual([
      'rule 1: repositories.include[1] must be a non-empty string',
      'rule 1: tags.exclude[0] must be at most 255 characters',
      'rule 2: tags.include[0] must not contain control characters',
      'rule 2: tags.include[1] must be a non-empty string',
    ]);
  });

  it('reports malformed rules from JSON', () => {
    const malformed = [
      {
        repositories: { include: '**', exclude: [] },
        tags: { include: [], exclude: [], untagged: 'yes' },
        action: { kind: 'forever' },
        disabled: 1,
      },
      { tags: null, action: { kind: 'always' } },
      null,
    ] as unknown as RetentionRule[];
    expect(validateRetentionRules(malformed)).toEqual([
      'rule 1: repositories.include must be a list of patterns',
      'rule 1: tags.untagged must be true or false',
      'rule 1: disabled must be true or false',
      'rule 1: action must be one of latest_pushed, latest_pulled, pushed_within_days, pulled_within_days, always',
      'rule 2: repositories must have include and exclude lists',
      'rule 2: tags must have include and exclude lists',
      'rule 3: must be an object',
    ]);
    expect(validateRetentionRules({} as unknown as RetentionRule[])).toEqual(['rules must be a list']);
  });

  it('allows at most 50 rules', () => {
    const rules = (count: number): RetentionRule[] => Array.from({ length: count }, () => rule({ kind: 'always' }));
    expect(validateRetentionRules(rules(50))).toEqual([]);
    expect(validateRetentionRules(rules(51))).toEqual(['at most 50 rules are allowed, got 51']);
  });
});

describe('glob pattern grammar', () => {
  it('refuses patterns a backtracking matcher would stall on, and accepts any number of stars', () => {
    expect(globPatternProblem('v*.*.*')).toBeUndefined();
    expect(globPatternProblem('**/app-*')).toBeUndefined();
    expect(globPatternProblem('*a*a*a*a*a*b')).toBeUndefined();
    expect(globPatternProblem('+(*)b')).toContain('has "+" at character 1');
    const rule: RetentionRule = {
      repositories: { include: ['**'], exclude: [] },
      tags: { include: ['+(*)b'], exclude: ['!(x)'], untagged: false },
      action: { kind: 'always' },
    };
    const problems = validateRetentionRules([rule]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^rule 1: tags\.include\[0\] has "\+" at character 1/);
    expect(problems[1]).toMatch(/^rule 1: tags\.exclude\[0\] starts with "!": negation is not supported/);
  });

  it('refuses to evaluate a stored policy with such a pattern: a run deletes, so nothing is guessed', () => {
    const stored = rule({ kind: 'latest_pushed', count: 1 }, { tags: { include: ['+(*)b'] } });
    expect(() => evaluateRetention({ project: 'team-a', repositories: [], rules: [stored], immutable: [], now: NOW })).toThrow(/invalid retention rules: rule 1: tags\.include\[0\] has "\+"/);
  });

  it('reads a stored immutability selector with such a pattern as matching everything (protecting more, never less), and says so', () => {
    const stored = immutable('old', ['+(*)b'], ['app']);
    expect(findImmutableRule('team-a', 'team-a/app', 'latest', [stored])?.id).toBe('old');
    expect(findImmutableRule('team-a', 'team-a/other', 'latest', [stored])).toBeUndefined();
    expect(findImmutableRule('team-a', 'team-a/other', 'v1', [immutable('old', ['v*'], ['app', '@(x|y)'])])?.id).toBe('old');
    expect(describeImmutabilityRule(stored)).toBe(
      'repositories "app", tags "+(*)b"; a pattern is not a supported glob, so its list matches every name until the rule is edited',
    );
    // A 28-character tag answers at once (a backtracking matcher took 4.7 s on `+(*)b`, twice that per character).
    expect(findImmutableRule('team-a', 'team-a/app', `${'a'.repeat(27)}c`, [stored])?.id).toBe('old');
  });
});
