import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { adminBasicAuth } from '../support/access';
import { BuiltServer, launchBuiltServer, requireBuiltServer, stopBuiltServer } from '../support/server-process';

/**
 * The built server as a user runs it (`node dist/apps/api/src/main.js`): boot on embedded PostgreSQL,
 * configuration errors, JSON logs, graceful shutdown, and recovery from a killed run. Every server is
 * started with BERTH_ADMIN_PASSWORD, and registry requests are admin's, into the public `library`
 * project (the one project a fresh Berth has).
 */
/** Servers launched by the running test; any still alive when it ends (a failed assertion) are stopped. */
const launched: BuiltServer[] = [];

async function launch(env: Record<string, string>, waitReady = true): Promise<BuiltServer> {
  const server = await launchBuiltServer(env, { waitReady });
  launched.push(server);
  return server;
}

/** Postmasters running now (the cluster may live elsewhere than the data dir when root relocates it). */
function postmasters(): Set<string> {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return new Set(out.split('\n').filter((line) => /bin\/postgres -D/.test(line)).map((line) => line.trim()));
}

function newSince(before: Set<string>): string[] {
  return [...postmasters()].filter((p) => !before.has(p));
}

function request(port: number, method: string, urlPath: string, headers: Record<string, string> = {}, body?: Buffer) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      let data = '';
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the server process', () => {
  let tmp: string;
  beforeAll(() => {
    requireBuiltServer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-proc-'));
  });
  afterEach(async () => {
    // A failed assertion must not leave a server (and its PostgreSQL) running and the run hanging.
    for (const server of launched.splice(0)) await stopBuiltServer(server);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses bad configuration with a message naming the variable', async () => {
    const server = await launch({ PORT: 'not-a-port', BERTH_DATA_DIR: path.join(tmp, 'bad') }, false);
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toMatch(/PORT="not-a-port"/);
    const again = await launch({ DATABASE_URL: 'mysql://x', BERTH_DATA_DIR: path.join(tmp, 'bad') }, false);
    expect(await again.exited).toBe(2);
    expect(again.stderr()).toMatch(/DATABASE_URL/);
  });

  it('starts on embedded PostgreSQL inside a 0700 directory, logs JSON without secrets, and shuts down gracefully', async () => {
    const privateDir = path.join(tmp, 'private');
    fs.mkdirSync(privateDir, { mode: 0o700 });
    const dataDir = path.join(privateDir, 'data');
    const before = postmasters();
    const started = Date.now();
    const server = await launch({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    expect(newSince(before)).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await request(server.port, 'GET', '/readyz')).status).toBe(200);

    const tagged = await request(server.port, 'GET', '/v2/?token=sekrit-query', { Authorization: 'Basic c2VrcmV0LWhlYWRlcg==', 'X-Request-Id': 'trace-123' });
    expect(tagged.headers['x-request-id']).toBe('trace-123');
    expect(tagged.status).toBe(401);
    // The registry asks for credentials at the token endpoint of the address the client used; the admin password from the environment is accepted.
    const anonymous = await request(server.port, 'GET', '/v2/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe(`Bearer realm="http://127.0.0.1:${server.port}/service/token",service="berth"`);
    expect((await request(server.port, 'GET', '/v2/', { Authorization: adminBasicAuth() })).status).toBe(200);

    // An upload in flight when SIGTERM arrives is allowed to finish.
    const start = await request(server.port, 'POST', '/v2/library/proc-test/blobs/uploads/', { Authorization: adminBasicAuth() });
    expect(start.status).toBe(202);
    const payload = Buffer.alloc(256 * 1024, 7);
    const digest = `sha256:${createHash('sha256').update(payload).digest('hex')}`;
    const finished = new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'PUT',
          path: `${start.headers.location}?digest=${digest}`,
          headers: { 'Content-Length': payload.length, Authorization: adminBasicAuth() },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.write(payload.subarray(0, 1024));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(payload.subarray(1024)), 500);
      }, 200);
    });
    expect(await finished).toBe(201);
    expect(await server.exited).toBe(0);
    expect(newSince(before)).toEqual([]);

    const lines = server.stdout().trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line));
    const requestLines = entries.filter((e) => e.req);
    expect(requestLines.length).toBeGreaterThanOrEqual(3);
    for (const e of requestLines) expect(typeof e.req.id).toBe('string');
    expect(requestLines.some((e) => e.req.id === 'trace-123')).toBe(true);
    expect(server.stdout()).not.toMatch(/sekrit|c2VrcmV0/);
  });

  it('cleans up a PostgreSQL left running by a killed server and starts again', async () => {
    const dataDir = path.join(tmp, 'killed');
    const before = postmasters();
    const first = await launch({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    first.child.kill('SIGKILL');
    await first.exited;
    expect(newSince(before)).toHaveLength(1);
    const second = await launch({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    expect(second.stdout()).toMatch(/left running by an earlier Berth/);
    expect((await request(second.port, 'GET', '/readyz')).status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(newSince(before)).toEqual([]);
  });

  it('still stops its PostgreSQL when an impatient second Ctrl-C makes it exit without waiting', async () => {
    const before = postmasters();
    const server = await launch({ BERTH_DATA_DIR: path.join(tmp, 'impatient'), LOG_LEVEL: 'warn' });
    expect(newSince(before)).toHaveLength(1);
    // A request left open keeps the graceful shutdown waiting, so the second signal finds it under way.
    const upload = await request(server.port, 'POST', '/v2/library/b/blobs/uploads/', { Authorization: adminBasicAuth() });
    expect(upload.status).toBe(202);
    const held = http.request({
      host: '127.0.0.1',
      port: server.port,
      method: 'PATCH',
      path: String(upload.headers.location),
      headers: { 'Content-Length': 100, Authorization: adminBasicAuth() },
    });
    held.on('error', () => undefined);
    held.write('x');
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    expect(server.child.exitCode).toBeNull();
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(1);
    const deadline = Date.now() + 10_000;
    while (newSince(before).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(newSince(before)).toEqual([]);
  });
});
