// Starting and stopping the registries under test. Every server binds 127.0.0.1 only and keeps
// its data in a fresh temporary directory that is removed when it stops.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, setAuthorization } from './http.mjs';
import { descendantsOf, isAlive } from './proc.mjs';

const LOG_TAIL_CHARS = 16 * 1024;

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // Embedded PostgreSQL runs as another user when we are root: it must be able to enter the dir.
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Spawns a server, keeping the tail of its output for error messages. */
function spawnServer(name, command, args, { env, cwd }) {
  const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitInfo;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.on('error', (err) => {
      exitInfo = { code: null, signal: null, error: err.message };
      resolve(exitInfo);
    });
  });
  return { name, child, exited, logTail: () => tail, exitInfo: () => exitInfo };
}

/** Polls `readyPath` until it answers 200, the process dies, or `timeoutMs` passes. */
async function waitReady(proc, origin, readyPath, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const info = proc.exitInfo();
    if (info) {
      throw new Error(
        `${proc.name} exited before it was ready (${info.error ?? `code ${info.code}, signal ${info.signal}`}).\n` +
          `--- last output ---\n${proc.logTail()}`,
      );
    }
    try {
      const res = await request(origin, 'GET', readyPath, { timeoutMs: 2000 });
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.code ?? err.message;
    }
    await sleep(250);
  }
  throw new Error(
    `${proc.name} not ready on ${origin}${readyPath} after ${timeoutMs / 1000} s (${last}).\n--- last output ---\n${proc.logTail()}`,
  );
}

/**
 * SIGTERM, wait up to `graceMs`, then SIGKILL. Descendants seen before the stop (an embedded
 * PostgreSQL, say) that outlive their parent are stopped the same way, by pid.
 */
async function stopProcess(proc, graceMs) {
  const pid = proc.child.pid;
  const family = pid ? descendantsOf(pid) : [];
  let forced = false;
  if (!proc.exitInfo()) {
    proc.child.kill('SIGTERM');
    const ok = await Promise.race([proc.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!ok) {
      forced = true;
      proc.child.kill('SIGKILL');
      await Promise.race([proc.exited, sleep(5000)]);
    }
  }
  const orphans = family.filter(isAlive);
  for (const p of orphans) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {}
  }
  for (let i = 0; i < 50 && orphans.some(isAlive); i++) await sleep(100);
  for (const p of orphans.filter(isAlive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  }
  return { forced, orphansStopped: orphans.length };
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  return !fs.existsSync(dir);
}

function managedTarget(name, origin, proc, tempDir, graceMs) {
  let stopped;
  return {
    name,
    origin,
    pid: proc.child.pid,
    managed: true,
    tempDir,
    logTail: proc.logTail,
    /** Idempotent: stops the process and removes its data directory. */
    stop() {
      stopped ??= (async () => {
        const result = await stopProcess(proc, graceMs);
        return { ...result, tempDirRemoved: removeDir(tempDir) };
      })();
      return stopped;
    },
  };
}

/** Starts `node dist/apps/api/src/main.js` with a fresh data directory. */
export async function startBerth(opts) {
  const tempDir = makeTempDir('berth-bench-');
  const port = await freePort();
  const pgPort = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const adminPassword = randomBytes(18).toString('base64url');
  const env = {
    ...process.env,
    BERTH_ADMIN_PASSWORD: adminPassword,
    PORT: String(port),
    HOST: '127.0.0.1',
    BERTH_PUBLIC_URL: origin,
    BERTH_DATA_DIR: tempDir,
    BERTH_EMBEDDED_PG_PORT: String(pgPort),
    LOG_LEVEL: 'warn',
    // As `npm start` and the Docker image run it (see Dockerfile); MALLOC_MMAP_THRESHOLD_=default measures glibc's own.
    MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
  };
  if (env.MALLOC_MMAP_THRESHOLD_ === 'default') delete env.MALLOC_MMAP_THRESHOLD_;
  // A fresh run must not touch a developer's database.
  delete env.DATABASE_URL;
  delete env.BERTH_STORAGE_DIR;
  // BENCH_BERTH_NODE_ARGS: extra node flags for the server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a run).
  const nodeArgs = (process.env.BENCH_BERTH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const proc = spawnServer('Berth', process.execPath, [...nodeArgs, opts.berthMain], { env, cwd: opts.repoRoot });
  const target = managedTarget('berth', origin, proc, tempDir, 35_000);
  try {
    await waitReady(proc, origin, '/readyz', 60_000);
  } catch (err) {
    await target.stop();
    throw err;
  }
  // Like docker: one token for the repositories the bench pushes to, used for every request (300 s, longer than a phase).
  const basic = `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`;
  const scopes = ['library/bench:pull,push,delete', 'library/bench-small:pull,push'].map((s) => `scope=repository:${s}`).join('&');
  const res = await request(origin, 'GET', `/service/token?service=berth&${scopes}`, { headers: { Authorization: basic } });
  if (res.status !== 200) throw new Error(`Berth token request answered ${res.status}: ${res.body}`);
  setAuthorization(origin, `Bearer ${JSON.parse(res.body.toString()).token}`);
  return { ...target, usesTokens: true, basic };
}

/** A Berth that someone else started (BERTH_URL); RSS only if BERTH_PID is given. */
export function externalBerth(opts) {
  // `user:password` of a Berth account allowed to push to the library project.
  const credentials = process.env.BERTH_BENCH_CREDENTIALS;
  const basic = credentials ? `Basic ${Buffer.from(credentials).toString('base64')}` : undefined;
  if (basic) setAuthorization(opts.berthUrl, basic);
  return {
    usesTokens: Boolean(credentials),
    basic,
    name: 'berth',
    origin: opts.berthUrl,
    pid: opts.berthPid,
    managed: false,
    stop: async () => ({ external: true }),
  };
}

function distributionConfig(rootDir, port) {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${rootDir}`,
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${crypto.randomBytes(16).toString('hex')}`,
    '',
  ].join('\n');
}

/** Starts CNCF distribution (Debian's docker-registry) with filesystem storage in a temp dir. */
export async function startDistribution(opts) {
  const tempDir = makeTempDir('distribution-bench-');
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const configFile = path.join(tempDir, 'config.yml');
  fs.writeFileSync(configFile, distributionConfig(path.join(tempDir, 'data'), port));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tempDir };
  const proc = spawnServer('distribution', opts.distributionBin, ['serve', configFile], { env, cwd: tempDir });
  const target = managedTarget('distribution', origin, proc, tempDir, 10_000);
  try {
    await waitReady(proc, origin, '/v2/', 30_000);
  } catch (err) {
    await target.stop();
    throw err;
  }
  return target;
}
