import { describe, expect, it } from 'vitest';
import { newRetentionRule, retentionRuleFromForm, retentionRuleProblems, retentionRuleToForm, splitPatterns } from './rule-form';

describe('rule editor helpers', () => {
  it('splits patterns at spaces and commas, but not at the comma of {a,b}', () => {
    expect(splitPatterns('v*  release-{a,b},  latest')).toEqual(['v*', 'release-{a,b}', 'latest']);
    expect(splitPatterns(' , ')).toEqual([]);
    expect(splitPatterns('a a')).toEqual(['a']);
  });

  it('turns a saved rule into the form and back unchanged', () => {
    const rule = {
      repositories: { include: ['app/**'], exclude: ['app/dev'] },
      tags: { include: ['v*', '{x,y}-*'], exclude: [], untagged: true },
      action: { kind: 'pushed_within_days' as const, days: 7 },
      disabled: true,
    };
    expect(retentionRuleFromForm(retentionRuleToForm(rule))).toEqual(rule);
  });

  it('says what is missing before the server does', () => {
    const form = newRetentionRule();
    expect(retentionRuleProblems(form)).toEqual([]);
    form.tags.include = ' ';
    form.amount = 0;
    expect(retentionRuleProblems(form)).toEqual(['tagsInclude', 'amount']);
    form.kind = 'always';
    expect(retentionRuleProblems(form)).toEqual(['tagsInclude']);
  });
});
