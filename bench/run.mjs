#!/usr/bin/env node
// Berth vs CNCF distribution on the OCI Distribution API: blob upload (monolithic, chunked),
// blob download, manifest GET by tag, and server memory during four large concurrent uploads.
// Usage: npm run bench [-- --quick]; knobs are documented in bench/README.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRandomFile, makeVariant, patternDigest } from './lib/data.mjs';
import { closeConnections } from './lib/http.mjs';
import {
  measureChunked,
  measureDownload,
  measureManifestGet,
  measureMemory,
  measureMonolithic,
  settle,
} from './lib/measure.mjs';
import { readOptions } from './lib/options.mjs';
import { readMemory } from './lib/proc.mjs';
import { buildRows, formatSamples, formatTable, median, writeJson } from './lib/report.mjs';
import { externalBerth, startBerth, startDistribution } from './lib/servers.mjs';

const MIB = 1024 * 1024;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const running = new Set(); // targets to stop if we are interrupted
const tempDirs = new Set(); // client-side data to remove on any exit

const log = (scope) => (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${scope}: ${msg}\n`);
const say = log('bench');

/** Drops targets that cannot run here; exits 1 if Berth was asked for but is not built. */
function planTargets(opts) {
  const targets = [];
  for (const name of opts.targets) {
    if (name === 'berth' && !opts.berthUrl && !fs.existsSync(opts.berthMain)) {
      console.error(
        `Berth is not built: ${path.relative(repoRoot, opts.berthMain)} is missing. Run \`npm run build\` first ` +
          '(or set BERTH_URL to a running Berth, or BENCH_TARGETS=distribution to measure distribution alone).',
      );
      process.exit(1);
    }
    if (name === 'distribution' && !fs.existsSync(opts.distributionBin)) {
      console.log(
        `Comparison with distribution skipped: ${opts.distributionBin} not found ` +
          "(Debian's docker-registry package is not installed; or set DISTRIBUTION_BIN).",
      );
      continue;
    }
    targets.push(name);
  }
  if (!fs.existsSync(opts.wrkBin)) {
    console.error(`${opts.wrkBin} not found: install Debian's wrk package (or set WRK_BIN).`);
    process.exit(1);
  }
  if (targets.length === 0) {
    console.error('Nothing to measure.');
    process.exit(1);
  }
  return targets;
}

/** Test data shared by all targets: one random file and the digests of every variant. */
async function prepareData(opts) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-data-'));
  tempDirs.add(dir);
  const file = path.join(dir, 'blob.bin');
  say(`generating ${opts.blobBytes / MIB} MiB of random data in ${file}`);
  createRandomFile(file, opts.blobBytes);
  const monolithic = [];
  const chunked = [];
  for (let i = 0; i < opts.repeat; i++) monolithic.push(await makeVariant(file, opts.blobBytes));
  for (let i = 0; i < opts.repeat; i++) chunked.push(await makeVariant(file, opts.blobBytes));
  say(`hashing ${opts.bigUploads} x ${opts.bigBytes / MIB} MiB generated uploads`);
  const pattern = crypto.randomBytes(16 * MIB);
  const bigDigests = [];
  for (let i = 0; i < opts.bigUploads; i++) bigDigests.push(patternDigest(pattern, i, opts.bigBytes));
  return { dir, monolithic, chunked, pattern, bigDigests };
}

async function startTarget(name, opts) {
  if (name === 'berth') return opts.berthUrl ? externalBerth(opts) : startBerth(opts);
  return startDistribution(opts);
}

/** Runs one phase; a failure is recorded against that metric and the run goes on. */
async function phase(out, key, fn, logTarget) {
  try {
    const r = await fn();
    out[key] = r.samples ? { ...r, median: median(r.samples) } : r;
  } catch (err) {
    out[key] = { error: err.message };
    logTarget(`${key} FAILED: ${err.message}`);
  }
}

/** Starts a fresh instance, runs `fn` on it, then stops it and removes its data directory. */
async function withInstance(name, opts, out, purpose, fn) {
  const tlog = log(name);
  tlog(`starting (${purpose})`);
  const target = await startTarget(name, opts);
  running.add(target);
  tlog(`ready on ${target.origin}${target.pid ? ` (pid ${target.pid})` : ''}`);
  const instance = { purpose, origin: target.origin, pid: target.pid, managed: target.managed };
  out.instances.push(instance);
  try {
    await fn(target, tlog);
    if (target.pid) instance.vmHwmAtEnd = readMemory(target.pid)?.hwm;
  } finally {
    instance.stop = await target.stop();
    running.delete(target);
    const s = instance.stop;
    if (target.managed) {
      tlog(`stopped${s.forced ? ' (had to SIGKILL)' : ''}; temp dir ${s.tempDirRemoved ? 'removed' : `NOT removed: ${target.tempDir}`}`);
    }
  }
}

