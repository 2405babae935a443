import { ROUTE_METHODS, ROUTE_TEMPLATES } from '@berth/oci';
import { adminBasicAuth, basicAuth, createProject } from '../support/access';
import { httpRequest, HttpResponse, json, ociImage, PushedImage, RegistryClient } from '../support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

/**
 * Every route, every input, hostile values: no answer may be a 5xx. The console operations come from the served
 * OpenAPI document (a new route is fuzzed without touching this file), the /v2 routes from the registry router's
 * own table. Each request changes one input to one bad value and keeps the others valid, so the bad value
 * reaches as deep as it can. Deterministic: the values and their order are fixed, nothing is random.
 */

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minLength?: number;
  minimum?: number;
  minItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
  format?: string;
  pattern?: string;
}

interface Operation {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; parameters: Record<string, Parameter> };
}

/** Bad values for a string in a URL (already percent-encoded as sent). */
const URL_VALUES: [label: string, encoded: string][] = [
  ['NUL', 'a%00b'],
  ['NUL alone', '%00'],
  ['invalid UTF-8', '%FF%FEa'],
  ['overlong UTF-8 "/"', '%C0%AF'],
  ['UTF-8 surrogate', '%ED%A0%80'],
  ['truncated UTF-8', 'a%E2%82'],
  ['control characters', '%01%1B%7F'],
  ['malformed escape', '%zz'],
  ['over-long', 'a'.repeat(6000)],
];

/** Bad values for a JSON body field. Raw bytes: invalid UTF-8 inside a JSON string. */
const BODY_VALUES: [label: string, value: unknown][] = [
  ['NUL', 'a\u0000b'],
  ['NUL alone', '\u0000'],
  ['lone surrogate', '\ud800'],
  ['control characters', '\u0001\u001b\u007f'],
  ['over-long', 'a'.repeat(300_000)],
  ['number', 12],
  ['negative', -1],
  ['huge number', 1e308],
  ['boolean', true],
  ['null', null],
  ['array', ['a\u0000']],
  ['object', { a: '\u0000' }],
];

const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0x61]);

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

