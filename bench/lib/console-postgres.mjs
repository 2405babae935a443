// The embedded PostgreSQL of a Berth started by servers.mjs: where it is, how to log in, and the
// server-side figures the console bench reads from it (transaction counters, plans).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** Must match apps/api/src/database/embedded-postgres.ts (ROOT_FALLBACK_DIR, the database name). */
const ROOT_FALLBACK_DIR = '/var/lib/berth';
export const BERTH_DATABASE = 'berth';

/**
 * Finds the cluster Berth started under `dataDir`: `<dataDir>/postgres`, or, when root had to move it
 * because a 0700 parent kept the postgres user out, `/var/lib/berth/postgres-<sha256(path)[:12]>`.
 * The superuser password sits beside the cluster (`<cluster>.credentials.json`, mode 0600, written by
 * Berth as this same user); the port is line 4 of postmaster.pid.
 */
export function locateEmbeddedPostgres(dataDir) {
  const own = path.resolve(dataDir, 'postgres');
  const candidates = [own, path.join(ROOT_FALLBACK_DIR, `postgres-${crypto.createHash('sha256').update(own).digest('hex').slice(0, 12)}`)];
  for (const cluster of candidates) {
    let pid;
    try {
      pid = fs.readFileSync(path.join(cluster, 'postmaster.pid'), 'utf8').split('\n');
    } catch {
      continue;
    }
    const port = Number(pid[3]);
    const { password } = JSON.parse(fs.readFileSync(`${cluster}.credentials.json`, 'utf8'));
    if (!Number.isInteger(port) || port <= 0) throw new Error(`${cluster}/postmaster.pid: no port on line 4`);
    return { cluster, relocated: cluster !== own, port, password, postmasterPid: Number(pid[0]) };
  }
  throw new Error(`no running embedded PostgreSQL found for ${dataDir} (looked in ${candidates.join(', ')})`);
}

export async function connect(location, database) {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: location.port,
    user: 'postgres',
    password: location.password,
    database,
    application_name: 'berth-console-bench',
  });
  await client.connect();
  return client;
}

/** Removes a cluster root had to relocate (servers.mjs only removes the data dir it created). */
export function removeRelocatedCluster(location) {
  if (!location?.relocated) return true;
  fs.rmSync(location.cluster, { recursive: true, force: true, maxRetries: 3 });
  fs.rmSync(`${location.cluster}.credentials.json`, { force: true });
  return !fs.existsSync(location.cluster);
}

/**
 * Committed plus rolled-back transactions of Berth's database, read from a connection to another
 * database (`postgres`) so that reading them does not count. Without an explicit transaction every
 * statement is its own, so a delta over a batch of requests counts the statements they caused.
 */
export async function transactionCount(probe) {
  const { rows } = await probe.query(`SELECT (xact_commit + xact_rollback)::float8 AS n FROM pg_stat_database WHERE datname = $1`, [BERTH_DATABASE]);
  return rows[0].n;
}

/**
 * Backends publish their counters to pg_stat_database at most once a second, and an idle backend
 * with unpublished counts does so 10 s after it went idle (PGSTAT_MIN_INTERVAL and PGSTAT_IDLE_INTERVAL
 * in PostgreSQL's pgstat.c). So after `quietMs` without requests every count is published; the value
 * is then read until it stops moving.
 */
export async function settledTransactionCount(probe, quietMs) {
  await sleep(quietMs);
  let last = await transactionCount(probe);
  for (let i = 0; i < 10; i++) {
    await sleep(500);
    const now = await transactionCount(probe);
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** EXPLAIN (ANALYZE, BUFFERS) of a read-only statement as Berth sent it; undefined for anything that writes. */
export async function explainAnalyze(client, text, values) {
  if (!/^\s*(SELECT|WITH)\b/i.test(text) || /\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(text)) return undefined;
  await client.query('BEGIN READ ONLY');
  try {
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values ?? []);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK');
  }
}
