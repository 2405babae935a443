import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { JsonSchema, validate } from '../support/json-schema';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';
import { ApiResponse, ConsoleClient } from './console-client';

const ROOT = path.resolve(__dirname, '../..');
const WEB_API = path.join(ROOT, 'apps/web/src/api');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** The routes whose response schemas are done: the caller's account, login, users, robots, members, audit, settings. */

interface MediaAnswer {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema: JsonSchema }>;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<
    string,
    Record<string, { operationId?: string; tags?: string[]; responses?: Record<string, MediaAnswer>; security?: unknown[]; parameters?: { $ref?: string; name?: string; in?: string }[] }>
  >;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }>; parameters: Record<string, unknown> };
}

/** GET /api/v1/openapi.json, the explorer at /api/v1/docs, and the web app's generated client staying in step. */
describe('OpenAPI document and explorer', () => {
  let berth: TestBerth;
  let document: OpenApiDocument;

  beforeAll(async () => {
    berth = await startTestBerth();
    const res = await fetch(`${berth.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    document = (await res.json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await berth.close();
  });

  it('is an OpenAPI 3.1 document whose every operation has responses, a unique id and declared path parameters', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toBeTruthy();
    const ids = new Set<string>();
    for (const [route, item] of Object.entries(document.paths)) {
      const operations = Object.entries(item).filter(([key]) => METHODS.includes(key));
      expect(operations.length).toBeGreaterThan(0);
      for (const [method, operation] of operations) {
        const where = `${method.toUpperCase()} ${route}`;
        expect({ where, responses: Object.keys(operation.responses ?? {}).length > 0 }).toEqual({ where, responses: true });
        expect(operation.operationId).toBeTruthy();
        expect(ids.has(operation.operationId!)).toBe(false);
        ids.add(operation.operationId!);
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        const inTemplate = [...route.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        expect({ where, path: declared.sort() }).toEqual({ where, path: inTemplate.sort() });
      }
    }
    // Every $ref points at something in the document.
    const text = JSON.stringify(document);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = ref.split('/').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
      expect({ ref, found: target !== undefined }).toEqual({ ref, found: true });
    }
  });

  it('describes the error shape, the security schemes, paging, bodies from the zod schemas, and the token endpoint', () => {
    expect(document.components.schemas.ApiError).toMatchObject({ required: ['code', 'message', 'requestId'], properties: { code: {}, message: {}, details: {}, requestId: {} } });
    expect(document.components.securitySchemes).toMatchObject({
      session: { type: 'apiKey', in: 'cookie', name: 'berth_session' },
      csrf: { type: 'apiKey', in: 'header' },
      basic: { type: 'http', scheme: 'basic' },
    });
    expect(document.components.parameters).toHaveProperty('Page');
    expect(document.components.parameters).toHaveProperty('PageSize');
    const projects = document.paths['/api/v1/projects'];
    expect(projects.get.parameters).toEqual(expect.arrayContaining([{ $ref: '#/components/parameters/Page' }, { $ref: '#/components/parameters/PageSize' }]));
    expect(projects.post).toMatchObject({ requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateProjectBody' } } } } });
    expect(document.components.schemas.CreateProjectBody).toMatchObject({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } });
    // Access is read from @Public()/@AdminOnly(): login takes no credentials, public routes take them optionally.
    expect(document.paths['/api/v1/auth/login'].post.security).toEqual([]);
    expect(projects.get.security).toContainEqual({});
    expect(document.paths['/api/v1/users'].get.responses).toHaveProperty('403');
    expect(document.paths['/service/token'].get.parameters?.map((p) => p.name)).toEqual(['service', 'scope']);
  });

  it('lists every route Nest registered under /api/v1 (a new route without docs fails here)', () => {
    const registered = berth.running
      .routes()
      .filter((r) => r.path.startsWith('/api/v1/') || r.path === '/api/v1')
      // Named parameters (`:name`) and Express 5 wildcards (`*path`) are both `{...}` in the document.
      .map((r) => `${r.method} ${r.path.replace(/[:*]([A-Za-z0-9_]+)/g, '{$1}').replace(/\/$/, '')}`);
    expect(registered.length).toBeGreaterThan(30);
    const documented = Object.entries(document.paths).flatMap(([route, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${route}`));
    expect(registered.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => route.includes(' /api/v1') && !registered.includes(route))).toEqual([]);
  });

  it('matches the committed apps/web/src/api/openapi.json (run `npm run api:client` after changing the API)', () => {
    const committed: unknown = JSON.parse(readFileSync(path.join(WEB_API, 'openapi.json'), 'utf8'));
    const fresh = JSON.stringify(committed) === JSON.stringify(document);
    if (!fresh) throw new Error('apps/web/src/api/openapi.json is out of date with the server: run `npm run api:client` and commit the result');
  });

  it('gives every console route that answers JSON a real response schema', () => {
    const described: string[] = [];
    const placeholders: string[] = [];
    for (const [route, method, status, schema] of jsonAnswers(document)) {
      // The document itself and the explorer's HTML pages are not console resources.
      if (!route.startsWith('/api/v1/') || route === '/api/v1/openapi.json' || route.startsWith('/api/v1/docs')) continue;
      (describesFields(schema, document) ? described : placeholders).push(`${method.toUpperCase()} ${route} ${status}`);
    }
    expect(placeholders).toEqual([]);
    // 42 JSON answers today (the rest are 204s): the filter above cannot have matched nothing.
    expect(described.length).toBeGreaterThanOrEqual(42);
  });

  it('shows a secret only in the answers that create or rotate one, never in a list', () => {
    const secretLike: string[] = [];
    for (const [route, method, status, schema] of jsonAnswers(document)) {
      if (!route.startsWith('/api/v1/')) continue;
      for (const name of propertyPaths(schema, document)) if (/secret|token|hash|password/i.test(name.split('.').pop()!)) secretLike.push(`${method.toUpperCase()} ${route} ${status} ${name}`);
    }
    expect(secretLike.sort()).toEqual(
      [
        'POST /api/v1/auth/login 200 csrfToken',
        'POST /api/v1/me/cli-secrets 201 secret',
        'POST /api/v1/me/cli-secrets 201 token',
        'POST /api/v1/projects/{name}/robots 201 secret',
        'POST /api/v1/projects/{name}/robots/{id}/rotate 200 secret',
        'POST /api/v1/robots 201 secret',
        'POST /api/v1/robots/{id}/rotate 200 secret',
      ].sort(),
    );
    // `secret` in CreatedCliSecret is the listed CliSecret itself, and that has no token.
    expect(Object.keys(propertiesOf(document.components.schemas.CliSecret, document)).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix']);
  });

  describe('real responses match the documented schemas', () => {
    /** Fails unless `res` has `status` and a body the document's schema for `route` at that status accepts. */
    const expectDocumented = (res: ApiResponse, route: string, status: number) => {
      const [method, template] = route.split(' ');
      expect({ route, status: res.status, body: res.status === status ? 'as expected' : res.body }).toEqual({ route, status, body: 'as expected' });
      const answer = document.paths[`/api/v1${template}`]?.[method.toLowerCase()]?.responses?.[String(status)];
      const schema = answer?.content?.['application/json']?.schema;
      expect({ route, documented: schema !== undefined }).toEqual({ route, documented: true });
      expect({ route, issues: validate(schema!, res.body, document) }).toEqual({ route, issues: [] });
      if (answer?.headers?.['X-Total-Count']) expect({ route, total: res.headers.get('x-total-count') }).toEqual({ route, total: String(res.body.total) });
      return res.body;
    };
    const schemaOf = (route: string, status: number): JsonSchema => {
      const [method, template] = route.split(' ');
      return document.paths[`/api/v1${template}`][method.toLowerCase()].responses![String(status)].content!['application/json'].schema;
    };

    let admin: ConsoleClient;

    beforeAll(async () => {
      admin = new ConsoleClient(berth.url);
      expectDocumented(await admin.post('/auth/login', { username: 'admin', password: TEST_ADMIN_PASSWORD }), 'POST /auth/login', 200);
    });

    it('the profile, self-registration and the settings', async () => {
      expectDocumented(await admin.get('/me'), 'GET /me', 200);
      expect(expectDocumented(await admin.patch('/me', { displayName: 'The Admin' }), 'PATCH /me', 200)).toMatchObject({ displayName: 'The Admin' });
      expectDocumented(await admin.get('/settings'), 'GET /settings', 200);
      expectDocumented(await admin.patch('/settings', { self_registration: true }), 'PATCH /settings', 200);
      const signup = await ConsoleClient.anonymous(berth).post('/auth/signup', { username: 'sam', password: 'sam-password-1' });
      expect(expectDocumented(signup, 'POST /auth/signup', 201)).toMatchObject({ username: 'sam', email: null, displayName: null, isAdmin: false });
    });

    it('CLI secrets: created (with the token), used and unused in the list', async () => {
      const used = expectDocumented(await admin.post('/me/cli-secrets', { name: 'ci' }), 'POST /me/cli-secrets', 201);
      expectDocumented(await admin.post('/me/cli-secrets', { name: 'laptop' }), 'POST /me/cli-secrets', 201);
      expect((await ConsoleClient.basic(berth, 'admin', used.token).get('/me')).status).toBe(200);
      const list = expectDocumented(await admin.get('/me/cli-secrets'), 'GET /me/cli-secrets', 200);
      // Both sides of the nullable lastUsedAt went through the check.
      expect(list.items.map((s: { name: string; lastUsedAt: string | null }) => [s.name, s.lastUsedAt === null])).toEqual([
        ['ci', false],
        ['laptop', true],
      ]);
    });

    it('users, as an admin', async () => {
      expectDocumented(await admin.post('/users', { username: 'uma', password: 'uma-password-1', email: 'uma@example.org', displayName: 'Uma' }), 'POST /users', 201);
      expectDocumented(await admin.post('/users', { username: 'vic', password: 'vic-password-1' }), 'POST /users', 201);
      const list = expectDocumented(await admin.get('/users'), 'GET /users', 200);
      expect(list.items.length).toBeGreaterThanOrEqual(4);
      expectDocumented(await admin.get('/users/uma'), 'GET /users/{username}', 200);
      expectDocumented(await admin.patch('/users/vic', { disabled: true }), 'PATCH /users/{username}', 200);
    });

    it('project members and project and system robots', async () => {
      expect((await admin.post('/projects', { name: 'schemas' })).status).toBe(201);
      expectDocumented(await admin.post('/projects/schemas/members', { username: 'uma', role: 'developer' }), 'POST /projects/{name}/members', 201);
      expectDocumented(await admin.patch('/projects/schemas/members/uma', { role: 'maintainer' }), 'PATCH /projects/{name}/members/{username}', 200);
      const members = expectDocumented(await admin.get('/projects/schemas/members'), 'GET /projects/{name}/members', 200);
      expect(members.items.map((m: { username: string; displayName: string | null }) => [m.username, m.displayName])).toEqual([
        ['admin', 'The Admin'],
        ['uma', 'Uma'],
      ]);
      expectDocumented(await admin.get('/me/permissions?project=schemas'), 'GET /me/permissions', 200);

      const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
      const projectRobot = expectDocumented(
        await admin.post('/projects/schemas/robots', { name: 'ci', permissions: ['pull', 'push'], expiresAt, description: 'CI' }),
        'POST /projects/{name}/robots',
        201,
      );
      expectDocumented(await admin.patch(`/projects/schemas/robots/${projectRobot.robot.id}`, { disabled: true }), 'PATCH /projects/{name}/robots/{id}', 200);
      expectDocumented(await admin.post(`/projects/schemas/robots/${projectRobot.robot.id}/rotate`), 'POST /projects/{name}/robots/{id}/rotate', 200);
      const projectRobots = expectDocumented(await admin.get('/projects/schemas/robots'), 'GET /projects/{name}/robots', 200);
      expect(projectRobots.items).toEqual([expect.objectContaining({ project: 'schemas', expiresAt, disabled: true })]);

      const systemRobot = expectDocumented(await admin.post('/robots', { name: 'mirror', permissions: ['pull'] }), 'POST /robots', 201);
      expectDocumented(await admin.patch(`/robots/${systemRobot.robot.id}`, { description: 'pulls everything' }), 'PATCH /robots/{id}', 200);
      expectDocumented(await admin.post(`/robots/${systemRobot.robot.id}/rotate`), 'POST /robots/{id}/rotate', 200);
      const systemRobots = expectDocumented(await admin.get('/robots'), 'GET /robots', 200);
      expect(systemRobots.items).toEqual([expect.objectContaining({ project: null, expiresAt: null })]);

      // The check can fail: the documented schema is closed and complete, so a leaked hash or a dropped field is caught.
      const listed = schemaOf('GET /robots', 200);
      expect(validate(listed, { ...systemRobots, items: [{ ...systemRobots.items[0], secretHash: '$argon2id$v=19$...' }] }, document)).toEqual([
        { path: '/items/0/secretHash', message: 'is not a documented property' },
      ]);
      const { lastUsedAt: _, ...withoutLastUse } = systemRobots.items[0];
      expect(validate(listed, { ...systemRobots, items: [withoutLastUse] }, document)).toEqual([{ path: '/items/0/lastUsedAt', message: 'is required but missing' }]);
    });

    it('the audit log, whole and of a project', async () => {
      // A failed login adds a row with an address and details, beside the console's rows without an address.
      expect((await ConsoleClient.anonymous(berth).post('/auth/login', { username: 'sam', password: 'wrong-password' })).status).toBe(401);
      const all = expectDocumented(await admin.get('/audit?page_size=100'), 'GET /audit', 200);
      expect(all.items.some((e: { address: string | null }) => e.address === null)).toBe(true);
      expect(all.items.some((e: { address: string | null; details: { reason?: string } }) => e.address !== null && e.details.reason === 'wrong_password')).toBe(true);
      expect(all.items.some((e: { project: string | null }) => e.project === null)).toBe(true);
      const ofProject = expectDocumented(await admin.get('/projects/schemas/audit'), 'GET /projects/{name}/audit', 200);
      expect(ofProject.items.length).toBeGreaterThan(0);
      expect(ofProject.items.every((e: { project: string | null }) => e.project === 'schemas')).toBe(true);
    });
  });

  it('is public, and the explorer at /api/v1/docs loads swagger-ui from the server', async () => {
    const page = await fetch(`${berth.url}/api/v1/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toEqual(expect.arrayContaining(['/api/v1/docs/swagger-ui.css', '/api/v1/docs/swagger-ui-bundle.js', '/api/v1/docs/init.js']));
    expect(assets.every((asset) => asset.startsWith('/'))).toBe(true); // no CDN
    for (const asset of assets) {
      const res = await fetch(`${berth.url}${asset}`);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
    expect(await (await fetch(`${berth.url}/api/v1/docs/init.js`)).text()).toContain("url: '/api/v1/openapi.json'");
    const missing = await fetch(`${berth.url}/api/v1/docs/package.json`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await fetch(`${berth.url}/api/v1/docs/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('generated schema.d.ts and the typed client compile (tsc -p apps/web/tsconfig.json)', async () => {
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    await expect(promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', path.join(ROOT, 'apps/web/tsconfig.json')], { cwd: ROOT })).resolves.toBeDefined();
  }, 60_000);

  it('keeps fetch in apps/web/src/api/client.ts only', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (/\.(ts|vue|js)$/.test(name) && !name.endsWith('.d.ts') && file !== path.join(WEB_API, 'client.ts') && /\bfetch\s*\(/.test(readFileSync(file, 'utf8'))) offenders.push(path.relative(ROOT, file));
      }
    };
    walk(path.join(ROOT, 'apps/web/src'));
    expect(offenders).toEqual([]);
  });
});

type Document = OpenApiDocument;

/** Every JSON success answer (200/201) in the document: route, method, status and schema. */
function jsonAnswers(document: Document): [string, string, string, JsonSchema][] {
  const answers: [string, string, string, JsonSchema][] = [];
  for (const [route, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      for (const status of ['200', '201']) {
        const schema = operation.responses?.[status]?.content?.['application/json']?.schema;
        if (schema !== undefined) answers.push([route, method, status, schema]);
      }
    }
  }
  return answers;
}

/** The properties a schema gives its objects, following $refs and merging allOf (later parts win, as Page + items). */
function propertiesOf(schema: JsonSchema, document: Document): Record<string, JsonSchema> {
  if (typeof schema !== 'object') return {};
  if (typeof schema.$ref === 'string') return propertiesOf(document.components.schemas[schema.$ref.replace('#/components/schemas/', '')], document);
  const merged: Record<string, JsonSchema> = {};
  for (const part of (schema.allOf as JsonSchema[] | undefined) ?? []) Object.assign(merged, propertiesOf(part, document));
  return Object.assign(merged, (schema.properties as Record<string, JsonSchema> | undefined) ?? {});
}

/**
 * True when the schema names the fields of the answer: not the generator's bare `{ type: 'object',
 * description }` placeholder, and for a page, not `Page` with items of any object.
 */
function describesFields(schema: JsonSchema, document: Document): boolean {
  const properties = propertiesOf(schema, document);
  if (Object.keys(properties).length === 0) return false;
  if (!('items' in properties && 'total' in properties)) return true;
  const item = (properties.items as { items?: JsonSchema }).items;
  if (item === undefined) return false;
  if (Object.keys(propertiesOf(item, document)).length > 0) return true;
  // A union of shapes (search hits): every branch must describe fields.
  if (typeof item !== 'object') return false;
  const resolved = typeof item.$ref === 'string' ? document.components.schemas[item.$ref.replace('#/components/schemas/', '')] : item;
  if (typeof resolved !== 'object') return false;
  const branches = ((resolved.anyOf ?? resolved.oneOf) as JsonSchema[] | undefined) ?? [];
  return branches.length > 0 && branches.every((branch) => Object.keys(propertiesOf(branch, document)).length > 0);
}

/** Dotted paths of every property a schema can have, through objects, arrays and anyOf. */
function propertyPaths(schema: JsonSchema, document: Document, prefix = ''): string[] {
  if (typeof schema !== 'object') return [];
  const paths: string[] = [];
  for (const [name, sub] of Object.entries(propertiesOf(schema, document))) {
    const here = prefix ? `${prefix}.${name}` : name;
    paths.push(here, ...propertyPaths(sub, document, here));
  }
  const resolved = typeof schema.$ref === 'string' ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
  if (typeof resolved === 'object') {
    if (resolved.items) paths.push(...propertyPaths(resolved.items as JsonSchema, document, prefix));
    for (const branch of (resolved.anyOf as JsonSchema[] | undefined) ?? []) paths.push(...propertyPaths(branch, document, prefix));
  }
  return [...new Set(paths)];
}