describe('input fuzzing: no route answers 5xx to hostile input', () => {
  let berth: TestBerth;
  let document: OpenApiDocument;
  let image: PushedImage;
  const failures: string[] = [];
  let sent = 0;
  // Each test reports its own 5xx answers.
  beforeEach(() => {
    failures.length = 0;
  });

  beforeAll(async () => {
    berth = await startTestBerth();
    await createProject(berth, 'fuzz');
    image = await new RegistryClient(berth.url).pushImage('fuzz/app', { tag: '1' });
    document = (await (await fetch(`${berth.url}/api/v1/openapi.json`)).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await berth?.close();
  });

  /** Valid stand-ins for path parameters, so a bad value elsewhere is not stopped by a 404 first. */
  const pathDefaults = (): Record<string, string> => ({
    name: 'fuzz',
    path: 'app',
    reference: '1',
    tag: '1',
    digest: image.digest,
    username: 'nobody',
    id: '999999',
    file: 'index.html',
  });

  async function send(where: string, method: string, path: string, options: { body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<HttpResponse | undefined> {
    sent++;
    try {
      const res = await httpRequest(berth.url, method, path, options);
      if (res.status >= 500) failures.push(`${res.status} ${where}: ${method} ${path.slice(0, 200)} -> ${res.body.toString().slice(0, 300)}`);
      return res;
    } catch (err) {
      failures.push(`no answer ${where}: ${method} ${path.slice(0, 200)}: ${(err as Error).message}`);
      return undefined;
    }
  }

  function resolve<T>(node: T | { $ref: string }): T {
    if (node && typeof node === 'object' && '$ref' in node && typeof node.$ref === 'string') {
      const [, , section, name] = node.$ref.split('/');
      return resolve((document.components as unknown as Record<string, Record<string, T>>)[section][name]);
    }
    return node as T;
  }

  /** A value the schema accepts (as far as a fixed guess goes): what the other fields hold while one is fuzzed. */
  function sample(schemaOrRef: Schema, depth = 0): unknown {
    const schema = resolve(schemaOrRef);
    if (depth > 6) return undefined;
    if (schema.const !== undefined) return schema.const;
    if (schema.enum) return schema.enum[0];
    if (schema.default !== undefined) return schema.default;
    const variant = schema.anyOf ?? schema.oneOf;
    if (variant) return sample(variant.find((s) => resolve(s).type !== 'null') ?? variant[0], depth + 1);
    if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => sample(s, depth + 1)));
    const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
    switch (type) {
      case 'object': {
        const value: Record<string, unknown> = {};
        for (const key of schema.required ?? []) value[key] = sample(schema.properties?.[key] ?? {}, depth + 1);
        return value;
      }
      case 'array':
        return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}, depth + 1));
      case 'integer':
      case 'number':
        return schema.minimum ?? 1;
      case 'boolean':
        return false;
      default:
        return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    }
  }

  /** Every field path of a body schema down to two levels, with the sample body to fuzz it in. */
  function fieldPaths(schemaOrRef: Schema, prefix: string[] = [], depth = 0): string[][] {
    const schema = resolve(schemaOrRef);
    const paths: string[][] = prefix.length > 0 ? [prefix] : [];
    if (depth >= 2) return paths;
    for (const [key, child] of Object.entries(schema.properties ?? {})) paths.push(...fieldPaths(child, [...prefix, key], depth + 1));
    for (const variant of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) paths.push(...fieldPaths(variant, prefix, depth).filter((p) => p.length > prefix.length));
    return paths;
  }

  function withField(body: unknown, path: string[], value: unknown): unknown {
    const copy = structuredClone(body ?? {}) as Record<string, unknown>;
    let node = copy;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
    return copy;
  }

  function buildUrl(template: string, pathValues: Record<string, string>, query: [string, string][]): string {
    const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => pathValues[name] ?? 'x');
    const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
    return qs ? `${path}?${qs}` : path;
  }

  /** The console operations, reads first and deletes last, so what a write changes disturbs as little as possible. */
  function operations(): { route: string; method: string; operation: Operation }[] {
    const order = (method: string): number => ({ get: 0, post: 1, put: 1, patch: 1, delete: 2 })[method] ?? 1;
    return Object.entries(document.paths)
      .flatMap(([route, item]) => Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, operation]) => ({ route, method, operation })))
      .sort((a, b) => order(a.method) - order(b.method));
  }

  async function fuzzConsole(who: string, credentials: (method: string) => Record<string, string>): Promise<void> {
    for (const { route, method, operation } of operations()) {
      const verb = method.toUpperCase();
      const auth = credentials(verb);
      const parameters = (operation.parameters ?? []).map((p) => resolve<Parameter>(p));
      const pathValues = pathDefaults();
      const requiredQuery: [string, string][] = parameters
        .filter((p) => p.in === 'query' && p.required)
        .map((p) => [p.name, encodeURIComponent(String(sample(p.schema ?? {})))]);
      const jsonBody = operation.requestBody?.content['application/json']?.schema;
      const validBody = jsonBody ? sample(jsonBody) : undefined;
      const bodyOptions = (body: unknown): { body?: string; headers: Record<string, string> } =>
        body === undefined ? { headers: auth } : { body: JSON.stringify(body), headers: { ...auth, 'content-type': 'application/json' } };
      const where = (what: string) => `${who} ${operation.operationId} ${what}`;

      for (const parameter of parameters.filter((p) => p.in === 'path' || p.in === 'query')) {
        for (const [label, encoded] of URL_VALUES) {
          const values = parameter.in === 'path' ? { ...pathValues, [parameter.name]: encoded } : pathValues;
          const query = parameter.in === 'query' ? [...requiredQuery.filter(([k]) => k !== parameter.name), [parameter.name, encoded] as [string, string]] : requiredQuery;
          await send(where(`${parameter.name}=${label}`), verb, buildUrl(route, values, query), bodyOptions(validBody));
        }
        if (parameter.in === 'query') {
          // Wrong types: a list where one value is expected, and an empty value.
          await send(where(`${parameter.name} twice`), verb, buildUrl(route, pathValues, [...requiredQuery, [parameter.name, 'a%00'], [parameter.name, 'b']]), bodyOptions(validBody));
          await send(where(`${parameter.name} empty`), verb, buildUrl(route, pathValues, [...requiredQuery, [parameter.name, '']]), bodyOptions(validBody));
        }
      }

      if (jsonBody) {
        const url = buildUrl(route, pathValues, requiredQuery);
        for (const [label, value] of [['array', []], ['string', '\u0000'], ['number', 1], ['null', null]] as [string, unknown][]) {
          await send(where(`body=${label}`), verb, url, bodyOptions(value));
        }
        for (const field of fieldPaths(jsonBody)) {
          for (const [label, value] of BODY_VALUES) await send(where(`${field.join('.')}=${label}`), verb, url, bodyOptions(withField(validBody, field, value)));
          // Invalid UTF-8 bytes inside the JSON string.
          const marker = '"__invalid_utf8__"';
          const text = JSON.stringify(withField(validBody, field, '__invalid_utf8__'));
          const raw = Buffer.concat([Buffer.from(text.slice(0, text.indexOf(marker) + 1)), INVALID_UTF8, Buffer.from(text.slice(text.indexOf(marker) + marker.length - 1))]);
          await send(where(`${field.join('.')}=invalid UTF-8`), verb, url, { body: raw, headers: { ...auth, 'content-type': 'application/json' } });
        }
      }
    }
  }

  /** The /v2 routes from the router's table: each path part and query parameter, on every method the route has. */
  async function fuzzRegistry(who: string, authorization: string | undefined): Promise<void> {
    const auth: Record<string, string> = authorization ? { authorization } : {};
    const valid: Record<string, string> = { name: 'fuzz/app', reference: '1', digest: image.digest, uploadId: '0b7e9a8c-3f1d-4c2a-9e55-1d2f3a4b5c6d' };
    const queries: Record<string, string[]> = { catalog: ['n', 'last'], tags: ['n', 'last'], uploads: ['digest', 'mount', 'from'], upload: ['digest'], referrers: ['artifactType'] };
    for (const [kind, template] of Object.entries(ROUTE_TEMPLATES)) {
      for (const method of ROUTE_METHODS[kind as keyof typeof ROUTE_METHODS]) {
        const names = [...template.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
        const url = (values: Record<string, string>, query: [string, string][] = []): string => {
          const path = template.replace(/:([A-Za-z]+)/g, (_, name: string) => values[name]);
          return query.length > 0 ? `${path}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : path;
        };
        const where = (what: string) => `${who} ${method} ${template} ${what}`;
        for (const name of names) {
          for (const [label, encoded] of URL_VALUES) await send(where(`${name}=${label}`), method, url({ ...valid, [name]: encoded }), { headers: auth });
        }
        for (const key of queries[kind] ?? []) {
          for (const [label, encoded] of URL_VALUES) await send(where(`?${key}=${label}`), method, url(valid, [[key, encoded]]), { headers: auth });
          await send(where(`?${key} twice`), method, url(valid, [[key, '%00'], [key, 'b']]), { headers: auth });
        }
      }
    }
    // A manifest whose strings PostgreSQL's jsonb cannot hold.
    for (const [label, annotation] of [['NUL', 'a\u0000b'], ['lone surrogate', '\ud800'], ['over-long', 'a'.repeat(2_000_000)]] as const) {
      const body = json(ociImage({ config: image.config, layers: image.layers, annotations: { [`k${label}`]: annotation, [annotation.slice(0, 100)]: 'v' } }));
      await send(where(`manifest with ${label} annotation`), 'PUT', `/v2/fuzz/app/manifests/fuzz-${label.replace(/ /g, '-')}`, {
        body,
        headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
    }
    // An image whose config (a blob, read to show its platform) holds such strings.
    if (authorization) {
      const registry = new RegistryClient(berth.url, authorization);
      for (const [label, os] of [['NUL', 'li\u0000nux'], ['lone surrogate', '\ud800']] as const) {
        const config = await registry.pushBlob('fuzz/app', json({ os, architecture: 'amd64', variant: os, rootfs: { type: 'layers', diff_ids: [] } }), 'application/vnd.oci.image.config.v1+json');
        await send(where(`config with ${label} platform`), 'PUT', `/v2/fuzz/app/manifests/config-${label.replace(/ /g, '-')}`, {
          body: json(ociImage({ config, layers: image.layers })),
          headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        });
      }
    }
    function where(what: string): string {
      return `${who} ${what}`;
    }
  }

  /** Credentials the server must decode and look up: NUL and invalid UTF-8 in Basic, garbage bearer tokens and cookies. */
  async function fuzzCredentials(): Promise<void> {
    const raw = (bytes: Buffer) => `Basic ${bytes.toString('base64')}`;
    const headers: [string, Record<string, string>][] = [
      ['Basic NUL user', { authorization: basicAuth('ad\u0000min', 'x') }],
      ['Basic NUL password', { authorization: basicAuth('admin', 'x\u0000') }],
      ['Basic invalid UTF-8', { authorization: raw(Buffer.concat([INVALID_UTF8, Buffer.from(':'), INVALID_UTF8])) }],
      ['Basic without colon', { authorization: raw(Buffer.from('\u0000')) }],
      ['Basic over-long', { authorization: basicAuth('a'.repeat(6000), 'b') }],
      ['Bearer NUL', { authorization: 'Bearer a\u0000b'.replace('\u0000', '%00') }],
      ['session cookie NUL', { cookie: 'berth_session=a%00b; berth_csrf=%00' }],
      ['session cookie invalid UTF-8', { cookie: 'berth_session=%FF%FE' }],
    ];
    const targets: [string, string][] = [
      ['GET', '/api/v1/users/me'],
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/projects'],
      ['POST', '/api/v1/projects'],
      ['GET', '/v2/'],
      ['GET', '/v2/fuzz/app/tags/list'],
      ['GET', '/service/token?scope=repository:fuzz/app:pull'],
    ];
    for (const [label, header] of headers) {
      for (const [method, path] of targets) await send(`credentials ${label}`, method, path, { headers: header, body: method === 'POST' ? '{"name":"x"}' : undefined });
    }
    for (const [path] of [['/service/token?scope=repository:fuzz/app%00:pull'], ['/service/token?scope=%FF&service=%00'], ['/service/token?account=%00']]) {
      await send('token query', 'GET', path, { headers: { authorization: adminBasicAuth() } });
    }
  }

  /** The admin's console session (Basic would cost an argon2 verify per request): the cookies, and the CSRF header on writes. */
  async function adminSession(): Promise<(method: string) => Record<string, string>> {
    const res = await fetch(`${berth.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }) });
    expect(res.status).toBe(200);
    const cookies = new Map(res.headers.getSetCookie().map((line) => line.split(';')[0].split('=') as [string, string]));
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = cookies.get('berth_csrf') ?? '';
    return (method): Record<string, string> => (['GET', 'HEAD'].includes(method) ? { cookie } : { cookie, 'x-csrf-token': csrf });
  }

  it('as an anonymous caller', async () => {
    await fuzzConsole('anonymous', () => ({}));
    await fuzzRegistry('anonymous', undefined);
    expect(failures).toEqual([]);
  }, 300_000);

  it('as the admin', async () => {
    const session = await adminSession();
    await fuzzConsole('admin', session);
    await fuzzRegistry('admin', adminBasicAuth());
    expect(failures).toEqual([]);
    // Still signed in: no fuzzed request ended the session early and left the rest anonymous.
    expect((await httpRequest(berth.url, 'GET', '/api/v1/me', { headers: session('GET') })).status).toBe(200);
  }, 300_000);

  it('with hostile credentials', async () => {
    await fuzzCredentials();
    expect(failures).toEqual([]);
    // A check that the fuzzing ran at all: every operation times every bad value, twice.
    expect(sent).toBeGreaterThan(5000);
  });
});

