import { formatScope, parseScope, parseScopes } from './scope';

describe('parseScope', () => {
  it('reads a repository scope with several actions', () => {
    expect(parseScope('repository:team-a/app:pull,push')).toEqual({ type: 'repository', name: 'team-a/app', actions: ['pull', 'push'] });
  });

  it('reads a single-component name and a single action', () => {
    expect(parseScope('repository:busybox:pull')).toEqual({ type: 'repository', name: 'busybox', actions: ['pull'] });
  });

  it('reads the catalog scope with its wildcard action', () => {
    expect(parseScope('registry:catalog:*')).toEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
  });

  it('keeps the resource class apart from the type', () => {
    expect(parseScope('repository(plugin):vieux/sshfs:pull')).toEqual({
      type: 'repository',
      class: 'plugin',
      name: 'vieux/sshfs',
      actions: ['pull'],
    });
  });

  it('drops repeated and empty actions but keeps their order', () => {
    expect(parseScope('repository:a/b:push,,pull,push,')?.actions).toEqual(['push', 'pull']);
  });

  it.each([
    ['empty', ''],
    ['no separators', 'repository'],
    ['one separator', 'repository:team/app'],
    ['empty type', ':team/app:pull'],
    ['empty name', 'repository::pull'],
    ['no actions', 'repository:team/app:'],
    ['only commas', 'repository:team/app:,,'],
    ['uppercase type', 'Repository:team/app:pull'],
    ['unclosed class', 'repository(plugin:team/app:pull'],
    ['empty class', 'repository():team/app:pull'],
    ['uppercase name', 'repository:Team/app:pull'],
    ['name with a registry host and port', 'repository:localhost:5000/app:pull'],
    ['name with a tag', 'repository:team/app:latest:pull'],
    ['leading slash', 'repository:/team/app:pull'],
    ['double slash', 'repository:team//app:pull'],
    ['relative segment', 'repository:team/../app:pull'],
    ['uppercase action', 'repository:team/app:PULL'],
    ['action with symbols', 'repository:team/app:pull;push'],
    ['wildcard mixed into a word', 'repository:team/app:pu*'],
    ['space inside', 'repository:team/app:pull push'],
  ])('rejects %s', (_label, scope) => {
    expect(parseScope(scope)).toBeUndefined();
  });

  it('rejects a name longer than the repository name limit', () => {
    expect(parseScope(`repository:${'a'.repeat(256)}:pull`)).toBeUndefined();
    expect(parseScope(`repository:${'a'.repeat(255)}:pull`)?.name).toHaveLength(255);
  });

  it('rejects values that are not strings', () => {
    expect(parseScope(undefined as unknown as string)).toBeUndefined();
    expect(parseScope(42 as unknown as string)).toBeUndefined();
  });
});

describe('parseScopes', () => {
  it('reads one scope per value, as docker sends them', () => {
    expect(parseScopes(['repository:team/app:pull', 'repository:team/base:pull'])).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull'] },
      { type: 'repository', name: 'team/base', actions: ['pull'] },
    ]);
  });

  it('splits space-separated scopes inside one value', () => {
    expect(parseScopes(['repository:team/app:pull,push  registry:catalog:*'])).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('merges the actions of one resource asked for twice', () => {
    expect(parseScopes(['repository:team/app:pull', 'repository:team/app:push,pull', 'repository:team/app:delete'])).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete'] },
    ]);
  });

  it('keeps a resource class separate from the plain type of the same name', () => {
    expect(parseScopes(['repository:team/app:pull', 'repository(plugin):team/app:pull'])).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull'] },
      { type: 'repository', class: 'plugin', name: 'team/app', actions: ['pull'] },
    ]);
  });

  it('ignores invalid scopes and keeps the valid ones', () => {
    expect(parseScopes(['', 'nonsense', 'repository:Bad:pull repository:good:pull', 'repository:x:'])).toEqual([
      { type: 'repository', name: 'good', actions: ['pull'] },
    ]);
  });

  it('answers an empty list for no scopes', () => {
    expect(parseScopes([])).toEqual([]);
  });

  it('does not let a merge change an earlier result', () => {
    const first = parseScopes(['repository:team/app:pull']);
    parseScopes(['repository:team/app:pull', 'repository:team/app:push']);
    expect(first[0].actions).toEqual(['pull']);
  });
});

describe('formatScope', () => {
  it('writes type, name and comma-joined actions', () => {
    expect(formatScope({ type: 'repository', name: 'team/app', actions: ['pull', 'push'] })).toBe('repository:team/app:pull,push');
  });

  it('writes the resource class in parentheses', () => {
    expect(formatScope({ type: 'repository', class: 'plugin', name: 'vieux/sshfs', actions: ['pull'] })).toBe('repository(plugin):vieux/sshfs:pull');
  });

  it.each(['repository:team-a/app:pull,push', 'registry:catalog:*', 'repository(plugin):a/b.c_d:pull'])('round-trips %s through parseScope', (scope) => {
    expect(formatScope(parseScope(scope)!)).toBe(scope);
  });
});
