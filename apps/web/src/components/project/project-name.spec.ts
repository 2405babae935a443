import { describe, expect, it } from 'vitest';
import { projectNameProblem } from './project-name';

describe('projectNameProblem (the API rule, mirrored)', () => {
  it.each(['ab', 'library', 'team-a', 'team--a', 'a.b', 'a_b', 'a__b', 'x1', 'a'.repeat(64)])('accepts %s', (name) => {
    expect(projectNameProblem(name)).toBeNull();
  });

  it.each([
    ['', 'required'],
    ['Team', 'uppercase'],
    ['team a', 'characters'],
    ['team/a', 'characters'],
    ['a', 'tooShort'],
    ['a'.repeat(65), 'tooLong'],
    ['-team', 'separators'],
    ['team-', 'separators'],
    ['a..b', 'separators'],
    ['a___b', 'separators'],
    ['a._b', 'separators'],
  ])('refuses %j as %s', (name, problem) => {
    expect(projectNameProblem(name)).toBe(problem);
  });
});
