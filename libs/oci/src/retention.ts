import { compileGlob, globSyntaxProblem } from './glob';

/**
 * Glob patterns (glob.ts: `*` stays within one path segment, `**` crosses `/`, braces `{a,b}`, sets `[a-z]`),
 * matched in time linear in the name. An empty include list matches nothing.
 */
export interface Selector {
  include: string[];
  exclude: string[];
}

export interface TagSelector extends Selector {
  /** Whether untagged artifacts are selected by this rule. */
  untagged: boolean;
}

export type RetentionAction =
  | { kind: 'latest_pushed'; count: number }
  | { kind: 'latest_pulled'; count: number }
  | { kind: 'pushed_within_days'; days: number }
  | { kind: 'pulled_within_days'; days: number }
  | { kind: 'always' };

export interface RetentionRule {
  repositories: Selector;
  tags: TagSelector;
  action: RetentionAction;
  disabled?: boolean;
}

export interface ImmutabilityRule {
  id: string;
  repositories: Selector;
  tags: Selector;
  disabled?: boolean;
}

/** One manifest of a repository. */
export interface RetentionArtifact {
  id: string;
  digest: string;
  tags: string[];
  /** Latest of the manifest's push and its tags' pushes. */
  pushedAt: Date;
  pulledAt: Date | null;
  /** OCI subject digest when this is a referrer (signature, SBOM). */
  subject: string | null;
  /** Digests of the index's children (empty for images). */
  children: string[];
}

export interface RetentionRepository {
  /** Full name including the project, e.g. `team-a/app/web`. */
  name: string;
  artifacts: RetentionArtifact[];
}

export type KeepReason =
  /** Kept by `rules[rule]`. */
  | { kind: 'rule'; rule: number }
  /** `tag` is protected by the immutability rule with id `rule`. */
  | { kind: 'immutable'; rule: string; tag: string }
  /** Pushed after `keepPushedAfter`: it may belong to a push still in flight. */
  | { kind: 'recent' }
  /** A child or referrer of the kept index or subject `digest`. */
  | { kind: 'parent'; digest: string }
  /** The repository is not selected by any enabled rule. */
  | { kind: 'not_covered' };

export interface RetentionDecision {
  id: string;
  digest: string;
  repository: string;
  tags: string[];
  keep: boolean;
  reasons: KeepReason[];
}

const MAX_RULES = 50;
const MAX_COUNT = 10_000;
const MAX_DAYS = 36_500;
const MAX_PATTERN_LENGTH = 255;
const CONTROL_CHARACTER = /\p{Cc}/u;
const DAY_MS = 86_400_000;
// cosign stores signatures, attestations and SBOMs as tags named after the subject: sha256-<hex>.sig.
const COSIGN_TAG = /^sha256-([0-9a-f]{64})\.(?:sig|att|sbom)$/;
// Helpers called per request (findImmutableRule on every push) share one cache, emptied rather than grown without bound.
const SHARED_GLOB_LIMIT = 1000;

type Matcher = (value: string) => boolean;
type GlobCache = Map<string, Matcher | null>;

const sharedGlobs: GlobCache = new Map();

interface CompiledRule {
  index: number;
  rule: RetentionRule;
  repositories: Matcher;
  tags: Matcher;
}

interface CompiledImmutabilityRule {
  id: string;
  repositories: Matcher;
  tags: Matcher;
}