/** What the refusals look like: the right status, the field named, nothing logged as a server error. */
describe('unstorable text is bad input', () => {
  let berth: TestBerth;
  beforeAll(async () => {
    berth = await startTestBerth();
    await createProject(berth, 'fuzz', { public: true });
    await new RegistryClient(berth.url).pushImage('fuzz/app', { tag: '1' });
  });
  afterAll(async () => {
    await berth?.close();
  });

  it('in a console query string or path: 400 INVALID naming the parameter', async () => {
    const search = await httpRequest(berth.url, 'GET', '/api/v1/search?q=a%00b');
    expect(search.status).toBe(400);
    expect(search.json()).toMatchObject({ code: 'INVALID', message: 'invalid query', details: { issues: [{ path: 'q', message: 'must not contain NUL (\\u0000) characters' }] } });
    const project = await httpRequest(berth.url, 'GET', '/api/v1/projects/fu%00zz');
    expect(project.status).toBe(400);
    expect(project.json()).toMatchObject({ code: 'INVALID', message: 'invalid path', details: { issues: [{ path: 'path', message: 'segment "fu\\0zz" must not contain NUL (\\u0000) characters' }] } });
    // Percent-encoded invalid UTF-8 decodes to U+FFFD, which PostgreSQL stores: an ordinary (empty) search.
    expect((await httpRequest(berth.url, 'GET', '/api/v1/search?q=%ED%A0%80')).status).toBe(200);
  });

  it('in a JSON body: 400 INVALID naming the field, for an anonymous login too', async () => {
    const login = await httpRequest(berth.url, 'POST', '/api/v1/auth/login', { body: JSON.stringify({ username: 'ad\u0000min', password: 'x' }), headers: { 'content-type': 'application/json' } });
    expect(login.status).toBe(400);
    expect(login.json()).toMatchObject({ code: 'INVALID', details: { issues: [{ path: 'username', message: 'must not contain NUL (\\u0000) characters' }] } });
    const lone = await httpRequest(berth.url, 'POST', '/api/v1/auth/login', { body: '{"username":"\\ud800","password":"x"}', headers: { 'content-type': 'application/json' } });
    expect(lone.json().details.issues).toEqual([{ path: 'username', message: 'must be valid Unicode text (it has a lone UTF-16 surrogate)' }]);
  });

  it('on /v2: 400 in the OCI envelope for a query parameter, 401 for Basic credentials, MANIFEST_INVALID for a manifest', async () => {
    const tags = await httpRequest(berth.url, 'GET', '/v2/fuzz/app/tags/list?last=%00');
    expect(tags.status).toBe(400);
    expect(tags.json()).toEqual({ errors: [{ code: 'UNSUPPORTED', message: 'invalid query parameter last: must not contain NUL (\\u0000) characters', detail: { parameter: 'last' } }] });
    const basic = await httpRequest(berth.url, 'GET', '/v2/', { headers: { authorization: basicAuth('ad\u0000min', TEST_ADMIN_PASSWORD) } });
    expect(basic.status).toBe(401);
    const console = await httpRequest(berth.url, 'GET', '/api/v1/me', { headers: { authorization: basicAuth('admin\u0000', TEST_ADMIN_PASSWORD) } });
    expect(console.status).toBe(401);
    const registry = new RegistryClient(berth.url);
    const image = await registry.pushImage('fuzz/app', { tag: '2' });
    const body = json(ociImage({ config: image.config, layers: image.layers, annotations: { note: 'a\u0000b' } }));
    const manifest = await registry.request('PUT', '/v2/fuzz/app/manifests/3', { body, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    expect(manifest.status).toBe(400);
    expect(manifest.json().errors[0]).toMatchObject({ code: 'MANIFEST_INVALID', message: expect.stringContaining('annotations.note holds a NUL character') });
  });
});
