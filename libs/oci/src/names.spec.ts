import { RegistryError } from './errors';
import {
  assertRepositoryName,
  assertTag,
  isValidRepositoryName,
  isValidTag,
  parseImageReference,
  projectOf,
  repositoryNameProblem,
} from './names';

const DIGEST = `sha256:${'b'.repeat(64)}`;

function thrown(fn: () => unknown): RegistryError {
  try {
    fn();
  } catch (error) {
    return error as RegistryError;
  }
  throw new Error('expected a throw');
}

/** A valid name of exactly `length` characters made of 'a' components. */
function nameOfLength(length: number): string {
  const parts: string[] = [];
  let remaining = length;
  while (remaining > 0) {
    const size = Math.min(50, remaining === 51 ? 49 : remaining);
    parts.push('a'.repeat(size));
    remaining -= size + 1;
  }
  const name = parts.join('/');
  if (name.length !== length) throw new Error(`helper built ${name.length}`);
  return name;
}

describe('repository names', () => {
  it.each([
    'a',
    'library/ubuntu',
    'team/app/api',
    'a0/b1/c2',
    'my.app',
    'my_app',
    'my__app',
    'my-app',
    'my---app',
    'a.b_c__d-e--f',
    '0',
    'blobs/manifests',
    'tags/list',
    'v2',
  ])('accepts %s', (name) => {
    expect(isValidRepositoryName(name)).toBe(true);
    expect(() => assertRepositoryName(name)).not.toThrow();
  });

  it.each([
    ['', /empty/],
    ['/app', /empty/],
    ['app/', /empty/],
    ['team//app', /empty/],
    ['a/../b', /relative/],
    ['..', /relative/],
    ['a/./b', /relative/],
    ['Team/app', /lowercase/],
    ['team/App', /lowercase/],
    ['team/app name', /may only contain/],
    ['team/app:tag', /may only contain/],
    ['team/app@x', /may only contain/],
    ['team/%2e%2e', /may only contain/],
    ['team\\app', /may only contain/],
    ['-app', /start and end/],
    ['app-', /start and end/],
    ['.app', /start and end/],
    ['app.', /start and end/],
    ['_app', /start and end/],
    ['a..b', /start and end/],
    ['a___b', /start and end/],
    ['a._b', /start and end/],
    ['a-.b', /start and end/],
  ])('rejects %j', (name, reason) => {
    expect(isValidRepositoryName(name)).toBe(false);
    expect(repositoryNameProblem(name)).toMatch(reason);
    const error = thrown(() => assertRepositoryName(name));
    expect(error.code).toBe('NAME_INVALID');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(reason);
    expect(error.detail).toEqual({ name });
  });

  it('accepts 255 characters and rejects 256', () => {
    expect(isValidRepositoryName(nameOfLength(255))).toBe(true);
    expect(isValidRepositoryName('a'.repeat(255))).toBe(true);
    expect(isValidRepositoryName(nameOfLength(256))).toBe(false);
    expect(repositoryNameProblem('a'.repeat(256))).toMatch(/at most 255/);
  });

  it('rejects non-strings at runtime', () => {
    expect(isValidRepositoryName(undefined as unknown as string)).toBe(false);
  });
});

describe('tags', () => {
  it.each(['latest', 'v1.0.0', '1.0', '_', '_private', 'A', 'a-b_c.d', 'sha256-abc.sig', 'x'.repeat(128)])('accepts %s', (tag) => {
    expect(isValidTag(tag)).toBe(true);
    expect(() => assertTag(tag)).not.toThrow();
  });

  it.each(['', '.hidden', '-dash', 'x'.repeat(129), 'a:b', 'a/b', 'a b', 'tag@x', `${DIGEST}`, 'ünï', 'a+b'])('rejects %j with MANIFEST_INVALID', (tag) => {
    expect(isValidTag(tag)).toBe(false);
    const error = thrown(() => assertTag(tag));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/invalid tag/);
  });
});

describe('projectOf', () => {
  it('returns the first path component', () => {
    expect(projectOf('team/app')).toBe('team');
    expect(projectOf('team/app/api')).toBe('team');
    expect(projectOf('solo')).toBe('solo');
  });
});

describe('parseImageReference', () => {
  it.each([
    ['app', { repository: 'app' }],
    ['app:1.0', { repository: 'app', tag: '1.0' }],
    ['library/ubuntu', { repository: 'library/ubuntu' }],
    ['team/app/api:v2', { repository: 'team/app/api', tag: 'v2' }],
    [`app@${DIGEST}`, { repository: 'app', digest: DIGEST }],
    [`host:5000/team/app:1.0@${DIGEST}`, { registry: 'host:5000', repository: 'team/app', tag: '1.0', digest: DIGEST }],
    ['docker.io/library/ubuntu:22.04', { registry: 'docker.io', repository: 'library/ubuntu', tag: '22.04' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/app:latest', { registry: 'localhost:5000', repository: 'app', tag: 'latest' }],
    ['registry.example.com:443/a/b/c', { registry: 'registry.example.com:443', repository: 'a/b/c' }],
    ['192.168.1.10:5000/app', { registry: '192.168.1.10:5000', repository: 'app' }],
    ['[::1]:5000/app:dev', { registry: '[::1]:5000', repository: 'app', tag: 'dev' }],
    ['Registry/app', { registry: 'Registry', repository: 'app' }],
    ['localhost:5000', { repository: 'localhost', tag: '5000' }],
    ['ghcr.io/org/tool:sha256-abc.sig', { registry: 'ghcr.io', repository: 'org/tool', tag: 'sha256-abc.sig' }],
  ])('parses %s', (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected);
  });

  it.each([
    ['', 'NAME_INVALID'],
    ['App:1', 'NAME_INVALID'],
    ['team/App', 'NAME_INVALID'],
    ['host:5000/', 'NAME_INVALID'],
    ['host:5000/a//b', 'NAME_INVALID'],
    ['-bad.host/app', 'NAME_INVALID'],
    ['host:port/app', 'NAME_INVALID'],
    ['host.com:/app', 'NAME_INVALID'],
    ['app:', 'MANIFEST_INVALID'],
    ['app:.bad', 'MANIFEST_INVALID'],
    [`app:${'x'.repeat(129)}`, 'MANIFEST_INVALID'],
    ['app@sha256:abc', 'DIGEST_INVALID'],
    ['app@', 'DIGEST_INVALID'],
    [`app@md5:${'a'.repeat(32)}`, 'DIGEST_INVALID'],
  ])('rejects %j with %s', (input, code) => {
    expect(thrown(() => parseImageReference(input)).code).toBe(code);
  });

  it('limits registry plus repository to 255 characters', () => {
    const repository = nameOfLength(240);
    expect(parseImageReference(`r.io/${repository}`).repository).toBe(repository);
    expect(thrown(() => parseImageReference(`registry.example.com/${repository}`)).code).toBe('NAME_INVALID');
  });
});