/**
 * Decides which artifacts a tag retention policy keeps, Harbor-style: rules say what to keep, everything else they
 * cover is deleted.
 * - The policy covers every repository selected by at least one enabled rule's repository selector (matched against
 *   the name without the `project/` prefix). Artifacts of other repositories are kept (`not_covered`); with no enabled
 *   rules, everything is kept.
 * - In a covered repository, rules see only top-level artifacts: not referrers (an OCI `subject`, or tags that are all
 *   cosign `sha256-<hex>.sig|att|sbom`, pointing at an artifact stored in the same repository) and not untagged
 *   children of an index of the same repository. A referrer whose subject is not stored here is top-level.
 * - Each enabled rule whose repository selector matches selects the top-level artifacts with a tag matching its tag
 *   selector, and the untagged ones if `tags.untagged`. Of those, `latest_pushed` keeps the `count` latest pushed,
 *   `latest_pulled` the `count` latest pulled (never-pulled ones last, by latest push), `pushed_within_days` and
 *   `pulled_within_days` those pushed/pulled at or after `now - days` (never pulled is never within), `always` all.
 *   Ties are broken by digest, then id, so a run never depends on input order. Kept by any rule is kept, and every
 *   keeping rule is listed.
 * - An artifact with a tag protected by an enabled immutability rule is kept, whatever the rules say.
 * - An artifact pushed after `keepPushedAfter` (when given) is kept (`recent`), top-level or not: a multi-platform push
 *   sends its children untagged before the index that names them. Being kept, a recent index keeps its children too,
 *   old ones included (a re-push where one platform did not change).
 * - Children of a kept index and referrers of a kept subject (same repository) are kept, transitively, with a
 *   `parent` reason per kept parent. A tagged child is judged on its own and also kept with its index; an untagged
 *   child of a deleted index is deleted unless another kept index lists it.
 * Returns one decision per artifact of every repository, in input order.
 * Throws when `rules` fail validateRetentionRules, or when a pattern cannot be compiled: a run deletes, so a policy
 * that cannot be read exactly is refused rather than guessed at.
 */
export function evaluateRetention(input: {
  project: string;
  repositories: RetentionRepository[];
  rules: RetentionRule[];
  immutable: ImmutabilityRule[];
  now: Date;
  keepPushedAfter?: Date;
}): RetentionDecision[] {
  const problems = validateRetentionRules(input.rules);
  if (problems.length > 0) throw new Error(`invalid retention rules: ${problems.join('; ')}`);
  const globs: GlobCache = new Map();
  const rules: CompiledRule[] = [];
  input.rules.forEach((rule, index) => {
    if (rule.disabled) return;
    rules.push({ index, rule, repositories: compileSelector(rule.repositories, globs), tags: compileSelector(rule.tags, globs) });
  });
  const immutable: CompiledImmutabilityRule[] = input.immutable
    .filter((rule) => !rule.disabled)
    .map((rule) => ({
      id: rule.id,
      repositories: compileSelector(rule.repositories, globs),
      tags: compileSelector(rule.tags, globs),
    }));

  const decisions: RetentionDecision[] = [];
  for (const repository of input.repositories) {
    const name = relativeName(input.project, repository.name);
    const covering = rules.filter((rule) => rule.repositories(name));
    const reasons =
      covering.length === 0
        ? repository.artifacts.map((): KeepReason[] => [{ kind: 'not_covered' }])
        : evaluateRepository(repository.artifacts, covering, immutable.filter((rule) => rule.repositories(name)), input.now, input.keepPushedAfter);
    repository.artifacts.forEach((artifact, i) => {
      decisions.push({
        id: artifact.id,
        digest: artifact.digest,
        repository: repository.name,
        tags: [...artifact.tags],
        keep: reasons[i].length > 0,
        reasons: reasons[i],
      });
    });
  }
  return decisions;
}

/** Whether `value` matches some include pattern and no exclude pattern. */
export function matchesSelector(value: string, selector: Selector): boolean {
  if (sharedGlobs.size > SHARED_GLOB_LIMIT) sharedGlobs.clear();
  return compileSelector(selector, sharedGlobs)(value);
}

/**
 * The first enabled immutability rule protecting `tag` of `repository` (full name; the project prefix is stripped
 * before matching), or undefined.
 */
export function findImmutableRule(
  project: string,
  repository: string,
  tag: string,
  rules: ImmutabilityRule[],
): ImmutabilityRule | undefined {
  const name = relativeName(project, repository);
  return rules.find((rule) => !rule.disabled && matchesSelector(name, rule.repositories) && matchesSelector(tag, rule.tags));
}

/**
 * Describes a rule for messages: e.g. `repositories "**", tags "release-*"`, saying so when a pattern is outside
 * the glob grammar and its selector therefore matches everything (see compileSelector).
 */
