import type { ImmutableRuleBody, ImmutableRuleView, RetentionActionKind, RetentionPolicyBody, RetentionRule } from '@/api/types';

/**
 * The rule editors hold patterns as the text the user types ("v*  release-{a,b}"), and turn it into the API's
 * pattern lists only when saving. Repository and tag names cannot contain spaces or commas, so both separate
 * patterns, except for a comma inside `{a,b}`, where it is the glob's own.
 */
export function splitPatterns(text: string): string[] {
  const patterns: string[] = [];
  let current = '';
  let depth = 0;
  for (const char of text) {
    if (char === '{') depth++;
    else if (char === '}') depth = Math.max(0, depth - 1);
    if (/\s/.test(char) || (char === ',' && depth === 0)) {
      if (current) patterns.push(current);
      current = '';
    } else current += char;
  }
  if (current) patterns.push(current);
  return [...new Set(patterns)];
}

function joinPatterns(patterns: readonly string[] | undefined): string {
  return (patterns ?? []).join(' ');
}

export const ACTION_KINDS: readonly RetentionActionKind[] = ['latest_pushed', 'latest_pulled', 'pushed_within_days', 'pulled_within_days', 'always'];
/** The API's limits (retention.dto.ts). */
export const COUNT_MAX = 10_000;
export const DAYS_MAX = 36_500;

export function actionUnit(kind: RetentionActionKind): 'count' | 'days' | null {
  if (kind === 'latest_pushed' || kind === 'latest_pulled') return 'count';
  if (kind === 'pushed_within_days' || kind === 'pulled_within_days') return 'days';
  return null;
}

export interface SelectorForm {
  include: string;
  exclude: string;
}

/** One retention rule as its editor holds it. */
export interface RetentionRuleForm {
  /** For v-for only; never sent. */
  key: number;
  repositories: SelectorForm;
  tags: SelectorForm & { untagged: boolean };
  kind: RetentionActionKind;
  /** The count or the days, whichever `kind` uses. */
  amount: number | undefined;
  enabled: boolean;
}

let nextKey = 1;

export function newRetentionRule(): RetentionRuleForm {
  return {
    key: nextKey++,
    repositories: { include: '**', exclude: '' },
    tags: { include: '**', exclude: '', untagged: false },
    kind: 'latest_pushed',
    amount: 10,
    enabled: true,
  };
}

export function retentionRuleToForm(rule: RetentionRule): RetentionRuleForm {
  const action = rule.action;
  return {
    key: nextKey++,
    repositories: { include: joinPatterns(rule.repositories.include), exclude: joinPatterns(rule.repositories.exclude) },
    tags: { include: joinPatterns(rule.tags.include), exclude: joinPatterns(rule.tags.exclude), untagged: rule.tags.untagged },
    kind: action.kind,
    amount: 'count' in action ? action.count : 'days' in action ? action.days : undefined,
    enabled: !rule.disabled,
  };
}

type RuleBody = RetentionPolicyBody['rules'][number];

export function retentionRuleFromForm(form: RetentionRuleForm): RuleBody {
  const amount = Math.round(form.amount ?? 0);
  const action: RuleBody['action'] =
    form.kind === 'latest_pushed' || form.kind === 'latest_pulled'
      ? { kind: form.kind, count: amount }
      : form.kind === 'pushed_within_days' || form.kind === 'pulled_within_days'
        ? { kind: form.kind, days: amount }
        : { kind: 'always' };
  return {
    repositories: { include: splitPatterns(form.repositories.include), exclude: splitPatterns(form.repositories.exclude) },
    tags: { include: splitPatterns(form.tags.include), exclude: splitPatterns(form.tags.exclude), untagged: form.tags.untagged },
    action,
    disabled: !form.enabled,
  };
}

export type RuleProblem = 'repositoriesInclude' | 'tagsInclude' | 'amount';

/** What the editor can tell before the server does; the server checks everything again. */
export function retentionRuleProblems(form: RetentionRuleForm): RuleProblem[] {
  const problems: RuleProblem[] = [];
  if (splitPatterns(form.repositories.include).length === 0) problems.push('repositoriesInclude');
  if (splitPatterns(form.tags.include).length === 0) problems.push('tagsInclude');
  const unit = actionUnit(form.kind);
  const max = unit === 'count' ? COUNT_MAX : DAYS_MAX;
  if (unit && (!form.amount || !Number.isInteger(form.amount) || form.amount < 1 || form.amount > max)) problems.push('amount');
  return problems;
}

/** Whether two rule lists say the same (to know whether the editor has unsaved changes). */
export function sameRules(a: readonly RuleBody[], b: readonly RuleBody[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One immutability rule as its dialog holds it. */
export interface ImmutableRuleForm {
  repositories: SelectorForm;
  tags: SelectorForm;
  enabled: boolean;
}

export function immutableRuleToForm(rule: ImmutableRuleView | undefined): ImmutableRuleForm {
  if (!rule) return { repositories: { include: '**', exclude: '' }, tags: { include: '', exclude: '' }, enabled: true };
  return {
    repositories: { include: joinPatterns(rule.repositories.include), exclude: joinPatterns(rule.repositories.exclude) },
    tags: { include: joinPatterns(rule.tags.include), exclude: joinPatterns(rule.tags.exclude) },
    enabled: !rule.disabled,
  };
}

export function immutableRuleFromForm(form: ImmutableRuleForm): Required<ImmutableRuleBody> {
  return {
    repositories: { include: splitPatterns(form.repositories.include), exclude: splitPatterns(form.repositories.exclude) },
    tags: { include: splitPatterns(form.tags.include), exclude: splitPatterns(form.tags.exclude) },
    disabled: !form.enabled,
  };
}

/** The body that keeps `rule` as it is except for `disabled`. */
export function immutableRuleToggled(rule: ImmutableRuleView): ImmutableRuleBody {
  return { repositories: { ...rule.repositories }, tags: { ...rule.tags }, disabled: !rule.disabled };
}
