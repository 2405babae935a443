import { applyUserNames, defaultsUnused, proposeTargets, readArchiveName, readUserTarget } from './targets';

describe('archive names', () => {
  it.each([
    ['docker.io/library/nginx:1.25', { target: { repository: 'team/nginx', tag: '1.25' } }],
    ['nginx:latest', { target: { repository: 'team/nginx', tag: 'latest' } }],
    ['docker.io/bitnami/nginx:1.0', { target: { repository: 'team/bitnami/nginx', tag: '1.0' } }],
    ['team/app:1.0', { target: { repository: 'team/app', tag: '1.0' } }],
    ['registry.example.com:5000/team/app/api:v2', { target: { repository: 'team/app/api', tag: 'v2' } }],
    ['registry.example.com/library/x:1', { target: { repository: 'team/library/x', tag: '1' } }],
    ['1.0', { tag: '1.0' }],
    ['latest', { tag: 'latest' }],
    ['team/app', undefined],
    ['team/app@sha256:' + 'a'.repeat(64), undefined],
    ['Team/App:1', undefined],
    ['-bad', undefined],
    // The project itself is no repository: a push of team:1 is refused the same way, so the image asks for a name.
    ['team:1', undefined],
    ['docker.io/library/team:1', undefined],
    ['registry.example.com/team:1', undefined],
  ])('%s', (name, expected) => {
    expect(readArchiveName(name, 'team')).toEqual(expected);
  });
});

describe('user targets', () => {
  it('takes names relative to the project or full, and refuses other projects and bad names', () => {
    expect(readUserTarget('app', '1.0', 'team')).toEqual({ target: { repository: 'team/app', tag: '1.0' } });
    expect(readUserTarget('team/app/api', '1.0', 'team')).toEqual({ target: { repository: 'team/app/api', tag: '1.0' } });
    expect(readUserTarget('other/app', '1.0', 'team')).toEqual({ problem: 'repository "other/app" is in project other; this import goes to project team' });
    expect(readUserTarget('App', '1.0', 'team')).toEqual({ problem: 'invalid repository name "team/App": path component 2 ("App") must be lowercase' });
    expect(readUserTarget('app', '.x', 'team')).toEqual({ problem: 'invalid tag ".x": must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}' });
  });
});

describe('proposeTargets', () => {
  it('uses the archive names, then the defaults for unnamed images (with a tag the archive gives)', () => {
    const proposed = proposeTargets([{ sourceNames: ['docker.io/team/app:1.0', 'team/app:latest'] }, { sourceNames: [] }, { sourceNames: ['2.0'] }], 'team', {
      repository: 'team/imported',
      tag: 'v1',
    });
    expect(proposed).toEqual([
      {
        targets: [
          { repository: 'team/app', tag: '1.0' },
          { repository: 'team/app', tag: 'latest' },
        ],
      },
      { targets: [{ repository: 'team/imported', tag: 'v1' }] },
      { targets: [{ repository: 'team/imported', tag: '2.0' }], suggestedTag: '2.0' },
    ]);
  });

  it('puts the only image of an archive where the user asked, though the archive names it', () => {
    const named = [{ sourceNames: ['docker.io/team/app:1.0', 'team/app:latest'] }];
    expect(proposeTargets(named, 'team', { repository: 'team/mine', tag: 'v1' })).toEqual([{ targets: [{ repository: 'team/mine', tag: 'v1' }] }]);
    // Only a repository: the archive's tags go with it; only a tag: the archive's repository takes it.
    expect(proposeTargets(named, 'team', { repository: 'team/mine' })).toEqual([
      {
        targets: [
          { repository: 'team/mine', tag: '1.0' },
          { repository: 'team/mine', tag: 'latest' },
        ],
      },
    ]);
    expect(proposeTargets(named, 'team', { tag: 'v2' })).toEqual([{ targets: [{ repository: 'team/app', tag: 'v2' }] }]);
    // Defaults meant only for unnamed images (the console's suggestion) leave the archive's names alone.
    expect(proposeTargets(named, 'team', { repository: 'team/mine' }, { override: false })[0].targets).toEqual([
      { repository: 'team/app', tag: '1.0' },
      { repository: 'team/app', tag: 'latest' },
    ]);
  });

  it('tells when a repository or tag given would name no image of a several-image archive', () => {
    const both = [{ sourceNames: ['team/a:1'] }, { sourceNames: ['b:2'] }];
    expect(defaultsUnused(both, 'team', { repository: 'team/x' })).toBe(true);
    expect(defaultsUnused(both, 'team', { tag: 'v1' })).toBe(true);
    expect(defaultsUnused(both, 'team', {})).toBe(false);
    expect(defaultsUnused([{ sourceNames: ['team/a:1'] }, { sourceNames: ['3.0'] }], 'team', { repository: 'team/x' })).toBe(false);
    expect(defaultsUnused([{ sourceNames: ['team/a:1'] }], 'team', { repository: 'team/x' })).toBe(false);
  });

  it('leaves images unnamed without defaults, and asks rather than give two images one tag', () => {
    expect(proposeTargets([{ sourceNames: ['1.0'] }], 'team')).toEqual([{ targets: [], suggestedTag: '1.0' }]);
    expect(proposeTargets([{ sourceNames: [] }, { sourceNames: [] }], 'team', { repository: 'team/x' })).toEqual([{ targets: [] }, { targets: [] }]);
  });
});

describe('applyUserNames', () => {
  const current = [[{ repository: 'team/a', tag: '1' }], []];

  it('replaces the targets of the images listed and keeps the others', () => {
    expect(applyUserNames(current, [{ index: 1, repository: 'b', tag: '2' }, { index: 1, repository: 'team/b', tag: 'latest' }], 'team')).toEqual({
      targets: [
        [{ repository: 'team/a', tag: '1' }],
        [
          { repository: 'team/b', tag: '2' },
          { repository: 'team/b', tag: 'latest' },
        ],
      ],
    });
  });

  it('reports every problem: no such image, a foreign project, one tag for two images', () => {
    expect(applyUserNames(current, [{ index: 5, repository: 'x', tag: '1' }, { index: 1, repository: 'other/x', tag: '1' }], 'team')).toEqual({
      problems: ['images.0: there is no image 5 (the archive has 2)', 'images.1: repository "other/x" is in project other; this import goes to project team'],
    });
    expect(applyUserNames(current, [{ index: 1, repository: 'a', tag: '1' }], 'team')).toEqual({
      problems: ['team/a:1 is the target of images 0 and 1; each repository:tag can name one image'],
    });
  });
});
