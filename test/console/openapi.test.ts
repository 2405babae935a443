import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestBerth, TestBerth } from '../support/test-berth';

const ROOT = path.resolve(__dirname, '../..');
const WEB_API = path.join(ROOT, 'apps/web/src/api');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, unknown>; security?: unknown[]; parameters?: { $ref?: string; name?: string; in?: string }[] }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }>; parameters: Record<string, unknown> };
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
