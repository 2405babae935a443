#!/usr/bin/env node
// Archive transfer: a ~1 GiB image (4 uncompressed layers of 256 MiB of random bytes or of /usr's files, in a hand-built OCI
// layout), made into a docker-archive by skopeo, imported through the API (streamed), exported back through
// the API to a file, against a plain `skopeo copy oci:<layout> dir:<out>` of the same image (the issue's
// yardstick), with the server's RSS sampled every 100 ms during import and export.
// Usage: npm run bench:transfer [-- --quick]; knobs are documented in bench/README.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startBerth } from './lib/servers.mjs';
import { readMemory, startRssSampler } from './lib/proc.mjs';
import { closeConnections } from './lib/http.mjs';
import { buildBenchImage } from './lib/transfer-image.mjs';
import { dirBytes, exportToFile, now, timed, uploadArchive, waitForJob } from './lib/transfer-client.mjs';
import { intFromEnv } from './lib/options.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIB = 1024 * 1024;
const say = (msg) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] transfer: ${msg}\n`);

function contentFromEnv() {
  const raw = process.env.BENCH_TRANSFER_CONTENT?.trim() || 'random';
  if (raw !== 'random' && raw !== 'files') throw new Error(`BENCH_TRANSFER_CONTENT=${JSON.stringify(raw)}: expected random or files`);
  return raw;
}

function readOptions(argv) {
  const quick = argv.includes('--quick');
  const unknown = argv.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`unknown argument(s): ${unknown.join(' ')} (only --quick is accepted)`);
  return {
    quick,
    layers: intFromEnv('BENCH_TRANSFER_LAYERS', 4, { max: 64 }),
    layerMiB: intFromEnv('BENCH_TRANSFER_LAYER_MIB', quick ? 16 : 256, { max: 8192 }),
    content: contentFromEnv(),
    rssTargetMiB: intFromEnv('BENCH_TRANSFER_RSS_MIB', 250),
    maxMinutes: intFromEnv('BENCH_MAX_MINUTES', 30, { max: 24 * 60 }),
    project: 'library',
    repository: 'library/bench-transfer',
    berthMain: path.join(repoRoot, 'dist/apps/api/src/main.js'),
    resultsDir: path.join(repoRoot, 'bench/results'),
  };
}

const held = { berth: undefined, work: undefined };

async function cleanup() {
  let stopped;
  if (held.berth) {
    stopped = await held.berth.stop();
    say(`Berth stopped${stopped.forced ? ' (had to SIGKILL)' : ''}; its temp dir ${stopped.tempDirRemoved ? 'removed' : `NOT removed: ${held.berth.tempDir}`}`);
    held.berth = undefined;
  }
  if (held.work) {
    fs.rmSync(held.work, { recursive: true, force: true, maxRetries: 3 });
    say(`work dir ${fs.existsSync(held.work) ? `NOT removed: ${held.work}` : 'removed'}`);
    held.work = undefined;
  }
  closeConnections();
  return stopped;
}

function onAbort(reason, code) {
  say(`${reason}: stopping Berth and removing the temp dirs`);
  cleanup().finally(() => process.exit(code));
}

function settle() {
  try {
    execFileSync('sync', [], { stdio: 'ignore', timeout: 120_000 });
  } catch {
    // best effort
  }
}

const mibps = (bytes, seconds) => bytes / MIB / seconds;
const f1 = (x) => (typeof x === 'number' ? x.toFixed(1) : 'n/a');

async function main() {
  const opts = readOptions(process.argv.slice(2));
  if (!fs.existsSync(opts.berthMain)) {
    say(`${path.relative(repoRoot, opts.berthMain)} is missing: run npm run build:server first`);
    process.exit(1);
  }
  for (const cmd of ['skopeo']) {
    try {
      execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    } catch {
      say(`${cmd} is missing (apt-get install ${cmd})`);
      process.exit(1);
    }
  }
  process.on('SIGINT', () => onAbort('interrupted', 130));
  process.on('SIGTERM', () => onAbort('terminated', 143));
  setTimeout(() => onAbort(`still running after BENCH_MAX_MINUTES=${opts.maxMinutes}`, 2), opts.maxMinutes * 60_000).unref();

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-transfer-bench-'));
  fs.chmodSync(work, 0o755);
  held.work = work;
  const layout = path.join(work, 'layout');
  const archive = path.join(work, 'image.tar');
  const exported = path.join(work, 'exported.tar');

  say(`building the image: ${opts.layers} layers of ${opts.layerMiB} MiB of ${opts.content === 'files' ? 'tar -c /usr' : 'random bytes'}`);
  let t0 = now();
  const image = await buildBenchImage(layout, { layers: opts.layers, layerBytes: opts.layerMiB * MIB, content: opts.content });
  say(`image ${image.manifest.digest}: ${f1(image.imageBytes / MIB)} MiB in ${f1((now() - t0) / 1000)} s`);

  settle();
  const archiveSeconds = await timed('skopeo', ['--insecure-policy', 'copy', `oci:${layout}:${image.ref}`, `docker-archive:${archive}:${opts.repository}:1.0`]);
  const archiveBytes = fs.statSync(archive).size;
  say(`docker-archive: ${f1(archiveBytes / MIB)} MiB in ${f1(archiveSeconds)} s (skopeo, info)`);

  settle();
  const dirOut = path.join(work, 'skopeo-dir');
  const skopeoSeconds = await timed('skopeo', ['--insecure-policy', 'copy', `oci:${layout}:${image.ref}`, `dir:${dirOut}`]);
  const skopeoBytes = dirBytes(dirOut);
  const skopeoMiBps = mibps(skopeoBytes, skopeoSeconds);
  say(`yardstick skopeo copy oci: -> dir: ${f1(skopeoBytes / MIB)} MiB in ${f1(skopeoSeconds)} s = ${f1(skopeoMiBps)} MiB/s`);
  fs.rmSync(dirOut, { recursive: true, force: true });

  // For information: skopeo doing the import's work too (gzip at level 1 while copying; pgzip, all cores).
  settle();
  const gzipSeconds = await timed('skopeo', ['--insecure-policy', 'copy', '--dest-compress', '--dest-compress-level', '1', `oci:${layout}:${image.ref}`, `dir:${dirOut}`]);
  const gzipMiBps = mibps(image.imageBytes, gzipSeconds);
  say(`skopeo copy --dest-compress-level 1 oci: -> dir: ${f1(image.imageBytes / MIB)} MiB in ${f1(gzipSeconds)} s = ${f1(gzipMiBps)} MiB/s of uncompressed image (info)`);
  fs.rmSync(dirOut, { recursive: true, force: true });

  say('starting Berth');
  const berth = await startBerth({ berthMain: opts.berthMain, repoRoot });
  held.berth = berth;
  const idle = readMemory(berth.pid);
  say(`Berth pid ${berth.pid} on ${berth.origin}, idle RSS ${f1(idle.rss / MIB)} MiB`);

  // ---- import
  settle();
  let sampler = startRssSampler(berth.pid, 100);
  t0 = now();
  let job = await uploadArchive(berth.origin, berth.basic, opts.project, archive);
  const uploadSeconds = (now() - t0) / 1000;
  say(`upload read in ${f1(uploadSeconds)} s (${f1(mibps(archiveBytes, uploadSeconds))} MiB/s); job ${job.id} ${job.status}`);
  let lastLayers = -1;
  job = await waitForJob(berth.origin, berth.basic, opts.project, job, {
    onPoll: (j) => {
      if (j.layersDone !== lastLayers) say(`job ${j.status}: layers ${j.layersDone}/${j.layersTotal}, images ${j.imagesDone}/${j.imagesTotal}`);
      lastLayers = j.layersDone;
    },
  });
  const importSeconds = (now() - t0) / 1000;
  const importRss = sampler.stop();
  if (job.status !== 'succeeded') throw new Error(`import ${job.id} ended ${job.status}: ${job.error}`);
  const importMiBps = mibps(archiveBytes, importSeconds);
  const tag = job.result.tags[0];
  say(`import succeeded in ${f1(importSeconds)} s = ${f1(importMiBps)} MiB/s; ${tag.repository}:${tag.tag} ${tag.digest}; peak RSS ${f1(importRss.maxRss / MIB)} MiB`);

  // ---- export
  fs.rmSync(archive, { force: true });
  settle();
  sampler = startRssSampler(berth.pid, 100);
  t0 = now();
  const out = await exportToFile(berth.origin, berth.basic, [`${tag.repository}:${tag.tag}`], exported);
  const exportSeconds = (now() - t0) / 1000;
  const exportRss = sampler.stop();
  const exportMiBps = mibps(out.bytes, exportSeconds);
  say(`export (${out.format}): ${f1(out.bytes / MIB)} MiB in ${f1(exportSeconds)} s = ${f1(exportMiBps)} MiB/s; peak RSS ${f1(exportRss.maxRss / MIB)} MiB`);
  const hwm = readMemory(berth.pid)?.hwm;

  // ---- check the export (untimed): skopeo reads it and the config is the original's
  const checkDir = path.join(work, 'check');
  await timed('skopeo', ['--insecure-policy', 'copy', `docker-archive:${exported}`, `dir:${checkDir}`]);
  const checkManifest = JSON.parse(fs.readFileSync(path.join(checkDir, 'manifest.json'), 'utf8'));
  const exportChecked = checkManifest.config.digest === image.config.digest;
  say(`skopeo read the export: config ${exportChecked ? 'matches' : `DIFFERS (${checkManifest.config.digest} vs ${image.config.digest})`}`);

  const stopped = await cleanup();

  // ---- report
  const half = skopeoMiBps / 2;
  const rows = [
    ['skopeo copy oci: -> dir: (yardstick)', f1(skopeoMiBps), f1(skopeoSeconds), '', ''],
    ['skopeo copy oci: -> docker-archive: (info)', f1(mibps(archiveBytes, archiveSeconds)), f1(archiveSeconds), '', ''],
    ['skopeo copy --dest-compress-level 1 oci: -> dir: (info)', f1(gzipMiBps), f1(gzipSeconds), '', ''],
    ['import: upload until 202 (info)', f1(mibps(archiveBytes, uploadSeconds)), f1(uploadSeconds), '', ''],
    ['import: until the job succeeded', f1(importMiBps), f1(importSeconds), f1(importRss.maxRss / MIB), f1(importRss.maxTreeRss / MIB)],
    ['export (docker) to a file', f1(exportMiBps), f1(exportSeconds), f1(exportRss.maxRss / MIB), f1(exportRss.maxTreeRss / MIB)],
  ];
  const header = ['Step', 'MiB/s', 'seconds', 'peak RSS MiB', 'tree RSS MiB'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const verdict = (ok) => (ok ? 'TARGET MET' : 'TARGET NOT MET');
  const targets = [
    [`import throughput ${f1(importMiBps)} MiB/s >= half of skopeo's ${f1(skopeoMiBps)} MiB/s (${f1(half)})`, importMiBps >= half],
    [`export throughput ${f1(exportMiBps)} MiB/s >= half of skopeo's ${f1(skopeoMiBps)} MiB/s (${f1(half)})`, exportMiBps >= half],
    [`peak server RSS during import ${f1(importRss.maxRss / MIB)} MiB < ${opts.rssTargetMiB} MiB`, importRss.maxRss < opts.rssTargetMiB * MIB],
    [`peak server RSS during export ${f1(exportRss.maxRss / MIB)} MiB < ${opts.rssTargetMiB} MiB`, exportRss.maxRss < opts.rssTargetMiB * MIB],
    ['the export reads back with skopeo docker-archive: and keeps the config digest', exportChecked],
  ];
  const text = [
    `Archive transfer: ${opts.layers} x ${opts.layerMiB} MiB uncompressed layers (${opts.content === 'files' ? 'slices of tar -c /usr' : 'random bytes'}); archive ${f1(archiveBytes / MIB)} MiB, export ${f1(out.bytes / MIB)} MiB; Berth idle RSS ${f1(idle.rss / MIB)} MiB, VmHWM at the end ${f1(hwm / MIB)} MiB`,
    line(header),
    ...rows.map(line),
    '',
    ...targets.map(([what, ok]) => `${verdict(ok)}: ${what}`),
  ].join('\n');
  process.stdout.write(`${text}\n`);

  fs.mkdirSync(opts.resultsDir, { recursive: true });
  const file = path.join(opts.resultsDir, `transfer-${new Date().toISOString().replace(/:/g, '-')}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        options: opts,
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryMiB: Math.round(os.totalmem() / MIB), node: process.version },
        image: { digest: image.manifest.digest, bytes: image.imageBytes, config: image.config.digest },
        archive: { bytes: archiveBytes, skopeoSeconds: archiveSeconds },
        yardstick: { bytes: skopeoBytes, seconds: skopeoSeconds, mibPerSecond: skopeoMiBps },
        skopeoCompressing: { seconds: gzipSeconds, mibPerSecond: gzipMiBps },
        import: { job: job.id, uploadSeconds, seconds: importSeconds, mibPerSecond: importMiBps, rss: importRss, tag, notes: job.result.notes },
        export: { bytes: out.bytes, format: out.format, seconds: exportSeconds, mibPerSecond: exportMiBps, rss: exportRss, checked: exportChecked },
        idleRss: idle.rss,
        vmHwm: hwm,
        targets: targets.map(([what, met]) => ({ what, met })),
        stopped,
      },
      null,
      2,
    ),
  );
  say(`results: ${path.relative(repoRoot, file)}`);
}

main().catch(async (err) => {
  say(`failed: ${err.stack ?? err.message}`);
  if (held.berth) say(`--- Berth's last output ---\n${held.berth.logTail?.() ?? ''}`);
  await cleanup();
  process.exit(1);
});
