#!/usr/bin/env node
// Console API latency on a registry the size of a real one: seeds 100 projects, 10,000 repositories and
// 100,000 tags straight into a fresh Berth's embedded PostgreSQL, then times the list, detail and search
// endpoints (p50/p95/p99, sequential and concurrent, as admin, member and anonymous) against a p95 target,
// and counts the SQL statements each request costs.
// Usage: npm run bench:console [-- --quick]; knobs are documented in bench/README.md.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeConnections, request } from './lib/http.mjs';
import { freePort, startBerth } from './lib/servers.mjs';
import { readConsoleOptions } from './lib/console-options.mjs';
import { TAGS_PER_REPOSITORY } from './lib/console-catalog.mjs';
import { dropTemp, seed, writeConfigBlobs } from './lib/console-seed.mjs';
import { connect, locateEmbeddedPostgres, removeRelocatedCluster } from './lib/console-postgres.mjs';
import { BASIC_AUTH_ENDPOINT, ENDPOINTS, PRINCIPALS, randomSource, targetPool } from './lib/console-endpoints.mjs';
import { sqlTap, startCpuMeter } from './lib/console-measure.mjs';
import { formatSlow, latencyTable, pageSizeTable, transactionTable, writeJson } from './lib/console-report.mjs';
import { explainSlow, measureEndpoint, pageSizeChecks, sanityChecks, transactionChecks } from './lib/console-runs.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] console: ${msg}\n`);
const MEMBER = 'bench-member';

/** What has to be stopped or closed if the run ends early. */
const held = { berth: undefined, location: undefined, clients: [] };

async function cleanup() {
  for (const client of held.clients.splice(0)) await client.end().catch(() => {});
  let stopped;
  if (held.berth) {
    stopped = await held.berth.stop();
    stopped.relocatedClusterRemoved = removeRelocatedCluster(held.location);
    const s = stopped;
    say(`Berth stopped${s.forced ? ' (had to SIGKILL)' : ''}; temp dir ${s.tempDirRemoved ? 'removed' : `NOT removed: ${held.berth.tempDir}`}`);
    held.berth = undefined;
  }
  closeConnections();
  return stopped;
}

function onAbort(reason, code) {
  say(`${reason}: stopping Berth and removing its temp dir`);
  cleanup().finally(() => process.exit(code));
}

function loadOci(opts) {
  for (const file of [opts.berthMain, opts.ociLib]) {
    if (!fs.existsSync(file)) {
      console.error(`Berth is not built: ${path.relative(repoRoot, file)} is missing. Run \`npm run build\` first.`);
      process.exit(1);
    }
  }
  // The seed computes tag sort keys with the very code the server uses.
  return createRequire(import.meta.url)(opts.ociLib);
}

