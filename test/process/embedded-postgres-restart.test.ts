import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { adminBasicAuth } from '../support/access';
import { eventually } from '../support/registry-client';
import { BuiltServer, freePort, launchBuiltServer, requireBuiltServer, stopBuiltServer } from '../support/server-process';

/**
 * The embedded PostgreSQL dying under a running Berth (kill -9 of the postmaster, as the OOM killer
 * would): Berth restarts it with growing waits, says so in /readyz and the log meanwhile, and serves
 * again without being restarted itself.
 */
describe('the embedded PostgreSQL under supervision', () => {
  let tmp: string;
  let server: BuiltServer | undefined;
  let holder: net.Server | undefined;
  beforeAll(() => {
    requireBuiltServer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-pg-restart-'));
  });
  afterAll(async () => {
    holder?.close();
    if (server) await stopBuiltServer(server);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const get = async (urlPath: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server!.url}${urlPath}`, { headers, signal: AbortSignal.timeout(30_000) });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, any> | undefined };
  };
  /** The postmaster listening on `port` (its command line names the port). */
  const postmasterPid = (port: number): number => {
    const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
    const line = out.split('\n').find((l) => /bin\/postgres -D/.test(l) && l.includes(`-p ${port} `));
    if (!line) throw new Error(`no postmaster on port ${port}:\n${out}`);
    return Number(line.trim().split(/\s+/)[0]);
  };
  /** Takes the port the killed postmaster listened on, so Berth's first restarts fail and the outage can be watched. */
  const holdPort = (port: number) =>
    eventually(
      () =>
        new Promise<net.Server>((resolve, reject) => {
          // Connections are cut at once: a database client knocking meanwhile gets an error, not a hang.
          const s = net.createServer((socket) => socket.destroy());
          s.once('error', reject);
          s.listen(port, '127.0.0.1', () => resolve(s));
        }),
      10_000,
    );

  it('restarts a killed postmaster, reports it in /readyz and the log meanwhile, and recovers without a restart of Berth', async () => {
    const pgPort = await freePort();
    server = await launchBuiltServer({ BERTH_DATA_DIR: path.join(tmp, 'data'), BERTH_EMBEDDED_PG_PORT: String(pgPort), LOG_LEVEL: 'info' });
    const admin = { Authorization: adminBasicAuth() };
    expect((await get('/readyz')).body).toEqual({ status: 'ok', checks: { database: 'ok', storage: 'ok', embeddedDatabase: 'ok' } });
    expect((await get('/api/v1/projects', admin)).status).toBe(200);

    const victim = postmasterPid(pgPort);
    process.kill(victim, 'SIGKILL');
    holder = await holdPort(pgPort);

    const down = await eventually(async () => {
      const ready = await get('/readyz');
      if (ready.status !== 503 || !/^restarting since .* \(attempt [2-9]\d*\)/.test(ready.body?.checks.embeddedDatabase ?? '')) throw new Error(JSON.stringify(ready));
      return ready;
    }, 20_000);
    expect(down.body).toMatchObject({ status: 'unavailable', checks: { database: expect.stringMatching(/^failed/), storage: 'ok' } });
    expect(down.body!.checks.embeddedDatabase).toMatch(/exited \(code null, signal SIGKILL\); attempt \d+ failed: /);
    // Meanwhile requests that need the database fail, as a 5xx, rather than hang.
    expect((await get('/api/v1/projects', admin)).status).toBeGreaterThanOrEqual(500);

    await new Promise<void>((resolve) => holder!.close(() => resolve()));
    holder = undefined;
    await eventually(async () => {
      const ready = await get('/readyz');
      if (ready.status !== 200) throw new Error(JSON.stringify(ready));
    }, 60_000, 200);
    expect((await get('/api/v1/projects', admin)).status).toBe(200);
    expect(postmasterPid(pgPort)).not.toBe(victim);
    // The same Berth process served throughout.
    expect(server.child.exitCode).toBeNull();
    const log = server.stdout();
    expect(log).toMatch(/embedded PostgreSQL exited \(code null, signal SIGKILL\)/);
    expect(log).toMatch(/restarting it in 500 ms \(attempt 1\)/);
    expect(log).toMatch(/embedded PostgreSQL restarted after \d+ ms/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(() => postmasterPid(pgPort)).toThrow(/no postmaster/);
  }, 180_000);
});
