#!/usr/bin/env node
// Garbage collection at scale: seeds 20,000 manifests and 100,000 blobs (half of them unreferenced, every
// one a real file in storage) into a fresh Berth, times a dry run, then real runs, reporting mark, sweep,
// upload and orphan phase times, and the latency a client pulling images at the same moment sees,
// against the same client with no GC running. Verifies afterwards that exactly the garbage went.
// Usage: npm run bench:gc [-- --quick]; knobs are documented in bench/README.md.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeConnections, expectStatus, request, setAuthorization } from './lib/http.mjs';
import { startBerth } from './lib/servers.mjs';
import { connect, explainAnalyze, locateEmbeddedPostgres, removeRelocatedCluster } from './lib/console-postgres.mjs';
import { uploadBuffer } from './lib/registry-client.mjs';
import { blobFile, countRows, gcScale, GC_PROJECT, inParallel, prng, OCI_CONFIG, OCI_LAYER, OCI_MANIFEST, seedGarbage, seedRegistry } from './lib/gc-seed.mjs';
import { startPullers, summarize, tokenSource } from './lib/gc-pull.mjs';
import { startCpuMeter } from './lib/console-measure.mjs';
import { intFromEnv } from './lib/options.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] gc: ${msg}\n`);

/** The mark query of apps/api/src/gc/garbage-collector.ts (mark()), for EXPLAIN ANALYZE: keep the two in step. */
const MARK_QUERY = `SELECT b.digest, b.size::float8 AS size, b.version::text AS version FROM blob b
       WHERE (b.state = 'deleting' OR b.touched_at < now() - make_interval(secs => $1))
         AND NOT EXISTS (SELECT 1 FROM manifest_blob mb WHERE mb.digest = b.digest AND NOT (mb.manifest_id = ANY($2::bigint[])))
       ORDER BY b.digest`;

// ---------------------------------------------------------------- options

function readOptions(argv) {
  const quick = argv.includes('--quick');
  const unknown = argv.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`unknown argument(s): ${unknown.join(' ')} (only --quick is accepted)`);
  const workersRaw = process.env.BENCH_GC_WORKERS?.trim() || '4';
  const workers = workersRaw.split(',').map((w) => Number(w.trim()));
  if (workers.some((w) => !Number.isInteger(w) || w < 1 || w > 64)) throw new Error(`BENCH_GC_WORKERS=${JSON.stringify(workersRaw)}: expected integers 1-64, comma-separated`);
  const baseline = process.env.BENCH_GC_BASELINE_SECONDS?.trim();
  return {
    quick,
    repositories: intFromEnv('BENCH_GC_REPOSITORIES', quick ? 100 : 1000, { min: 10, max: 100_000 }),
    workers,
    pullers: intFromEnv('BENCH_GC_PULLERS', 4, { max: 64 }),
    pauseMs: intFromEnv('BENCH_GC_PULL_PAUSE_MS', 0, { min: 0, max: 60_000 }),
    baselineSeconds: baseline ? intFromEnv('BENCH_GC_BASELINE_SECONDS', 20, { max: 3600 }) : undefined,
    targetSeconds: intFromEnv('BENCH_GC_TARGET_SECONDS', 60, { max: 3600 }),
    pollMs: intFromEnv('BENCH_GC_POLL_MS', 200, { min: 20, max: 10_000 }),
    sample: intFromEnv('BENCH_GC_VERIFY_SAMPLE', 1000, { max: 10_000_000 }),
    maxMinutes: intFromEnv('BENCH_MAX_MINUTES', 30, { max: 24 * 60 }),
    berthMain: path.join(repoRoot, 'dist/apps/api/src/main.js'),
    ociLib: path.join(repoRoot, 'dist/libs/oci/src/index.js'),
    resultsDir: path.join(repoRoot, 'bench/results'),
  };
}

// ---------------------------------------------------------------- lifecycle

const held = { berth: undefined, location: undefined, db: undefined };

async function cleanup() {
  await held.db?.end().catch(() => {});
  held.db = undefined;
  let stopped;
  if (held.berth) {
    stopped = await held.berth.stop();
    stopped.relocatedClusterRemoved = removeRelocatedCluster(held.location);
    say(`Berth stopped${stopped.forced ? ' (had to SIGKILL)' : ''}; temp dir ${stopped.tempDirRemoved ? 'removed' : `NOT removed: ${held.berth.tempDir}`}`);
    held.berth = undefined;
  }
  closeConnections();
  return stopped;
}