async function memoryPhase(out, target, data, opts, tlog) {
  await phase(out, 'memory', () => measureMemory(target, data.pattern, data.bigDigests, opts.bigBytes, tlog), tlog);
}

async function throughputPhases(out, target, data, opts, tlog) {
  await phase(out, 'monolithic', () => measureMonolithic(target, data.monolithic, tlog), tlog);
  await phase(out, 'chunked', () => measureChunked(target, data.chunked, opts.chunkBytes, tlog), tlog);
  settle();
  await phase(out, 'download', () => measureDownload(target, data.monolithic.at(-1), opts.repeat, tlog), tlog);
  await phase(out, 'manifest', () => measureManifestGet(target, opts, tlog), tlog);
}

/**
 * A server we start gets two fresh instances: one for the memory phase (VmHWM cannot be reset,
 * so it then covers start-up plus that phase only) and a clean one for the throughput phases
 * (4 GiB of just-written blobs measurably slow later uploads). A Berth at BERTH_URL is one
 * instance: throughput first, memory last, and its VmHWM is then the lifetime peak.
 */
async function benchTarget(name, opts, data) {
  const out = { instances: [] };
  if (name === 'berth' && opts.berthUrl) {
    await withInstance(name, opts, out, 'all phases', async (t, tlog) => {
      await throughputPhases(out, t, data, opts, tlog);
      await memoryPhase(out, t, data, opts, tlog);
    });
  } else {
    await withInstance(name, opts, out, 'memory phase', (t, tlog) => memoryPhase(out, t, data, opts, tlog));
    settle();
    await withInstance(name, opts, out, 'throughput phases', (t, tlog) => throughputPhases(out, t, data, opts, tlog));
  }
  return out;
}

async function cleanup() {
  await Promise.allSettled([...running].map((t) => t.stop()));
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  closeConnections();
}

function onAbort(reason, code) {
  say(`${reason}: stopping servers and removing temp dirs`);
  cleanup().finally(() => process.exit(code));
}

async function main() {
  let opts;
  try {
    opts = readOptions(process.argv.slice(2), repoRoot);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
  const targets = planTargets(opts);
  process.on('SIGINT', () => onAbort('interrupted', 130));
  process.on('SIGTERM', () => onAbort('terminated', 143));
  setTimeout(() => onAbort(`BENCH_MAX_MINUTES=${opts.maxMinutes} exceeded`, 2), opts.maxMinutes * 60_000).unref();

  const startedAt = new Date();
  const results = {};
  try {
    const data = await prepareData(opts);
    for (const name of targets) {
      try {
        results[name] = await benchTarget(name, opts, data);
      } catch (err) {
        say(`${name} could not be measured: ${err.message}`);
        results[name] = { error: err.message };
      }
    }
  } finally {
    await cleanup();
  }

  const rows = buildRows(opts, results);
  const file = writeJson(opts, startedAt, results, rows);
  console.log('');
  console.log(
    `Berth vs distribution, ${opts.repeat} repetition(s), medians${opts.quick ? ' (--quick: smoke test, not a measurement)' : ''}`,
  );
  console.log(formatTable(rows, results));
  console.log('\nSamples:');
  console.log(formatSamples(results));
  for (const [name, r] of Object.entries(results)) if (r.error) console.log(`\n${name}: ERROR ${r.error}`);
  const failed = rows.filter((r) => r.status.startsWith('FAIL'));
  console.log(
    failed.length > 0
      ? `\nFAIL: ${failed.length} target(s) missed: ${failed.map((r) => r.id).join(', ')}`
      : rows.some((r) => r.status === 'pass')
        ? '\nAll targets met.'
        : '\nNo pass/fail verdicts (Berth and distribution were not both measured).',
  );
  console.log(`Results written to ${path.relative(process.cwd(), file)}`);
}

main().catch((err) => {
  console.error(err.stack ?? err.message);
  cleanup().finally(() => process.exit(1));
});