export function describeImmutabilityRule(rule: ImmutabilityRule): string {
  const described = `repositories ${describeSelector(rule.repositories)}, tags ${describeSelector(rule.tags)}`;
  const outside = selectorOutsideGrammar(rule.repositories) || selectorOutsideGrammar(rule.tags);
  return outside ? `${described}; a pattern is not a supported glob, so its list matches every name until the rule is edited` : described;
}

/**
 * Human-readable problems with a policy's rules, empty when it is valid. Disabled rules are checked too: they are
 * stored and may be enabled later. Rules are numbered from 1 in messages.
 */
export function validateRetentionRules(rules: RetentionRule[]): string[] {
  if (!Array.isArray(rules)) return ['rules must be a list'];
  const problems: string[] = [];
  if (rules.length > MAX_RULES) problems.push(`at most ${MAX_RULES} rules are allowed, got ${rules.length}`);
  rules.forEach((rule, i) => {
    for (const problem of ruleProblems(rule)) problems.push(`rule ${i + 1}: ${problem}`);
  });
  return problems;
}

function evaluateRepository(
  artifacts: RetentionArtifact[],
  rules: CompiledRule[],
  immutable: CompiledImmutabilityRule[],
  now: Date,
  keepPushedAfter: Date | undefined,
): KeepReason[][] {
  const graph = buildGraph(artifacts);
  const reasons = artifacts.map((): KeepReason[] => []);
  const topLevel = artifacts.flatMap((_, i) => (graph.topLevel[i] ? [i] : []));

  for (const { index, rule, tags } of rules) {
    const selected = topLevel.filter((i) => {
      const artifactTags = artifacts[i].tags;
      return artifactTags.length === 0 ? rule.tags.untagged : artifactTags.some(tags);
    });
    for (const i of keptBy(rule.action, selected, artifacts, now)) reasons[i].push({ kind: 'rule', rule: index });
  }

  if (immutable.length > 0) {
    artifacts.forEach((artifact, i) => {
      for (const tag of artifact.tags) {
        const protecting = immutable.find((rule) => rule.tags(tag));
        if (protecting) reasons[i].push({ kind: 'immutable', rule: protecting.id, tag });
      }
    });
  }

  if (keepPushedAfter !== undefined) {
    const after = keepPushedAfter.getTime();
    artifacts.forEach((artifact, i) => {
      if (artifact.pushedAt.getTime() > after) reasons[i].push({ kind: 'recent' });
    });
  }

  // Breadth-first from everything kept so far: each kept artifact is visited once, so each parent reason is added once.
  const queue = reasons.flatMap((list, i) => (list.length > 0 ? [i] : []));
  const kept = reasons.map((list) => list.length > 0);
  for (let q = 0; q < queue.length; q++) {
    const parent = queue[q];
    for (const dependent of graph.dependents[parent]) {
      reasons[dependent].push({ kind: 'parent', digest: artifacts[parent].digest });
      if (!kept[dependent]) {
        kept[dependent] = true;
        queue.push(dependent);
      }
    }
  }
  return reasons;
}

/**
 * The kept decisions that only the grace window keeps: pushed within it (`recent`), or the children and referrers
 * of such an artifact, and kept by nothing else. Without the window they would go, so a preview can say why they
 * stay ("pushed within the last hour") instead of "the rules keep every artifact".
 */
export function sparedByGrace(decisions: readonly RetentionDecision[]): RetentionDecision[] {
  const keyOf = (repository: string, digest: string) => `${repository}\n${digest}`;
  const candidates = decisions.filter((d) => d.keep && d.reasons.length > 0 && d.reasons.every((r) => r.kind === 'recent' || r.kind === 'parent'));
  const spared = new Set(candidates.map((d) => keyOf(d.repository, d.digest)));
  // Shrink to the greatest set where every parent reason names a spared artifact: a child of an index a rule keeps is kept by the rule.
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of candidates) {
      const key = keyOf(d.repository, d.digest);
      if (!spared.has(key)) continue;
      if (d.reasons.some((r) => r.kind === 'parent' && !spared.has(keyOf(d.repository, r.digest)))) {
        spared.delete(key);
        changed = true;
      }
    }
  }
  return candidates.filter((d) => spared.has(keyOf(d.repository, d.digest)));
}