function onAbort(reason, code) {
  say(`${reason}: stopping Berth and removing its temp dir`);
  cleanup().finally(() => process.exit(code));
}

/** Builds the server when dist/ is missing or older than a source file (swc, a few seconds). */
function buildIfNeeded(opts) {
  const built = fs.existsSync(opts.berthMain) && fs.existsSync(opts.ociLib) ? fs.statSync(opts.berthMain).mtimeMs : 0;
  const newer = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && newer(full)) return true;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && fs.statSync(full).mtimeMs > built) return true;
    }
    return false;
  };
  const sources = ['apps/api/src', 'libs/oci/src', 'libs/storage/src', 'migrations'].map((d) => path.join(repoRoot, d));
  if (built && !sources.some(newer)) return false;
  say(built ? 'sources are newer than dist/: npm run build:server' : 'dist/ is missing: npm run build:server');
  execFileSync('npm', ['run', 'build:server', '--silent'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  return true;
}

/** startBerth passes process.env on: the grace window goes to 0 so the seeded blobs are collectable at once. */
async function startGcBerth(opts) {
  const saved = process.env.BERTH_GC_GRACE_SECONDS;
  process.env.BERTH_GC_GRACE_SECONDS = '0';
  try {
    return await startBerth({ berthMain: opts.berthMain, repoRoot });
  } finally {
    if (saved === undefined) delete process.env.BERTH_GC_GRACE_SECONDS;
    else process.env.BERTH_GC_GRACE_SECONDS = saved;
  }
}

/** The seed leaves ~1 GiB of new files and directories dirty in the page cache: written back now, not during a measurement. */
function flushDisk() {
  const t0 = performance.now();
  try {
    execFileSync('sync', [], { stdio: 'ignore', timeout: 120_000 });
    say(`sync: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    say(`sync failed (${err.message}); going on`);
  }
}

// ---------------------------------------------------------------- HTTP: pushes and the console API

/** A small image pushed through /v2 (Basic credentials): a real config and `layerSizes` random layers. */
async function pushImage(origin, repo, tag, layerSizes) {
  const layers = [];
  for (const size of layerSizes) layers.push(await uploadBuffer(origin, repo, crypto.randomBytes(size)));
  const configBytes = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['serve'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } }),
  );
  const config = await uploadBuffer(origin, repo, configBytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: OCI_LAYER, digest: l.digest, size: l.size })),
    }),
  );
  const put = await request(origin, 'PUT', `/v2/${repo}/manifests/${tag}`, {
    headers: { 'content-type': OCI_MANIFEST, 'content-length': String(manifest.length) },
    body: manifest,
  });
  expectStatus(put, 201, `PUT manifest ${repo}:${tag}`);
  return { repo, tag, blobs: [config, ...layers] };
}

/** A console session (cookie + CSRF token), so polling costs no argon2 verification per request. */
async function consoleSession(origin, password) {
  const res = await request(origin, 'POST', '/api/v1/auth/login', {
    anonymous: true,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  expectStatus(res, 200, 'POST /api/v1/auth/login');
  const cookies = [res.headers['set-cookie'] ?? []].flat().map((c) => c.split(';')[0]);
  const csrf = JSON.parse(res.body.toString('utf8')).csrfToken;
  return { Cookie: cookies.join('; '), 'X-CSRF-Token': csrf };
}

async function apiJson(origin, session, method, p, body) {
  const res = await request(origin, method, p, {
    anonymous: true,
    headers: { ...session, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  let json;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {}
  return { status: res.status, json, text: res.body.toString('utf8').slice(0, 500) };
}

const PHASES = ['starting', 'untagged', 'mark', 'sweep', 'uploads', 'orphans', 'done'];

/**
 * POST a run, then GET it every `pollMs` until it has ended, noting when each phase was first seen.
 * Phase boundaries are therefore known to within one poll interval; the end of mark also from the
 * run's own log line ("marked N unreferenced blobs"), which carries a timestamp.
 */
async function gcRun(origin, session, body, pollMs) {
  const postAt = Date.now();
  const started = await apiJson(origin, session, 'POST', '/api/v1/system/gc/runs', body);
  if (started.status !== 202) throw new Error(`POST /api/v1/system/gc/runs answered ${started.status}: ${started.text}`);
  const id = started.json.id;
  const seen = new Map([[started.json.phase, Date.now()]]);
  let run = started.json;
  let polls = 0;
  let pollErrors = 0;
  while (run.status === 'running') {
    await sleep(pollMs);
    const got = await apiJson(origin, session, 'GET', `/api/v1/system/gc/runs/${id}`);
    polls += 1;
    if (got.status !== 200) {
      pollErrors += 1;
      if (pollErrors > 20) throw new Error(`GET gc run ${id} keeps failing: ${got.status} ${got.text}`);
      continue;
    }
    run = got.json;
    if (!seen.has(run.phase)) seen.set(run.phase, Date.now());
  }
  const endAt = Date.now();
  return { run, postAt, endAt, seen, polls, phases: phaseTimes(run, seen) };
}

/** Client-clock windows of the phases a poll saw, for pull latency per phase (phases under a second are left out). */
function phaseWindows(r) {
  const order = PHASES.filter((p) => r.seen.has(p) && p !== 'done' && p !== 'starting');
  return order
    .map((phase, i) => ({ phase, from: r.seen.get(phase), to: i + 1 < order.length ? r.seen.get(order[i + 1]) : r.endAt }))
    .filter((w) => w.to - w.from >= 1000);
}

/** Seconds per phase: from its start to the next phase's start (a phase never seen between two polls lasted ~0). */
function phaseTimes(run, seen) {
  const startedAt = Date.parse(run.startedAt);
  const finishedAt = run.finishedAt ? Date.parse(run.finishedAt) : undefined;
  const starts = {};
  // Walk backwards so a phase not seen starts where the next seen one does.
  let next = finishedAt;
  for (let i = PHASES.length - 2; i >= 0; i--) {
    const p = PHASES[i];
    starts[p] = seen.has(p) ? seen.get(p) : next;
    next = starts[p];
  }
  starts.starting = startedAt;
  // Without the untagged phase, mark starts with the run (the `starting` phase is one row update).
  starts.mark = run.deleteUntagged ? Math.max(startedAt, Math.min(starts.mark ?? startedAt, starts.sweep ?? finishedAt)) : startedAt;
  const marked = run.log?.find((l) => /^marked \d+ unreferenced blobs/.test(l.message));
  if (marked) starts.sweep = Date.parse(marked.at);
  const span = (a, b) => (starts[a] !== undefined && b !== undefined ? Math.max(0, (b - starts[a]) / 1000) : undefined);
  return {
    untagged: span('untagged', starts.mark),
    mark: span('mark', starts.sweep),
    sweep: span('sweep', starts.uploads),
    uploads: span('uploads', starts.orphans),
    orphans: span('orphans', finishedAt),
  };
}

// ---------------------------------------------------------------- checks

async function existing(storageDir, digests) {
  let present = 0;
  await inParallel(digests, 64, async (d) => {
    try {
      await fs.promises.access(blobFile(storageDir, d));
      present += 1;
    } catch {}
  });
  return present;
}

/** Files of `digests` that are present and hash to their digest. */
async function intact(storageDir, digests) {
  let good = 0;
  const bad = [];
  await inParallel(digests, 32, async (d) => {
    try {
      const buf = await fs.promises.readFile(blobFile(storageDir, d));
      if (`sha256:${crypto.createHash('sha256').update(buf).digest('hex')}` === d) good += 1;
      else bad.push(`${d}: content does not match`);
    } catch (err) {
      bad.push(`${d}: ${err.code ?? err.message}`);
    }
  });
  return { good, bad };
}

function sampleOf(list, n, rnd) {
  if (list.length <= n) return [...list];
  const copy = [...list];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rnd() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

// ---------------------------------------------------------------- formatting

const int = (n) => (n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const sec = (s) => (s === undefined ? 'n/a' : `${s.toFixed(1)} s`);
const msf = (v) => (v === undefined ? 'n/a' : v.toFixed(1));
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;

function table(header, rows, { leftColumns = 1 } = {}) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < leftColumns ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function runRow(label, r) {
  const ph = r.phases;
  return [
    label,
    r.run.workers,
    sec(ph.mark),
    sec(ph.sweep),
    sec(ph.uploads),
    sec(ph.orphans),
    sec(r.run.durationMs / 1000),
    int(r.run.blobsDeleted),
    mib(r.run.bytesFreed),
    int(r.run.rescued),
    int(r.run.orphansDeleted),
    r.run.status,
    share(r.otherCpu),
  ];
}

/** CPU of the machine other processes (not the bench, Berth, its PostgreSQL) took in a window. */
function share(cpu) {
  return cpu ? `${(cpu.share * 100).toFixed(0)} %` : '';
}

function pullRow(label, s) {
  return [label, sec(s.seconds), int(s.requests), s.perSecond === undefined ? 'n/a' : s.perSecond.toFixed(0), int(s.errors), msf(s.p50), msf(s.p95), msf(s.p99), msf(s.max), share(s.otherCpu)];
}

// ---------------------------------------------------------------- main

async function main() {
  let opts;
  try {
    opts = readOptions(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
  fs.mkdirSync(opts.resultsDir, { recursive: true });
  buildIfNeeded(opts);
  // What is about to run, read now: others may commit while the bench runs.
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    if (execFileSync('git', ['status', '--porcelain', '--', 'apps', 'libs', 'migrations'], { cwd: repoRoot, encoding: 'utf8' }).trim()) commit += ' + uncommitted changes';
  } catch {}
  commit += `, dist/ built ${new Date(fs.statSync(opts.berthMain).mtimeMs).toISOString().slice(0, 19)}Z`;
  const oci = createRequire(import.meta.url)(opts.ociLib);
  process.on('SIGINT', () => onAbort('interrupted', 130));
  process.on('SIGTERM', () => onAbort('terminated', 143));
  setTimeout(() => onAbort(`BENCH_MAX_MINUTES=${opts.maxMinutes} exceeded`, 2), opts.maxMinutes * 60_000).unref();
  const startedAt = new Date();
  const scale = gcScale(opts.repositories);
  const checks = [];
  const check = (ok, text) => {
    checks.push({ ok, text });
    say(`${ok ? 'PASS' : 'FAIL'} ${text}`);
  };

  say('starting Berth (fresh data dir, embedded PostgreSQL, BERTH_GC_GRACE_SECONDS=0)');
  const berth = await startGcBerth(opts);
  held.berth = berth;
  const origin = berth.origin;
  const adminPassword = Buffer.from(berth.basic.slice('Basic '.length), 'base64').toString('utf8').slice('admin:'.length);
  const storageDir = path.join(berth.tempDir, 'storage');
  const location = locateEmbeddedPostgres(berth.tempDir);
  held.location = location;
  const db = await connect(location, 'berth');
  held.db = db;
  say(`Berth on ${origin} (pid ${berth.pid}), PostgreSQL on 127.0.0.1:${location.port}, storage ${storageDir}`);

  // ---- seed
  const { rows: admins } = await db.query(`SELECT id::text AS id FROM app_user WHERE username = 'admin'`);
  say(`seeding ${int(scale.repositories)} repositories, ${int(scale.manifests)} manifests, ${int(scale.blobs)} blobs (${int(scale.referenced)} referenced) with files`);
  const seeded = await seedRegistry(db, { storageDir, scale, adminId: admins[0].id, oci, log: say });
  say(`seeded in ${seeded.timings.totalSeconds.toFixed(1)} s`);
  flushDisk();

  // Real images over /v2 with the admin's Basic credentials (docker would trade them for a token first; Berth takes both).
  setAuthorization(origin, berth.basic);
  const p0 = performance.now();
  const pushed = [];
  const layerSizes = [[4 * 1024, 64 * 1024], [16 * 1024, 256 * 1024], [32 * 1024, 512 * 1024, 8 * 1024], [1024 * 1024]];
  for (let i = 0; i < layerSizes.length; i++) pushed.push(await pushImage(origin, `${GC_PROJECT}/pushed-${i}`, 'latest', layerSizes[i]));
  const pushSeconds = (performance.now() - p0) / 1000;
  say(`pushed ${pushed.length} images over /v2 in ${pushSeconds.toFixed(1)} s`);
  const pushedDigests = pushed.flatMap((p) => p.blobs.map((b) => b.digest));

  const before = await countRows(db);
  const referencedCount = before.referenced_blobs;
  const storageBytes = Number(before.blob_bytes);
  say(`rows: ${Object.entries(before).map(([k, v]) => `${int(Number(v))} ${k}`).join(', ')}`);

  // ---- pull targets: every pushed image, and the `latest` or a version tag of 40 seeded repositories
  const rnd = prng(7);
  const seededTargets = [];
  const stride = Math.max(1, Math.floor(scale.repositories / 40));
  for (let r = 0; r < scale.repositories && seededTargets.length < 40; r += stride) {
    const tag = seededTargets.length % 2 === 0 ? 'latest' : `1.${Math.floor(rnd() * 20)}.0`;
    seededTargets.push({ repo: seeded.repoName(r), tag });
  }
  // Half the pulls go to pushed images (weight by repetition), half to seeded ones.
  const pushedTargets = pushed.map((p) => ({ repo: p.repo, tag: p.tag }));
  const targets = [...seededTargets, ...Array.from({ length: seededTargets.length }, (_, i) => pushedTargets[i % pushedTargets.length])];
  const tokens = tokenSource(origin, berth.basic);
  await tokens.warm([...new Set(targets.map((t) => t.repo))]);
  const session = await consoleSession(origin, adminPassword);

  // ---- dry run over the same data, no pulls
  say(`dry run (${opts.workers[0]} workers)`);
  const ours = [process.pid, berth.pid];
  const dryMeter = startCpuMeter(ours);
  const dry = await gcRun(origin, session, { dryRun: true, deleteUntagged: false, workers: opts.workers[0] }, opts.pollMs);
  dry.otherCpu = dryMeter.stop();
  say(`dry run ${dry.run.status} in ${(dry.run.durationMs / 1000).toFixed(1)} s: would delete ${int(dry.run.blobsDeleted)} blobs (${mib(dry.run.bytesFreed)})`);
  const afterDry = await countRows(db);
  check(dry.run.status === 'succeeded', `dry run succeeded (status ${dry.run.status}${dry.run.error ? `: ${dry.run.error}` : ''})`);
  check(afterDry.blob === before.blob, `dry run deleted no rows: ${int(before.blob)} blob rows before, ${int(afterDry.blob)} after`);
  check(dry.run.blobsDeleted === seeded.garbage.digests.length, `dry run counted ${int(dry.run.blobsDeleted)} collectable blobs, ${int(seeded.garbage.digests.length)} seeded as garbage`);
  const garbageSample = sampleOf(seeded.garbage.digests, opts.sample, rnd);
  const garbageLeft = await existing(storageDir, garbageSample);
  check(garbageLeft === garbageSample.length, `dry run deleted no files: ${int(garbageLeft)} of ${int(garbageSample.length)} sampled garbage files still there`);

  // ---- the mark query's plan, on this data (read-only; it runs the query once)
  say('EXPLAIN ANALYZE of the mark query');
  const markPlan = await explainAnalyze(db, MARK_QUERY, [0, []]);

  // ---- real runs
  const rounds = [];
  let garbage = seeded.garbage;
  let lastDuration = (3 * dry.run.durationMs) / 1000;
  for (let i = 0; i < opts.workers.length; i++) {
    const workers = opts.workers[i];
    if (i > 0) {
      say(`new garbage for the run with ${workers} workers`);
      garbage = await seedGarbage(db, storageDir, { count: scale.garbage, repositories: scale.repositories, round: i, source: seeded.source, log: say });
      await db.query('VACUUM (ANALYZE) blob, repository_blob');
      await db.query('CHECKPOINT');
      flushDisk();
    }
    const rowsBefore = await countRows(db);
    // As long as the run it is compared with will probably last: the previous real run's duration, or for
    // the first one three times the dry run's (which deletes nothing and runs without pulls).
    const baselineSeconds = opts.baselineSeconds ?? Math.min(60, Math.max(10, Math.ceil(lastDuration)));
    say(`baseline: ${opts.pullers} pull loops for ${baselineSeconds} s, no GC`);
    const basePullers = startPullers(origin, tokens, targets, { loops: opts.pullers, pauseMs: opts.pauseMs, seed: 11 + i });
    const b0 = Date.now();
    const baseMeter = startCpuMeter(ours);
    await sleep(baselineSeconds * 1000);
    const baseOtherCpu = baseMeter.stop();
    const b1 = Date.now();
    const base = await basePullers.stop();
    const baseline = {
      all: { ...summarize(base.samples, base.errors, b0, b1), otherCpu: baseOtherCpu },
      manifest: summarize(base.samples, base.errors, b0, b1, 'manifest'),
      blob: summarize(base.samples, base.errors, b0, b1, 'blob'),
    };

    say(`GC run with ${workers} workers, ${opts.pullers} pull loops running`);
    const pullers = startPullers(origin, tokens, targets, { loops: opts.pullers, pauseMs: opts.pauseMs, seed: 101 + i });
    await sleep(1000); // the loops are going before GC starts
    const realMeter = startCpuMeter(ours);
    const real = await gcRun(origin, session, { dryRun: false, deleteUntagged: false, workers }, opts.pollMs);
    real.otherCpu = realMeter.stop();
    const pulled = await pullers.stop();
    const during = {
      all: { ...summarize(pulled.samples, pulled.errors, real.postAt, real.endAt), otherCpu: real.otherCpu },
      manifest: summarize(pulled.samples, pulled.errors, real.postAt, real.endAt, 'manifest'),
      blob: summarize(pulled.samples, pulled.errors, real.postAt, real.endAt, 'blob'),
    };
    const byPhase = phaseWindows(real).map((w) => ({ phase: w.phase, ...summarize(pulled.samples, pulled.errors, w.from, w.to) }));
    const outside = summarize(pulled.samples, pulled.errors, 0, Number.MAX_SAFE_INTEGER);
    lastDuration = real.run.durationMs / 1000;
    say(`run ${real.run.status} in ${lastDuration.toFixed(1)} s: ${int(real.run.blobsDeleted)} blobs deleted, ${mib(real.run.bytesFreed)} freed; pulls ${int(during.all.requests)}, errors ${int(during.all.errors)}`);

    // ---- verify
    const rowsAfter = await countRows(db);
    const label = `(${workers} workers)`;
    check(real.run.status === 'succeeded', `${label} run succeeded (status ${real.run.status}${real.run.error ? `: ${real.run.error}` : ''})`);
    check(rowsAfter.blob === rowsBefore.referenced_blobs, `${label} blob rows = referenced blobs: ${int(rowsAfter.blob)} rows, ${int(rowsBefore.referenced_blobs)} referenced (before: ${int(rowsBefore.blob)} rows)`);
    check(real.run.blobsDeleted === garbage.digests.length, `${label} blobs deleted = garbage seeded: ${int(real.run.blobsDeleted)} of ${int(garbage.digests.length)}`);
    const { rows: garbageRows } = await db.query(`SELECT count(*)::int AS n FROM blob WHERE digest = ANY($1::text[])`, [garbage.digests]);
    const garbageFiles = await existing(storageDir, garbage.digests);
    check(garbageRows[0].n === 0 && garbageFiles === 0, `${label} garbage gone: ${int(garbageRows[0].n)} rows and ${int(garbageFiles)} files left of ${int(garbage.digests.length)}`);
    const refSample = sampleOf(seeded.referencedDigests, opts.sample, rnd);
    const kept = await intact(storageDir, [...refSample, ...pushedDigests]);
    check(
      kept.bad.length === 0,
      `${label} referenced blobs kept: ${int(kept.good)} of ${int(refSample.length)} sampled seeded + ${pushedDigests.length} pushed files present and intact${kept.bad.length ? ` (first: ${kept.bad[0]})` : ''}`,
    );
    const { rows: dangling } = await db.query(`SELECT count(*)::int AS n FROM (SELECT DISTINCT digest FROM manifest_blob) mb WHERE NOT EXISTS (SELECT 1 FROM blob b WHERE b.digest = mb.digest AND b.state = 'active')`);
    check(dangling[0].n === 0, `${label} every referenced digest has an active blob row (${int(dangling[0].n)} missing)`);
    check(during.all.errors === 0 && outside.errors === 0, `${label} pulls kept working: ${int(during.all.requests)} requests during the run, ${int(during.all.errors)} failed (${int(outside.errors)} over the whole pull session)${pulled.errors[0] ? `; first: ${pulled.errors[0].what}: ${pulled.errors[0].detail}` : ''}`);
    check(during.all.requests > 0, `${label} the pull client made requests during the run`);
    rounds.push({ workers, real, baseline, baselineSeconds, during, byPhase, outside, garbageBytes: garbage.bytes, garbageCount: garbage.digests.length, garbageSeconds: i > 0 ? garbage.filesSeconds + garbage.sqlSeconds : undefined });
  }

  const final = await countRows(db);
  const stop = await cleanup();

  // ---------------------------------------------------------------- report
  const out = [];
  const print = (s = '') => out.push(s);
  print(`Garbage collection benchmark${opts.quick ? ' (--quick: smoke test, the numbers mean little)' : ''}`);
  print(`Berth ${commit}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ${startedAt.toISOString()}`);
  print(
    `Options: workers ${opts.workers.join(',')}, ${opts.pullers} pull loops, pause ${opts.pauseMs} ms, poll ${opts.pollMs} ms` +
      `${process.env.UV_THREADPOOL_SIZE ? `, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE} (Berth inherits it)` : ''}.`,
  );
  print('');
  print(
    `Seeded: 1 project, ${int(before.repository - pushed.length)} repositories, ${int(before.manifest - pushed.length)} manifests (${int(before.tag - pushed.length)} tags), ` +
      `${int(scale.blobs)} blobs = ${int(scale.referenced)} referenced (${int(before.manifest_blob - pushedDigests.length)} manifest_blob rows) + ${int(scale.garbage)} unreferenced; ` +
      `every blob a real file (${MIN_MAX}), ${mib(seeded.referencedBytes + seeded.garbage.bytes)} in all.`,
  );
  print(`Plus ${pushed.length} images pushed over /v2 (${pushedDigests.length} blobs, ${mib(pushed.flatMap((p) => p.blobs).reduce((n, b) => n + b.size, 0))}) in ${pushSeconds.toFixed(1)} s. Database before GC: ${int(before.blob)} blob rows, ${int(referencedCount)} referenced, ${mib(storageBytes)}.`);
  const st = seeded.timings;
  print(
    `Seeding: ${st.totalSeconds.toFixed(1)} s (files and content ${(st.totalSeconds - st.rowsSeconds - st.vacuumSeconds - seeded.garbage.sqlSeconds).toFixed(1)} s, ` +
      `rows ${(st.rowsSeconds + seeded.garbage.sqlSeconds).toFixed(1)} s [${st.steps.map((s) => `${s.step} ${s.seconds.toFixed(1)}`).join(', ')}, garbage ${seeded.garbage.sqlSeconds.toFixed(1)}], VACUUM ANALYZE + CHECKPOINT ${st.vacuumSeconds.toFixed(1)} s).`,
  );
  for (const r of rounds.filter((x) => x.garbageSeconds !== undefined)) print(`New garbage before the ${r.workers}-worker run: ${int(r.garbageCount)} blobs in ${r.garbageSeconds.toFixed(1)} s.`);
  print('');
  print(`GC runs (phase times from polling every ${opts.pollMs} ms, so +-${(opts.pollMs / 1000).toFixed(1)} s; the end of mark from the run's log; total = the run's durationMs):`);
  print(
    table(
      ['run', 'workers', 'mark', 'sweep', 'uploads', 'orphans', 'total', 'blobs deleted', 'bytes freed', 'rescued', 'orphans deleted', 'status', 'other CPU'],
      [runRow('dry run (no pulls)', dry), ...rounds.map((r) => runRow(`real, ${opts.pullers} pull loops`, r.real))],
    ),
  );
  print('(a dry run\'s "blobs deleted" and "bytes freed" are what it would delete)');
  for (const [label, r] of [['dry run', dry], ...rounds.map((x) => [`real run, ${x.workers} workers`, x.real])]) {
    print(`Log of the ${label}:`);
    for (const l of r.run.log) print(`  ${l.at.slice(11, 23)} ${l.level.padEnd(5)} ${l.message}`);
  }
  print('');
  print(
    `Pull latency, ms (${opts.pullers} loops, each: GET manifest by tag, then GET its config and layers with sha256 check; ${opts.pauseMs ? `${opts.pauseMs} ms pause between pulls` : 'back to back'}; ` +
      `targets: ${pushed.length} pushed images and ${seededTargets.length} seeded ones; baseline just before each run, no GC):`,
  );
  const pullRows = [];
  for (const r of rounds) {
    pullRows.push(pullRow(`baseline (no GC)`, r.baseline.all));
    pullRows.push(pullRow(`during GC, ${r.workers} workers`, r.during.all));
    for (const p of r.byPhase) pullRows.push(pullRow(`  in ${p.phase} (from polling)`, p));
    pullRows.push(pullRow(`  manifests: baseline`, r.baseline.manifest));
    pullRows.push(pullRow(`  manifests: during GC`, r.during.manifest));
    pullRows.push(pullRow(`  blobs: baseline`, r.baseline.blob));
    pullRows.push(pullRow(`  blobs: during GC`, r.during.blob));
  }
  print(table(['window', 'seconds', 'requests', 'req/s', 'errors', 'p50', 'p95', 'p99', 'max', 'other CPU'], pullRows));
  const busiest = Math.max(dry.otherCpu?.share ?? 0, ...rounds.flatMap((r) => [r.baseline.all.otherCpu?.share ?? 0, r.real.otherCpu?.share ?? 0]));
  print(
    `"other CPU": share of the machine's CPU time taken by processes other than the bench, Berth and its PostgreSQL in that window` +
      (busiest > 0.1 ? `; over 10 % somewhere (${(busiest * 100).toFixed(0)} %): those figures are inflated, rerun on a quiet machine.` : '.'),
  );
  print('');
  print('Mark query plan (EXPLAIN ANALYZE, BUFFERS; after the dry run, before the first real run):');
  for (const l of (markPlan ?? 'n/a').split('\n')) print(`  ${l}`);
  print('');
  print('Checks:');
  for (const c of checks) print(`${c.ok ? 'PASS' : 'FAIL'} ${c.text}`);
  print(`Rows at the end: ${Object.entries(final).filter(([k]) => k !== 'blob_bytes').map(([k, v]) => `${int(Number(v))} ${k}`).join(', ')}.`);
  print(`Berth stopped${stop?.forced ? ' (SIGKILL needed)' : ' cleanly'}; temp dir ${stop?.tempDirRemoved ? 'removed' : 'NOT removed'}.`);
  for (const r of rounds) {
    const seconds = r.real.run.durationMs / 1000;
    print(`${seconds < opts.targetSeconds ? 'TARGET MET' : 'TARGET NOT MET'}: the GC run with ${r.workers} workers took ${seconds.toFixed(1)} s (target < ${opts.targetSeconds} s), with pulls ${r.during.all.errors === 0 ? 'working throughout' : `FAILING (${r.during.all.errors} errors)`}.`);
  }

  const stamp = startedAt.toISOString().replace(/:/g, '-');
  const txt = path.join(opts.resultsDir, `gc-${stamp}.txt`);
  const json = path.join(opts.resultsDir, `gc-${stamp}.json`);
  fs.writeFileSync(txt, `${out.join('\n')}\n`);
  fs.writeFileSync(
    json,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        options: { ...opts, berthMain: undefined, ociLib: undefined, resultsDir: undefined },
        machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memBytes: os.totalmem(), node: process.version, kernel: os.release() },
        commit,
        scale,
        seed: { timings: seeded.timings, garbage: { filesSeconds: seeded.garbage.filesSeconds, sqlSeconds: seeded.garbage.sqlSeconds }, pushSeconds, rowsBefore: before },
        dryRun: { run: dry.run, phases: dry.phases, polls: dry.polls, otherCpu: dry.otherCpu },
        rounds: rounds.map((r) => ({ workers: r.workers, run: r.real.run, phases: r.real.phases, polls: r.real.polls, otherCpu: r.real.otherCpu, baselineSeconds: r.baselineSeconds, baseline: r.baseline, during: r.during, byPhase: r.byPhase })),
        markPlan,
        checks,
        rowsAtEnd: final,
        stop,
      },
      null,
      2,
    )}\n`,
  );
  console.log(out.join('\n'));
  console.log(`Results written to ${path.relative(process.cwd(), txt)} (and .json)`);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0) {
    console.log(`${failed.length} check(s) FAILED`);
    process.exit(1);
  }
}

const MIN_MAX = '256 B to 4 KiB each';

main().catch((err) => {
  console.error(err.stack ?? err.message);
  cleanup().finally(() => process.exit(1));
});
