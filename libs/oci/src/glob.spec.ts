import picomatch from 'picomatch';
import { compileGlob, globSyntaxProblem } from './glob';

const matches = (pattern: string, value: string): boolean => compileGlob(pattern)(value);

describe('glob grammar: what patterns match', () => {
  it.each([
    ['latest', 'latest', true],
    ['latest', 'Latest', false],
    ['v*', 'v1.2.3', true],
    ['v*.*.*', 'v1.2.3', true],
    ['v*.*.*', 'v1.2', false],
    ['*', 'app/web', false],
    ['app/*', 'app/web', true],
    ['app/*', 'app/web/api', false],
    ['app/*', 'app/.cache', true],
    ['**', 'a/.b/c', true],
    ['**/web', 'web', true],
    ['**/web', 'app/team/web', true],
    ['app/**', 'app', true],
    ['app/**', 'app/web/api', true],
    ['app/**', 'application', false],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'a/xb', false],
    ['a**', 'abc', true],
    ['a**', 'a/bc', false],
    ['release-?', 'release-1', true],
    ['release-?', 'release-10', false],
    ['?', '/', false],
    ['{latest,stable}', 'stable', true],
    ['{latest,stable}', 'Latest', false],
    ['v1{,-rc*}', 'v1', true],
    ['v1{,-rc*}', 'v1-rc2', true],
    ['a{b,c{d,e}}', 'ace', true],
    ['{a,b}*{c,d}', 'axxd', true],
    ['{app/**,tools}', 'app/web/api', true],
    ['v[0-9]*', 'v1.2', true],
    ['v[0-9]*', 'vx', false],
    ['[!a]x', 'bx', true],
    ['[^a]x', 'ax', false],
    ['[a-c-]', '-', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
  ])('%s against %s: %s', (pattern, value, expected) => {
    expect(matches(pattern, value)).toBe(expected);
  });
});

/**
 * The patterns users wrote for picomatch keep their meaning: every pattern built from the grammar's pieces
 * answers as picomatch (dot: true, as Berth used it) did on every name below. Left out, and documented: picomatch
 * reads `[!a]` as something else than "not a", and its `*\/**` does not match a single segment while `app/**` does.
 */
describe('glob grammar: the same answers as picomatch on the patterns users write', () => {
  const pieces = ['a', 'v', '1', '.', '-', '*', '?', '**', '/', '{a,v1}', '{,x}', '[a-c]', '[0-9]'];
  const names = ['a', 'v', 'v1', 'v1.2', 'a/b', 'a/b/c', 'x/a', 'v1-rc', '.a', 'a.v', 'xa', 'ab/v1', 'a-1', '1', 'cab', 'a/v1/x', 'av1'];
  const patterns = new Set<string>();
  for (const first of pieces) for (const second of pieces) for (const third of ['', ...pieces]) patterns.add(first + second + third);
  // Left out: `./` prefixes and `//` (picomatch normalises paths; no name has them), and `**` glued to something other
  // than `/` (`**{a,b}`, `a**`), where picomatch's brace expansion and star reading disagree with each other.
  const glued = /\*\*\*|\*\*[^/]|[^/]\*\*/;
  const comparable = [...patterns].filter((p) => globSyntaxProblem(p) === undefined && !p.startsWith('./') && !p.includes('//') && !glued.test(p) && !p.includes('*/**'));

  it('covers thousands of combinations', () => {
    expect(comparable.length).toBeGreaterThan(1000);
  });

  it('agrees on every one', () => {
    const differences: string[] = [];
    for (const pattern of comparable) {
      const ours = compileGlob(pattern);
      const theirs = picomatch(pattern, { dot: true, windows: false });
      for (const name of names) if (ours(name) !== theirs(name)) differences.push(`${pattern} on ${name}: ours ${ours(name)}, picomatch ${theirs(name)}`);
    }
    expect(differences).toEqual([]);
  });
});

describe('glob grammar: refused patterns', () => {
  it.each([
    ['+(*)b', 'has "+" at character 1'],
    ['@(a|b)', 'has "@" at character 1'],
    ['(a|b)', 'extended globs such as +(a|b) and regular expressions are not supported'],
    ['!(v1)', 'starts with "!": negation is not supported, put the pattern in the exclude list instead'],
    ['!v1', 'starts with "!"'],
    ['v{1..3}', 'has the range {1..3} at character 2; ranges are not supported, list the values: {1,2,3}'],
    ['{a}', 'has {a} at character 1 with one alternative; list two or more, as in {a,b}'],
    ['{a,b', 'has a "{" at character 1 that is never closed with "}"'],
    ['a}', 'has a "}" at character 2 outside {a,b}'],
    ['a,b', 'has a "," at character 2 outside {a,b}'],
    ['[a', 'has a "[" at character 1 that is never closed with "]"'],
    ['[]', 'has an empty [] set at character 1'],
    ['[[:alpha:]]', 'has "[" in the [...] set at character 1'],
    ['[z-a]', 'has the range "z-a"'],
    ['a]', 'has a "]" at character 2 without its "["'],
    ['v1:2', 'has ":" at character 3, which no repository or tag name contains'],
    ['a\\', 'has "\\" at character 2 before nothing'],
    ['', 'must be a non-empty pattern'],
    ['a'.repeat(256), 'must be at most 255 characters'],
  ])('%s: %s', (pattern, message) => {
    expect(globSyntaxProblem(pattern)).toContain(message);
    expect(() => compileGlob(pattern)).toThrow(message);
  });
});

/**
 * Linear time, shown by counting steps rather than timing: the automaton visits at most a fixed number of states
 * per character, so doubling the name at most doubles the work. The patterns are the ones that made backtracking
 * matchers blow up (nested and repeated stars against a name that almost matches).
 */
describe('glob matching: work linear in the name', () => {
  it.each([
    '*a*a*a*a*a*a*a*a*b',
    '{*,*a}{*,*a}{*,*a}{*,*a}b',
    '**/**/**/**/**/x',
    '*?*?*?*?*?*?b',
    '{a,a*}{a,a*}{a,a*}{a,a*}{a,a*}c',
    '[a-z]*[a-z]*[a-z]*[a-z]*b',
  ])('%s', (pattern) => {
    const matcher = compileGlob(pattern);
    const lengths = [28, 56, 112, 224];
    const steps = lengths.map((length) => {
      expect(matcher('a'.repeat(length))).toBe(false);
      return matcher.lastSteps;
    });
    // Every character costs at most one test per state plus the closure over the states' edges.
    lengths.forEach((length, i) => expect(steps[i]).toBeLessThanOrEqual((length + 1) * 3 * matcher.stateCount));
    // And the cost of one more character does not grow with the name (it doubled per character before).
    const perCharacter = [1, 2, 3].map((i) => (steps[i] - steps[i - 1]) / (lengths[i] - lengths[i - 1]));
    expect(perCharacter[2]).toBeLessThanOrEqual(perCharacter[1]);
    expect(perCharacter[1]).toBeLessThanOrEqual(perCharacter[0]);
  });

  it('counts the work of the last call', () => {
    const matcher = compileGlob('v*');
    matcher('v1');
    const short = matcher.lastSteps;
    matcher('v1.2.3.4.5');
    expect(matcher.lastSteps).toBeGreaterThan(short);
    expect(matcher.stateCount).toBe(4);
  });
});