/** Starts Berth with the SQL tap preloaded: NODE_OPTIONS reaches it through servers.mjs, which copies process.env. */
async function startTappedBerth(opts) {
  const tapPort = await freePort();
  const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, port: process.env.BERTH_BENCH_SQL_TAP_PORT, slow: process.env.BERTH_BENCH_SQL_TAP_SLOW_MS };
  process.env.NODE_OPTIONS = `${saved.NODE_OPTIONS ?? ''} --require ${JSON.stringify(opts.sqlTap)}`.trim();
  process.env.BERTH_BENCH_SQL_TAP_PORT = String(tapPort);
  process.env.BERTH_BENCH_SQL_TAP_SLOW_MS = String(opts.slowSqlMs);
  try {
    return { berth: await startBerth({ berthMain: opts.berthMain, repoRoot }), tapOrigin: `http://127.0.0.1:${tapPort}` };
  } finally {
    for (const [key, value] of [['NODE_OPTIONS', saved.NODE_OPTIONS], ['BERTH_BENCH_SQL_TAP_PORT', saved.port], ['BERTH_BENCH_SQL_TAP_SLOW_MS', saved.slow]]) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

async function apiJson(origin, method, path, { headers, body } = {}) {
  const res = await request(origin, method, path, {
    anonymous: true,
    headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  let json;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {}
  return { status: res.status, json, headers: res.headers, text: res.body.toString('utf8').slice(0, 500) };
}

/** POST /api/v1/auth/login: the session cookie the console's browser would send. */
async function sessionHeaders(origin, username, password) {
  const res = await apiJson(origin, 'POST', '/api/v1/auth/login', { body: { username, password } });
  if (res.status !== 200) throw new Error(`login as ${username} answered ${res.status}: ${res.text}`);
  const cookies = [res.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]);
  return { Cookie: cookies.join('; ') };
}

const basicHeader = (user, password) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

async function main() {
  let opts;
  try {
    opts = readConsoleOptions(process.argv.slice(2), repoRoot);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
  const oci = loadOci(opts);
  try {
    // Found out now rather than after a quarter of an hour of measuring.
    fs.mkdirSync(opts.resultsDir, { recursive: true });
    fs.accessSync(opts.resultsDir, fs.constants.W_OK);
  } catch (err) {
    console.error(`cannot write results to ${opts.resultsDir}: ${err.message}`);
    process.exit(1);
  }
  process.on('SIGINT', () => onAbort('interrupted', 130));
  process.on('SIGTERM', () => onAbort('terminated', 143));
  setTimeout(() => onAbort(`BENCH_MAX_MINUTES=${opts.maxMinutes} exceeded`, 2), opts.maxMinutes * 60_000).unref();
  const startedAt = new Date();

  say('starting Berth (fresh data dir, embedded PostgreSQL, SQL tap preloaded)');
  const { berth, tapOrigin } = await startTappedBerth(opts);
  held.berth = berth;
  const origin = berth.origin;
  const adminPassword = Buffer.from(berth.basic.slice('Basic '.length), 'base64').toString('utf8').slice('admin:'.length);
  const location = locateEmbeddedPostgres(berth.tempDir);
  held.location = location;
  say(`Berth on ${origin} (pid ${berth.pid}), PostgreSQL on 127.0.0.1:${location.port} (${location.cluster})`);
  const db = await connect(location, 'berth');
  held.clients.push(db);
  // Counters are read from another database, so reading them is not counted in Berth's.
  const probe = await connect(location, 'postgres');
  held.clients.push(probe);

  const memberPassword = `bench-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const created = await apiJson(origin, 'POST', '/api/v1/users', {
    headers: basicHeader('admin', adminPassword),
    body: { username: MEMBER, password: memberPassword, displayName: 'Console bench member' },
  });
  if (created.status !== 201 && created.status !== 200) throw new Error(`POST /api/v1/users answered ${created.status}: ${created.text}`);
  const { rows: users } = await db.query(`SELECT username, id::text AS id FROM app_user WHERE username IN ('admin', $1)`, [MEMBER]);
  const ids = Object.fromEntries(users.map((u) => [u.username === 'admin' ? 'admin' : 'member', u.id]));

  say(`seeding ${opts.scale.projects} projects, ${opts.scale.repositories} repositories, ${opts.scale.repositories * TAGS_PER_REPOSITORY} tags`);
  const seeded = await seed(db, { scale: opts.scale, ids, oci, log: say });
  say(
    `seeded in ${seeded.totalSeconds.toFixed(1)} s (inserts ${seeded.insertSeconds.toFixed(1)} s, VACUUM ANALYZE + CHECKPOINT ${seeded.vacuumSeconds.toFixed(1)} s): ` +
      `${Object.entries(seeded.counts).filter(([k]) => k !== 'databaseBytes').map(([k, v]) => `${v} ${k}`).join(', ')}; database ${(seeded.counts.databaseBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  const rnd = randomSource(opts.seed);
  const pool = targetPool(opts.scale, rnd, opts.poolSize);
  const configs = await writeConfigBlobs(db, path.join(berth.tempDir, 'storage'), pool.repositories.map((r) => r.name));
  await dropTemp(db);
  say(`target pool: ${pool.repositories.length} repositories; ${configs} config blobs written to storage for their latest images`);

  PRINCIPALS.anonymous.headers = {};
  PRINCIPALS.adminBasic.headers = basicHeader('admin', adminPassword);
  if (opts.auth === 'basic') {
    PRINCIPALS.admin.headers = basicHeader('admin', adminPassword);
    PRINCIPALS.member.headers = basicHeader(MEMBER, memberPassword);
  } else {
    PRINCIPALS.admin.headers = await sessionHeaders(origin, 'admin', adminPassword);
    PRINCIPALS.member.headers = await sessionHeaders(origin, MEMBER, memberPassword);
  }
  const problems = await sanityChecks(origin, PRINCIPALS.admin.headers, pool);
  for (const p of problems) say(`seed check: ${p}`);

  const ctx = { opts, origin, tap: sqlTap(tapOrigin), pool, rnd, db, probe, missing: new Set(), log: say };
  // Other work on the machine shows in every figure: measure how much CPU it took meanwhile.
  const cpuMeter = startCpuMeter([process.pid, berth.pid]);
  const runs = [];
  for (const endpoint of [...ENDPOINTS, BASIC_AUTH_ENDPOINT]) {
    for (const who of endpoint.who) {
      const result = await measureEndpoint(ctx, endpoint, who);
      if (result.some((r) => r.missing)) ctx.missing.add(endpoint.id);
      runs.push(...result);
    }
  }
  const tapActive = runs.some((r) => r.statementsPerRequest > 0);
  if (!tapActive) say('the SQL tap counted nothing: statement counts are n/a (is Berth still using `pg`?)');
  say('page-size check of the list endpoints');
  const pageSizes = await pageSizeChecks(ctx);
  const transactions = opts.transactionCheck ? await transactionChecks(ctx) : undefined;
  const otherCpu = cpuMeter.stop();
  const { slow, cold, concurrentOnly } = await explainSlow(ctx, runs);
  const stop = await cleanup();

  const doc = {
    options: { ...opts, berthMain: undefined, ociLib: undefined, sqlTap: undefined, resultsDir: undefined, repoRoot: undefined },
    seed: { ...seeded, configBlobsWritten: configs, problems, poolSize: pool.repositories.length },
    runs: runs.map(({ slowStatements, coldStatements, ...r }) => ({ ...r, slowStatements: slowStatements?.slice(0, 5), coldStatements: coldStatements?.slice(0, 5) })),
    pageSizes,
    transactions,
    slow,
    cold,
    concurrentOnly,
    otherCpu,
    stop,
  };
  const file = writeJson(opts.resultsDir, startedAt, doc);

  console.log('');
  console.log(
    `Console API latency, ms (${opts.scale.projects} projects, ${seeded.counts.repository} repositories, ${seeded.counts.tag} tags, ${seeded.counts.manifest} manifests, ${seeded.counts.blob} blobs)` +
      `${opts.quick ? ' (--quick: smoke test, the numbers mean little)' : ''}`,
  );
  console.log(
    `Seeding: ${seeded.totalSeconds.toFixed(1)} s (inserts ${seeded.insertSeconds.toFixed(1)} s, VACUUM ANALYZE + CHECKPOINT ${seeded.vacuumSeconds.toFixed(1)} s). ` +
      `Signed-in callers use ${opts.auth === 'basic' ? 'Basic credentials' : 'a session cookie'}; ${opts.requests} requests per run${opts.maxRunSeconds ? `, at most ${opts.maxRunSeconds} s (* = cut short)` : ''}.`,
  );
  if (otherCpu) {
    console.log(
      `Other processes used ${(otherCpu.share * 100).toFixed(0)} % of the machine's CPU time while the runs were measured` +
        (otherCpu.share > 0.1 ? ': the figures are inflated; rerun on a quiet machine.' : '.'),
    );
  }
  console.log(latencyTable(runs, opts.targetMs));
  console.log('\nSQL statements per request by page size (a per-row query would grow with the page):');
  console.log(pageSizeTable(pageSizes));
  if (transactions) {
    console.log('\nCross-check of the statement counts by PostgreSQL (pg_stat_database transactions; every statement outside BEGIN is one):');
    console.log(transactionTable(transactions));
  }
  if (slow.length > 0) {
    console.log(`\nEndpoints whose sequential p95 missed ${opts.targetMs} ms, with their slowest statement and its plan:`);
    console.log(formatSlow(slow));
  }
  if (cold.length > 0) {
    console.log(`\nWithin the target when warm, but the first request (caches empty) took over ${opts.targetMs} ms:`);
    console.log(formatSlow(cold));
  }
  if (concurrentOnly.length > 0) {
    console.log(`\nMissed ${opts.targetMs} ms only with ${opts.concurrency} requests in flight (sequential p95 within the target; the requests queue for the CPUs):`);
    for (const c of concurrentOnly) console.log(`  ${c.label}: ${c.summary}`);
  }
  if (problems.length > 0) console.log(`\nSeed check problems:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  const summary = (concurrency) => {
    const measured = runs.filter((r) => !r.missing && r.who !== PRINCIPALS.adminBasic.id && (concurrency === 1 ? r.concurrency === 1 : r.concurrency > 1));
    const failed = measured.filter((r) => r.status?.startsWith('FAIL'));
    return `${failed.length} of ${measured.length} runs missed p95 < ${opts.targetMs} ms`;
  };
  const missing = [...ctx.missing];
  const basic = runs.find((r) => r.who === PRINCIPALS.adminBasic.id && r.concurrency === 1);
  console.log(`\nSequential: ${summary(1)}. With ${opts.concurrency} in flight: ${summary(opts.concurrency)}.${missing.length ? ` Missing routes: ${missing.join(', ')}.` : ''}`);
  if (basic?.p95 !== undefined) console.log(`With Basic credentials instead of a session, ${basic.label} takes p95 ${basic.p95.toFixed(1)} ms (argon2 per request).`);
  console.log(`Results written to ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err.stack ?? err.message);
  cleanup().finally(() => process.exit(1));
});
