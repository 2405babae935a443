import { createHash } from 'node:crypto';
import { adminBasicAuth, createProject } from '../support/access';
import { startTestBerth, TestBerth } from '../support/test-berth';

/** Health, metrics and the console, as an operator and a browser reach them. */
describe('operations endpoints', () => {
  let berth: TestBerth;
  beforeAll(async () => {
    berth = await startTestBerth();
    await createProject(berth, 'metrics');
  });
  afterAll(async () => {
    await berth.close();
  });

  it('answers liveness and readiness (database and storage checked)', async () => {
    const live = await fetch(`${berth.url}/healthz`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${berth.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { database: 'ok', storage: 'ok' } });
  });

  it('exports request counts per route template, bytes in and out, and open upload sessions', async () => {
    const headers = { Authorization: adminBasicAuth() };
    const blob = Buffer.alloc(100_000, 3);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const post = await fetch(`${berth.url}/v2/metrics/probe/blobs/uploads/?digest=${digest}`, { method: 'POST', body: blob, headers });
    expect(post.status).toBe(201);
    const get = await fetch(`${berth.url}/v2/metrics/probe/blobs/${digest}`, { headers });
    expect((await get.arrayBuffer()).byteLength).toBe(blob.length);
    const open = await fetch(`${berth.url}/v2/metrics/probe/blobs/uploads/`, { method: 'POST', headers });
    expect(open.status).toBe(202);

    const text = await (await fetch(`${berth.url}/metrics`)).text();
    expect(text).toMatch(/berth_http_requests_total\{method="POST",route="\/v2\/:name\/blobs\/uploads\/",status="201"\} 1/);
    expect(text).toMatch(/berth_http_request_duration_seconds_count\{method="GET",route="\/v2\/:name\/blobs\/:digest"\} 1/);
    const received = Number(/berth_http_received_bytes_total\{route="\/v2\/:name\/blobs\/uploads\/"\} (\d+)/.exec(text)?.[1]);
    const sent = Number(/berth_http_sent_bytes_total\{route="\/v2\/:name\/blobs\/:digest"\} (\d+)/.exec(text)?.[1]);
    expect(received).toBeGreaterThanOrEqual(blob.length);
    expect(sent).toBeGreaterThanOrEqual(blob.length);
    expect(text).toMatch(/berth_registry_upload_sessions_open 1/);
  });

  it('serves the built console at / and for client-side routes, but not over API paths', async () => {
    const home = await fetch(`${berth.url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('<div id="app">');
    const deep = await fetch(`${berth.url}/projects/team-a`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get('content-type')).toMatch(/text\/html/);
    const v2 = await fetch(`${berth.url}/v2/nope/tags/list`, { headers: { Authorization: adminBasicAuth() } });
    expect(v2.status).toBe(404);
    expect(((await v2.json()) as { errors: { code: string }[] }).errors[0].code).toBe('NAME_UNKNOWN');
    // Without credentials the registry's own challenge answers, not the console page.
    const anonymous = await fetch(`${berth.url}/v2/nope/tags/list`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await anonymous.json()) as { errors: { code: string }[] }).errors[0].code).toBe('UNAUTHORIZED');
  });
});
