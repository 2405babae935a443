import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunningBerth, startBerth } from '../../apps/api/src/bootstrap';
import { httpRequest } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const BUILT_CONSOLE = path.resolve(__dirname, '../../apps/web/dist');

/**
 * The console as the API serves it, over HTTP: content-hashed assets cached for good, index.html
 * (as a file and as every page's fallback) revalidated on each load, a missing asset a 404 rather than
 * HTML, and the server's own paths untouched. A small console directory of our own shows each rule;
 * the real build (apps/web/dist, made by `npm run build`) shows Vite's names fit them.
 */
describe('serving the web console', () => {
  let berth: TestBerth;
  let fixture: RunningBerth;
  let webDir: string;

  /** Exactly the request given (fetch would add Cache-Control: no-cache to a conditional GET). */
  const get = (base: string, urlPath: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
    httpRequest(base, init.method ?? 'GET', urlPath, { headers: init.headers });
  const text = (res: { body: Buffer }) => res.body.toString('utf8');

  beforeAll(async () => {
    if (!existsSync(path.join(BUILT_CONSOLE, 'index.html'))) {
      throw new Error(`${BUILT_CONSOLE}/index.html is missing: build the console first (npm run build; scripts/test.sh does)`);
    }
    webDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-web-'));
    await fs.mkdir(path.join(webDir, 'assets'));
    await fs.writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>fixture console</title><script type="module" src="/assets/index-AbC123.js"></script>');
    await fs.writeFile(path.join(webDir, 'assets', 'index-AbC123.js'), 'console.log("hashed");\n');
    await fs.writeFile(path.join(webDir, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
    berth = await startTestBerth();
    // The same database and storage, serving the fixture directory instead of the build.
    fixture = await startBerth({ ...berth.config, port: 0, webDir });
  });

  afterAll(async () => {
    await fixture?.close();
    await berth?.close();
    if (webDir) await fs.rm(webDir, { recursive: true, force: true });
  });

  it('serves index.html at / and at /index.html, never cached without revalidation', async () => {
    for (const urlPath of ['/', '/index.html']) {
      const res = await get(fixture.url, urlPath);
      expect(res.status).toBe(200);
      expect(res.header('content-type')).toMatch(/^text\/html/);
      expect(res.header('cache-control')).toBe('no-cache');
      expect(text(res)).toContain('fixture console');
    }
  });

  it('answers every deep link of the app with index.html, not cached', async () => {
    for (const urlPath of [
      '/projects',
      '/projects/team/repositories/a/b/-/tags',
      '/projects/team/repositories/app/-/artifacts/v1.2.3',
      '/projects/team/members?page=2',
      '/admin/users',
      '/no/such/page',
    ]) {
      const res = await get(fixture.url, urlPath);
      expect({ urlPath, status: res.status, type: res.header('content-type'), cache: res.header('cache-control') }).toEqual({
        urlPath,
        status: 200,
        type: expect.stringMatching(/^text\/html/),
        cache: 'no-cache',
      });
      expect(text(res)).toContain('fixture console');
    }
  });

  it('revalidates index.html with its ETag: 304 when unchanged', async () => {
    const first = await get(fixture.url, '/projects/team');
    const etag = first.header('etag');
    expect(etag).toBeTruthy();
    const again = await get(fixture.url, '/projects/team', { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect(again.header('cache-control')).toBe('no-cache');
  });

  it('caches content-hashed assets for a year, immutable (GET and HEAD)', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await get(fixture.url, '/assets/index-AbC123.js', { method });
      expect(res.status).toBe(200);
      expect(res.header('content-type')).toMatch(/^(text|application)\/javascript/);
      expect(res.header('cache-control')).toBe(IMMUTABLE);
      expect(text(res)).toBe(method === 'GET' ? 'console.log("hashed");\n' : '');
    }
  });

  it('answers a missing asset with a 404, not with index.html', async () => {
    for (const urlPath of ['/assets/index-Gone999.js', '/assets/nested/x.css', '/assets/']) {
      const res = await get(fixture.url, urlPath);
      const body = text(res);
      expect({ urlPath, status: res.status }).toEqual({ urlPath, status: 404 });
      expect(res.header('content-type')).not.toMatch(/html/);
      expect(res.header('cache-control')).toBe('no-cache');
      expect(body).not.toContain('fixture console');
    }
  });

  it('caches other files (the favicon) only briefly', async () => {
    const res = await get(fixture.url, '/favicon.ico');
    expect(res.status).toBe(200);
    expect(res.header('cache-control')).toBe('public, max-age=3600');
  });

  it("leaves the server's own paths and other methods alone", async () => {
    const api = await get(fixture.url, '/api/v1/no-such-thing');
    expect(api.status).toBe(404);
    expect(api.header('content-type')).toMatch(/^application\/json/);
    const registry = await get(fixture.url, '/v2/');
    expect(registry.status).toBe(401);
    expect(registry.header('content-type')).not.toMatch(/html/);
    const post = await get(fixture.url, '/projects', { method: 'POST' });
    expect(post.status).toBe(404);
    expect(text(post)).not.toContain('fixture console');
  });

  it('serves the real build so: its index.html revalidated, every script it names cached immutable', async () => {
    const page = await get(berth.url, '/projects/library/repositories/a/b/-/tags');
    expect(page.status).toBe(200);
    expect(page.header('cache-control')).toBe('no-cache');
    const html = text(page);
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const res = await get(berth.url, asset);
      expect({ asset, status: res.status, cache: res.header('cache-control') }).toEqual({ asset, status: 200, cache: IMMUTABLE });
      expect(res.header('content-type')).toMatch(asset.endsWith('.css') ? /^text\/css/ : /^(text|application)\/javascript/);
    }
    // Vite's names carry the content's hash: a name that is not in this build is a 404.
    const missing = await get(berth.url, '/assets/index-00000000.js');
    expect(missing.status).toBe(404);
  });
});
