/**
 * The built server (`node dist/apps/api/src/main.js`) as its own process, for tests that must kill it,
 * measure it or watch it boot: a free port, a fresh database in the run's PostgreSQL, launch and stop.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { TEST_ADMIN_PASSWORD } from './test-berth';

export const BUILT_MAIN = path.resolve(__dirname, '../../dist/apps/api/src/main.js');
/** What the server writes to stderr once it listens. */
const READY_LINE = 'Berth is ready';
const READY_TIMEOUT_MS = 45_000;

export interface BuiltServer {
  child: ChildProcess;
  port: number;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Settles when the process has exited, with its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A new, empty database named `<prefix>_<random>` in the run's PostgreSQL; its URL. */
export async function createDatabase(prefix: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(prefix)) throw new Error(`createDatabase: ${JSON.stringify(prefix)} is not a plain lower-case identifier`);
  const base = process.env.BERTH_TEST_DATABASE_URL;
  if (!base) throw new Error('BERTH_TEST_DATABASE_URL is not set: run the tests through jest (global setup starts PostgreSQL)');
  const database = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Throws, naming the build step, when the server has not been built. */
export function requireBuiltServer(): void {
  if (!fs.existsSync(BUILT_MAIN)) throw new Error(`${BUILT_MAIN} is missing: run npm run build:server first (npm test does)`);
}

/**
 * Starts the built server on 127.0.0.1 (a free port unless `env.PORT` is given) with the tests' admin
 * password; `env` is all the rest of its environment beyond PATH and HOME. Unless `waitReady` is false,
 * resolves once the ready line is on stderr, and rejects (the process stopped) if it exits first or is not
 * ready in 45 s.
 */
export async function launchBuiltServer(env: Record<string, string>, options: { waitReady?: boolean; /** Another Node.js binary than the one running the tests. */ node?: string } = {}): Promise<BuiltServer> {
  const port = env.PORT !== undefined ? Number(env.PORT) : await freePort();
  let out = '';
  let err = '';
  const child = spawn(options.node ?? process.execPath, [BUILT_MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      BERTH_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const server: BuiltServer = { child, port, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err, exited };
  if (options.waitReady === false) {
    child.stderr!.on('data', (c) => (err += c));
    return server;
  }
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready in ${READY_TIMEOUT_MS / 1000} s:\n${err}`)), READY_TIMEOUT_MS);
    child.stderr!.on('data', (c) => {
      err += c;
      if (err.includes(READY_LINE)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code ?? child.signalCode}):\n${err}\n${out}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    await stopBuiltServer(server);
    throw error;
  }
  return server;
}

/** SIGTERM, and SIGKILL if it has not exited in `patienceMs`; resolves once it has exited. No-op when it already has. */
export async function stopBuiltServer(server: BuiltServer, patienceMs = 15_000): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const impatient = setTimeout(() => child.kill('SIGKILL'), patienceMs);
  await server.exited;
  clearTimeout(impatient);
}