interface ArtifactGraph {
  /** Whether rules judge the artifact itself, by index into the repository's artifacts. */
  topLevel: boolean[];
  /** Children and referrers of each artifact: they are kept when it is. */
  dependents: number[][];
}

// Indices rather than digests so that a digest listed twice in the input cannot make one of its artifacts lose its parent.
function buildGraph(artifacts: RetentionArtifact[]): ArtifactGraph {
  const byDigest = new Map<string, number[]>();
  artifacts.forEach((artifact, i) => {
    const same = byDigest.get(artifact.digest);
    if (same) same.push(i);
    else byDigest.set(artifact.digest, [i]);
  });
  const topLevel = artifacts.map(() => true);
  const dependents = artifacts.map((): number[] => []);
  artifacts.forEach((artifact, i) => {
    for (const child of new Set(artifact.children)) {
      for (const j of byDigest.get(child) ?? []) {
        if (j === i) continue;
        dependents[i].push(j);
        if (artifacts[j].tags.length === 0) topLevel[j] = false;
      }
    }
    for (const subject of subjectsOf(artifact)) {
      for (const j of byDigest.get(subject) ?? []) {
        if (j === i) continue;
        dependents[j].push(i);
        topLevel[i] = false;
      }
    }
  });
  return { topLevel, dependents };
}

// The OCI subject wins; otherwise an artifact tagged only with cosign tags refers to the digests its tags name.
function subjectsOf(artifact: RetentionArtifact): string[] {
  if (artifact.subject !== null) return [artifact.subject];
  if (artifact.tags.length === 0) return [];
  const subjects = new Set<string>();
  for (const tag of artifact.tags) {
    const match = COSIGN_TAG.exec(tag);
    if (!match) return [];
    subjects.add(`sha256:${match[1]}`);
  }
  return [...subjects];
}

function keptBy(action: RetentionAction, selected: number[], artifacts: RetentionArtifact[], now: Date): number[] {
  switch (action.kind) {
    case 'latest_pushed':
      return [...selected].sort((i, j) => byLatestPush(artifacts[i], artifacts[j])).slice(0, action.count);
    case 'latest_pulled':
      return [...selected].sort((i, j) => byLatestPull(artifacts[i], artifacts[j])).slice(0, action.count);
    case 'pushed_within_days': {
      const since = now.getTime() - action.days * DAY_MS;
      return selected.filter((i) => artifacts[i].pushedAt.getTime() >= since);
    }
    case 'pulled_within_days': {
      const since = now.getTime() - action.days * DAY_MS;
      return selected.filter((i) => {
        const pulledAt = artifacts[i].pulledAt;
        return pulledAt !== null && pulledAt.getTime() >= since;
      });
    }
    case 'always':
      return selected;
  }
}

function byLatestPush(a: RetentionArtifact, b: RetentionArtifact): number {
  return b.pushedAt.getTime() - a.pushedAt.getTime() || compareText(a.digest, b.digest) || compareText(a.id, b.id);
}

// Never pulled sorts after every pulled artifact, so it is kept only while fewer than `count` have been pulled.
function byLatestPull(a: RetentionArtifact, b: RetentionArtifact): number {
  if (a.pulledAt === null || b.pulledAt === null) {
    if (a.pulledAt !== b.pulledAt) return a.pulledAt === null ? 1 : -1;
    return byLatestPush(a, b);
  }
  return b.pulledAt.getTime() - a.pulledAt.getTime() || byLatestPush(a, b);
}

// Code-unit order, not locale order, so ties break the same on every machine.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Harbor matches repository patterns without the project: in project team-a, team-a/app/web is matched as app/web.
function relativeName(project: string, repository: string): string {
  const prefix = `${project}/`;
  return repository.startsWith(prefix) ? repository.slice(prefix.length) : repository;
}

