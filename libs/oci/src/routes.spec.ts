import { RegistryError } from './errors';
import { ROUTE_METHODS, ROUTE_TEMPLATES, isMethodAllowed, matchRegistryRoute } from './routes';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'b'.repeat(128)}`;

function routeError(method: string, path: string): RegistryError {
  try {
    matchRegistryRoute(method, path);
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return error as RegistryError;
  }
  throw new Error(`expected ${method} ${path} to throw`);
}

describe('matchRegistryRoute: fixed routes', () => {
  it('matches the base route with and without a trailing slash', () => {
    expect(matchRegistryRoute('GET', '/v2/')).toEqual({ kind: 'base', template: '/v2/' });
    expect(matchRegistryRoute('GET', '/v2')).toEqual({ kind: 'base', template: '/v2/' });
  });

  it('matches the catalog', () => {
    expect(matchRegistryRoute('GET', '/v2/_catalog')).toEqual({ kind: 'catalog', template: '/v2/_catalog' });
    expect(matchRegistryRoute('GET', '/v2/_catalog?n=10&last=a')).toEqual({ kind: 'catalog', template: '/v2/_catalog' });
  });

  it.each(['/', '/v1/', '/v2x', '/v2x/app/tags/list', '/api/v1/projects', '/v3/app/manifests/latest', 'v2/app/tags/list'])('returns null outside /v2: %s', (path) => {
    expect(matchRegistryRoute('GET', path)).toBeNull();
  });
});

describe('matchRegistryRoute: named routes', () => {
  it.each([
    ['GET', '/v2/app/tags/list', { kind: 'tags', name: 'app', template: '/v2/:name/tags/list' }],
    ['GET', '/v2/team/app/tags/list?n=50', { kind: 'tags', name: 'team/app', template: '/v2/:name/tags/list' }],
    [
      'GET',
      '/v2/team/app/api/manifests/v1',
      { kind: 'manifest', name: 'team/app/api', reference: 'v1', tag: 'v1', template: '/v2/:name/manifests/:reference' },
    ],
    [
      'HEAD',
      `/v2/team/app/manifests/${DIGEST}`,
      { kind: 'manifest', name: 'team/app', reference: DIGEST, digest: DIGEST, template: '/v2/:name/manifests/:reference' },
    ],
    ['GET', `/v2/team/app/blobs/${DIGEST}`, { kind: 'blob', name: 'team/app', digest: DIGEST, template: '/v2/:name/blobs/:digest' }],
    ['DELETE', `/v2/app/blobs/${SHA512}`, { kind: 'blob', name: 'app', digest: SHA512, template: '/v2/:name/blobs/:digest' }],
    ['POST', '/v2/team/app/blobs/uploads/', { kind: 'uploads', name: 'team/app', template: '/v2/:name/blobs/uploads/' }],
    ['POST', '/v2/team/app/blobs/uploads', { kind: 'uploads', name: 'team/app', template: '/v2/:name/blobs/uploads/' }],
    [
      'POST',
      `/v2/team/app/blobs/uploads/?mount=${DIGEST}&from=other/app`,
      { kind: 'uploads', name: 'team/app', template: '/v2/:name/blobs/uploads/' },
    ],
    [
      'PATCH',
      '/v2/team/app/blobs/uploads/3f9a2c1e-7b4d-4e8a-9c0b-1d2e3f4a5b6c',
      { kind: 'upload', name: 'team/app', uploadId: '3f9a2c1e-7b4d-4e8a-9c0b-1d2e3f4a5b6c', template: '/v2/:name/blobs/uploads/:uploadId' },
    ],
    [
      'PUT',
      `/v2/team/app/blobs/uploads/abc123?digest=${DIGEST}`,
      { kind: 'upload', name: 'team/app', uploadId: 'abc123', template: '/v2/:name/blobs/uploads/:uploadId' },
    ],
    [
      'GET',
      `/v2/team/app/referrers/${DIGEST}?artifactType=application/vnd.example`,
      { kind: 'referrers', name: 'team/app', digest: DIGEST, template: '/v2/:name/referrers/:digest' },
    ],
  ])('%s %s', (method, path, expected) => {
    expect(matchRegistryRoute(method, path)).toEqual(expected);
  });

  it('takes the name from everything before the suffix, even when it contains route words', () => {
    expect(matchRegistryRoute('GET', '/v2/blobs/manifests/manifests/latest')).toMatchObject({ kind: 'manifest', name: 'blobs/manifests', tag: 'latest' });
    expect(matchRegistryRoute('GET', `/v2/manifests/blobs/${DIGEST}`)).toMatchObject({ kind: 'blob', name: 'manifests', digest: DIGEST });
    expect(matchRegistryRoute('GET', '/v2/tags/tags/list')).toMatchObject({ kind: 'tags', name: 'tags' });
    expect(matchRegistryRoute('GET', '/v2/tags/list/tags/list')).toMatchObject({ kind: 'tags', name: 'tags/list' });
    expect(matchRegistryRoute('GET', '/v2/a/manifests/manifests')).toMatchObject({ kind: 'manifest', name: 'a', tag: 'manifests' });
    expect(matchRegistryRoute('GET', '/v2/team/blobs/manifests/list')).toMatchObject({ kind: 'manifest', name: 'team/blobs', tag: 'list' });
    expect(matchRegistryRoute('POST', '/v2/x/blobs/blobs/uploads/')).toMatchObject({ kind: 'uploads', name: 'x/blobs' });
    expect(matchRegistryRoute('POST', '/v2/x/blobs/blobs/uploads')).toMatchObject({ kind: 'uploads', name: 'x/blobs' });
    expect(matchRegistryRoute('PATCH', '/v2/a/b/blobs/uploads/uploads')).toMatchObject({ kind: 'upload', name: 'a/b', uploadId: 'uploads' });
    expect(matchRegistryRoute('GET', `/v2/a/blobs/uploads/blobs/${DIGEST}`)).toMatchObject({ kind: 'blob', name: 'a/blobs/uploads' });
    expect(matchRegistryRoute('GET', '/v2/a/blobs/uploads/manifests/v1')).toMatchObject({ kind: 'manifest', name: 'a/blobs/uploads' });
    expect(matchRegistryRoute('GET', `/v2/referrers/referrers/${DIGEST}`)).toMatchObject({ kind: 'referrers', name: 'referrers' });
    expect(matchRegistryRoute('GET', '/v2/v2/manifests/latest')).toMatchObject({ kind: 'manifest', name: 'v2' });
  });

  it('accepts the longest valid name and rejects one character more', () => {
    const name = `${'a'.repeat(127)}/${'b'.repeat(127)}`;
    expect(name).toHaveLength(255);
    expect(matchRegistryRoute('GET', `/v2/${name}/tags/list`)).toMatchObject({ name });
    expect(routeError('GET', `/v2/${name}c/tags/list`).code).toBe('NAME_INVALID');
  });

  it('decodes harmless percent-encoding', () => {
    expect(matchRegistryRoute('GET', '/v2/team/app/manifests/v1%2E0')).toMatchObject({ tag: 'v1.0' });
    expect(matchRegistryRoute('GET', `/v2/app/blobs/sha256%3A${'a'.repeat(64)}`)).toMatchObject({ digest: DIGEST });
    expect(matchRegistryRoute('GET', '/v2/te%61m/app/tags/list')).toMatchObject({ name: 'team/app' });
  });

  it.each([
    '/v2/app/unknown',
    '/v2/app',
    '/v2/app/',
    '/v2/app/tags',
    '/v2/app/tags/all',
    '/v2/app/tags/list/',
    '/v2/app/manifests/',
    '/v2/app/blobs/',
    '/v2/app/referrers/',
    '/v2/_catalog/',
    '/v2/manifests/latest',
    '/v2/tags/list',
    '/v2/blobs/uploads/',
    `/v2/blobs/${DIGEST}`,
    '//v2/app/tags/list',
  ])('returns null for %s', (path) => {
    expect(matchRegistryRoute('GET', path)).toBeNull();
  });
});

describe('matchRegistryRoute: rejected names', () => {
  it.each([
    '/v2/a/../b/tags/list',
    '/v2/../tags/list',
    '/v2/a/%2e%2e/b/tags/list',
    '/v2/a/%2E%2E/manifests/latest',
    '/v2/%2e%2e/blobs/uploads/',
    '/v2/a%2fb/tags/list',
    '/v2/a%2Fb/manifests/latest',
    '/v2/a/%zz/tags/list',
    '/v2/Team/app/tags/list',
    '/v2/team//app/tags/list',
    '/v2//app/tags/list',
    '/v2/team/app%20x/manifests/latest',
    '/v2/-app/blobs/uploads/abc',
    `/v2/a./referrers/${DIGEST}`,
  ])('NAME_INVALID for %s', (path) => {
    const error = routeError('GET', path);
    expect(error.code).toBe('NAME_INVALID');
    expect(error.status).toBe(400);
  });

  it('checks the name before the digest', () => {
    expect(routeError('GET', '/v2/A/blobs/nope').code).toBe('NAME_INVALID');
  });
});

describe('matchRegistryRoute: rejected digests, references and upload ids', () => {
  it.each([
    ['GET', '/v2/team/app/blobs/latest'],
    ['GET', '/v2/team/app/blobs/sha256:abc'],
    ['HEAD', `/v2/team/app/blobs/sha256:${'A'.repeat(64)}`],
    ['GET', `/v2/team/app/blobs/md5:${'a'.repeat(32)}`],
    ['GET', '/v2/team/app/referrers/latest'],
    ['GET', '/v2/team/app/referrers/sha256:%zz'],
    ['GET', '/v2/team/app/manifests/sha256:abc'],
    ['PUT', `/v2/team/app/manifests/sha1:${'a'.repeat(40)}`],
  ])('DIGEST_INVALID for %s %s', (method, path) => {
    const error = routeError(method, path);
    expect(error.code).toBe('DIGEST_INVALID');
    expect(error.status).toBe(400);
  });

  it.each(['.hidden', '-x', 'a%2Fb', 'x'.repeat(129), 'a%20b', '%zz'])('manifest reference %j: MANIFEST_INVALID on PUT, MANIFEST_UNKNOWN on reads', (reference) => {
    const put = routeError('PUT', `/v2/team/app/manifests/${reference}`);
    expect(put.code).toBe('MANIFEST_INVALID');
    expect(put.status).toBe(400);
    for (const method of ['GET', 'HEAD', 'DELETE', 'get']) {
      const read = routeError(method, `/v2/team/app/manifests/${reference}`);
      expect(read.code).toBe('MANIFEST_UNKNOWN');
      expect(read.status).toBe(404);
    }
  });

  it('accepts a 128-character tag and lower-case PUT', () => {
    const tag = 'x'.repeat(128);
    expect(matchRegistryRoute('put', `/v2/team/app/manifests/${tag}`)).toMatchObject({ tag });
  });

  it.each(['has_underscore', 'x'.repeat(65), 'a.b', '%zz', 'a%2Fb'])('BLOB_UPLOAD_UNKNOWN for upload id %j', (id) => {
    const error = routeError('PATCH', `/v2/team/app/blobs/uploads/${id}`);
    expect(error.code).toBe('BLOB_UPLOAD_UNKNOWN');
    expect(error.status).toBe(404);
  });

  it('accepts a 64-character upload id', () => {
    const id = 'A1-'.repeat(21) + 'z';
    expect(matchRegistryRoute('PUT', `/v2/team/app/blobs/uploads/${id}`)).toMatchObject({ uploadId: id });
  });
});

describe('matchRegistryRoute: names without a project', () => {
  it.each([
    ['POST', '/v2/library/blobs/uploads/'],
    ['POST', '/v2/nginx/blobs/uploads'],
    ['PATCH', '/v2/nginx/blobs/uploads/abc123'],
    ['PUT', '/v2/nginx/blobs/uploads/abc123'],
    ['PUT', '/v2/nginx/manifests/1'],
    ['put', `/v2/nginx/manifests/${DIGEST}`],
  ])('NAME_INVALID for %s %s, saying where to push instead', (method, path) => {
    const error = routeError(method, path);
    expect(error.code).toBe('NAME_INVALID');
    expect(error.status).toBe(400);
    const name = path.split('/')[2];
    expect(error.message).toContain(`push library/${name} (the public project) or <project>/${name}`);
  });

  it('still reads and deletes a repository stored under such a name', () => {
    expect(matchRegistryRoute('GET', '/v2/nginx/manifests/1')).toMatchObject({ kind: 'manifest', name: 'nginx' });
    expect(matchRegistryRoute('DELETE', `/v2/nginx/manifests/${DIGEST}`)).toMatchObject({ kind: 'manifest', name: 'nginx' });
    expect(matchRegistryRoute('GET', '/v2/nginx/tags/list')).toMatchObject({ kind: 'tags', name: 'nginx' });
    expect(matchRegistryRoute('GET', `/v2/nginx/blobs/${DIGEST}`)).toMatchObject({ kind: 'blob', name: 'nginx' });
    expect(matchRegistryRoute('DELETE', '/v2/nginx/blobs/uploads/abc123')).toMatchObject({ kind: 'upload', name: 'nginx' });
  });
});

describe('route methods', () => {
  it('has a template and method list for every kind', () => {
    expect(Object.keys(ROUTE_METHODS).sort()).toEqual(Object.keys(ROUTE_TEMPLATES).sort());
  });

  it('allows the spec methods only', () => {
    expect(isMethodAllowed('manifest', 'put')).toBe(true);
    expect(isMethodAllowed('manifest', 'PATCH')).toBe(false);
    expect(isMethodAllowed('uploads', 'POST')).toBe(true);
    expect(isMethodAllowed('uploads', 'GET')).toBe(false);
    expect(isMethodAllowed('upload', 'PATCH')).toBe(true);
    expect(isMethodAllowed('blob', 'PUT')).toBe(false);
    expect(isMethodAllowed('catalog', 'DELETE')).toBe(false);
    expect(isMethodAllowed('base', 'HEAD')).toBe(true);
  });
});
