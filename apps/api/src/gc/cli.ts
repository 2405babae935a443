import 'reflect-metadata';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FilesystemDriver } from '@berth/storage';
import { apiMessage, callJson, CliError, serverFrom, type Server } from '../cli/client';
import { ConfigError, loadConfig } from '../config/config';
import { createDataSource, runMigrations } from '../database/data-source';
import { EmbeddedPostgres } from '../database/embedded-postgres';
import { GarbageCollector } from './garbage-collector';
import { GcRunRepository } from './gc-run.repository';
import type { GcRunDetail } from './gc.dto';

const USAGE = `Usage: berth gc [--dry-run] [--delete-untagged] [--workers N] [--direct]
       (npm run gc -- [options] is the same)

Runs Berth's garbage collection and prints its progress.

By default it asks the running server (BERTH_URL, default http://localhost:5000) to run it, signing in
with BERTH_USERNAME / BERTH_PASSWORD (a system administrator, or a CLI secret as the password).
--direct runs it in this process instead, against DATABASE_URL (or the embedded PostgreSQL under
BERTH_DATA_DIR, which must not be in use by a server) and the storage settings, for maintenance windows.
Ctrl-C asks the run to stop at its next checkpoint. Exit status: 0 when the run succeeded.`;

interface Args {
  dryRun: boolean;
  deleteUntagged: boolean;
  workers?: number;
  direct: boolean;
}

function parse(argv: string[]): Args | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'dry-run': { type: 'boolean', default: false },
        'delete-untagged': { type: 'boolean', default: false },
        workers: { type: 'string' },
        direct: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64)) throw new UsageError('--workers must be an integer from 1 to 64');
  return { dryRun: values['dry-run'], deleteUntagged: values['delete-untagged'], workers, direct: values.direct };
}

class UsageError extends Error {}

async function viaServer(args: Args): Promise<GcRunDetail> {
  const server = gcServer();
  const call = async (method: string, route: string, body?: unknown): Promise<GcRunDetail> => {
    const res = await callJson<GcRunDetail>(server, method, `/system/gc${route}`, body);
    if (res.status < 200 || res.status > 299) throw new Error(`${method} ${route}: ${res.status} ${apiMessage(res.status, res.text)}`);
    return res.body;
  };
  let run = await call('POST', '/runs', { dryRun: args.dryRun, deleteUntagged: args.deleteUntagged, ...(args.workers ? { workers: args.workers } : {}) });
  onInterrupt(() => call('POST', `/runs/${run.id}/stop`).then(() => undefined));
  while (run.status === 'running') {
    progress(run);
    await sleep(1000);
    run = await call('GET', `/runs/${run.id}`);
  }
  return run;
}

/** BERTH_URL and the credentials; missing or wrong, they are a usage error (only an administrator may run gc, and --direct needs no server). */
function gcServer(): Server {
  try {
    return serverFrom(undefined, 'set BERTH_USERNAME and BERTH_PASSWORD (a system administrator), or use --direct');
  } catch (err) {
    throw err instanceof CliError ? new UsageError(err.message) : err;
  }
}

async function direct(args: Args): Promise<GcRunDetail> {
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? undefined
    : await EmbeddedPostgres.start({ dataDir: path.join(config.dataDir, 'postgres'), port: config.embeddedPgPort, log: () => undefined });
  const dataSource = createDataSource(config.databaseUrl ?? embedded!.url);
  try {
    await dataSource.initialize();
    await runMigrations(dataSource);
    const collector = new GarbageCollector(dataSource, new FilesystemDriver({ rootDirectory: config.storageDir }), config.gc, async (repository, db) => {
      await db.query('SELECT pg_notify($1, $2)', ['berth_registry_changes', repository]);
    });
    const started = await collector.start({
      dryRun: args.dryRun,
      deleteUntagged: args.deleteUntagged,
      workers: args.workers ?? config.gc.workers,
      trigger: 'cli',
      triggeredBy: process.env.USER ?? null,
    });
    if (!started) throw new Error('another garbage collection is running on this database');
    onInterrupt(async () => {
      await dataSource.query('UPDATE gc_run SET stop_requested = true WHERE id = $1', [started.runId]);
    });
    const runs = new GcRunRepository(dataSource);
    const read = async (): Promise<GcRunDetail> => (await runs.find(started.runId))!;
    const ticker = setInterval(() => void read().then(progress, () => undefined), 1000);
    await started.done;
    clearInterval(ticker);
    return await read();
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await embedded?.stop();
  }
}

function progress(run: Pick<GcRunDetail, 'phase' | 'done' | 'total' | 'bytesFreed'>): void {
  const share = run.total > 0 ? ` ${Math.floor((100 * run.done) / run.total)}%` : '';
  process.stderr.write(`\r${run.phase.padEnd(8)} ${run.done}/${run.total}${share}  freed ${mib(run.bytesFreed)}      `);
}

function report(run: GcRunDetail): void {
  process.stderr.write('\n');
  for (const line of run.log ?? []) process.stdout.write(`${line.at} ${line.level.padEnd(5)} ${line.message}\n`);
  process.stdout.write(
    `run ${run.id} ${run.status}${run.dryRun ? ' (dry run: nothing was deleted)' : ''} in ${((run.durationMs ?? 0) / 1000).toFixed(1)} s: ` +
      `${run.blobsDeleted} blobs, ${run.manifestsDeleted} manifests, ${run.uploadsDeleted} uploads, ${run.orphansDeleted} orphan files, ` +
      `${mib(run.bytesFreed)} ${run.dryRun ? 'to free' : 'freed'}, ${run.rescued} rescued${run.error ? `; error: ${run.error}` : ''}\n`,
  );
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function onInterrupt(stop: () => Promise<void>): void {
  let asked = false;
  process.on('SIGINT', () => {
    if (asked) process.exit(130);
    asked = true;
    process.stderr.write('\nstopping at the next checkpoint (Ctrl-C again to leave it running)\n');
    stop().catch((err) => process.stderr.write(`could not ask the run to stop: ${String(err)}\n`));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `berth gc [options]`: 0 when the run succeeded, 1 when it failed or was stopped, 2 when it could not start. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  try {
    const args = parse(argv);
    if (args === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const run = args.direct ? await direct(args) : await viaServer(args);
    report(run);
    return run.status === 'succeeded' ? 0 : 1;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    else process.stderr.write(`garbage collection failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