/**
 * A selector with a pattern outside the grammar (stored before the grammar was enforced; saving refuses it) is
 * read as matching everything: on an immutability rule that protects more, never less, until the rule is edited.
 * Retention never gets here with one: a run refuses a policy that fails validateRetentionRules.
 */
function compileSelector(selector: Selector, globs: GlobCache): Matcher {
  const include = selector.include.map((pattern) => cachedGlob(pattern, globs));
  const exclude = selector.exclude.map((pattern) => cachedGlob(pattern, globs));
  if ([...include, ...exclude].includes(null)) return () => true;
  return (value) => include.some((matches) => matches!(value)) && !exclude.some((matches) => matches!(value));
}

/** Whether some pattern of the selector is outside the glob grammar (see compileSelector). */
export function selectorOutsideGrammar(selector: Selector): boolean {
  return [...selector.include, ...selector.exclude].some((pattern) => globSyntaxProblem(pattern) !== undefined);
}

/** The compiled pattern, or null when it is outside the grammar; either way parsed once per cache. */
function cachedGlob(pattern: string, globs: GlobCache): Matcher | null {
  let matcher = globs.get(pattern);
  if (matcher === undefined) {
    matcher = globSyntaxProblem(pattern) === undefined ? compileGlob(pattern) : null;
    globs.set(pattern, matcher);
  }
  return matcher;
}

function describeSelector(selector: Selector): string {
  const list = (patterns: string[]): string => patterns.map((pattern) => JSON.stringify(pattern)).join(' or ');
  const included = selector.include.length > 0 ? list(selector.include) : 'none';
  return selector.exclude.length > 0 ? `${included} except ${list(selector.exclude)}` : included;
}

// Rules arrive from JSON, so every field is checked, not only the ones the types could get wrong.
function ruleProblems(rule: RetentionRule): string[] {
  if (typeof rule !== 'object' || rule === null) return ['must be an object'];
  const problems = [...selectorProblems('repositories', rule.repositories), ...selectorProblems('tags', rule.tags)];
  if (isObject(rule.tags) && typeof rule.tags.untagged !== 'boolean') problems.push('tags.untagged must be true or false');
  if (rule.disabled !== undefined && typeof rule.disabled !== 'boolean') problems.push('disabled must be true or false');
  const action = actionProblem(rule.action);
  if (action) problems.push(action);
  return problems;
}

function selectorProblems(field: string, selector: Selector): string[] {
  if (!isObject(selector)) return [`${field} must have include and exclude lists`];
  return (['include', 'exclude'] as const).flatMap((list) => {
    const patterns: unknown = selector[list];
    if (!Array.isArray(patterns)) return [`${field}.${list} must be a list of patterns`];
    return patterns.flatMap((pattern: unknown, i) => {
      const problem = patternProblem(pattern);
      return problem ? [`${field}.${list}[${i}] ${problem}`] : [];
    });
  });
}

function patternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || pattern.length === 0) return 'must be a non-empty string';
  if (pattern.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  if (CONTROL_CHARACTER.test(pattern)) return 'must not contain control characters';
  return globPatternProblem(pattern);
}

/**
 * Why a rule's glob is refused, or undefined: anything outside glob.ts's grammar, which is matched in time linear in
 * the name. Every rule pattern goes through this, so a project member cannot stall the registry with one.
 */
export function globPatternProblem(pattern: string): string | undefined {
  return globSyntaxProblem(pattern);
}

function actionProblem(action: RetentionAction): string | undefined {
  const fields: Record<string, unknown> = isObject(action) ? action : {};
  switch (fields.kind) {
    case 'latest_pushed':
    case 'latest_pulled':
      return isWholeUpTo(fields.count, MAX_COUNT) ? undefined : `count must be a whole number from 1 to ${MAX_COUNT}`;
    case 'pushed_within_days':
    case 'pulled_within_days':
      return isWholeUpTo(fields.days, MAX_DAYS) ? undefined : `days must be a whole number from 1 to ${MAX_DAYS}`;
    case 'always':
      return undefined;
    default:
      return 'action must be one of latest_pushed, latest_pulled, pushed_within_days, pulled_within_days, always';
  }
}

function isWholeUpTo(value: unknown, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
