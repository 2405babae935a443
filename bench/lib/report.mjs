// Turns per-target results into rows with targets and verdicts, a text table and a JSON file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MIB = 1024 * 1024;

export function median(values) {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return undefined;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

const toMiB = (bytes) => (bytes === undefined ? undefined : bytes / MIB);

/**
 * Row definitions. `get` extracts the value from one target's results; `goal` is either a
 * minimum Berth/distribution ratio, or an absolute check on Berth's value; rows without
 * a goal are informational.
 */
function rowDefinitions(opts) {
  const blob = `${opts.blobBytes / MIB} MiB`;
  const big = `${opts.bigUploads}x${opts.bigBytes / MIB} MiB`;
  return [
    { id: 'monolithic', label: `Monolithic upload ${blob} (MiB/s)`, get: (r) => r.monolithic?.median, goal: { minRatio: 1.0 } },
    {
      id: 'chunked',
      label: `Chunked upload ${blob}, ${opts.chunkBytes / MIB} MiB PATCH (MiB/s)`,
      get: (r) => r.chunked?.median,
      goal: { minRatio: 3.0 },
    },
    { id: 'download', label: `Blob download ${blob} (MiB/s)`, get: (r) => r.download?.median, goal: { minRatio: 1.0 } },
    {
      id: 'manifestGet',
      label: `Manifest GET by tag, wrk -c${opts.wrkConnections} (req/s)`,
      get: (r) => r.manifest?.median,
      goal: { minRatio: 3.0 },
    },
    {
      id: 'manifestGetAdmin',
      label: 'Manifest GET by tag, admin bearer token (req/s)',
      get: (r) => median(r.manifest?.admin?.samples ?? []),
    },
    {
      id: 'manifestNon2xx',
      label: 'Manifest GET non-2xx + socket errors',
      get: (r) =>
        r.manifest?.samples
          ? r.manifest.non2xx + r.manifest.socketErrors + (r.manifest.admin ? r.manifest.admin.non2xx + r.manifest.admin.socketErrors : 0)
          : undefined,
      decimals: 0,
      goal: { berthMax: 0, text: '= 0' },
    },
    {
      id: 'peakRss',
      label: `Peak RSS (VmHWM) during ${big} uploads (MiB)`,
      get: (r) => toMiB(r.memory?.hwmAfterPhase),
      goal: { berthBelow: 200, text: '< 200 MiB' },
    },
    { id: 'sampledRss', label: `Max sampled VmRSS, ${big} uploads (MiB)`, get: (r) => toMiB(r.memory?.maxSampledRss) },
    { id: 'treeRss', label: 'Max process-tree RSS incl. children (MiB)', get: (r) => toMiB(r.memory?.maxTreeRss) },
    { id: 'bigAggregate', label: `${big} concurrent uploads (MiB/s total)`, get: (r) => r.memory?.aggregateMiBps },
  ];
}

function errorOf(result, id) {
  const key = { manifestNon2xx: 'manifest', peakRss: 'memory', sampledRss: 'memory', treeRss: 'memory', bigAggregate: 'memory', manifestGet: 'manifest' }[id] ?? id;
  return result?.error ?? result?.[key]?.error;
}

function verdict(def, berth, dist, berthError) {
  const { goal } = def;
  if (!goal) return { target: 'info', status: '' };
  if (goal.minRatio !== undefined) {
    const target = `>= ${goal.minRatio.toFixed(1)}x`;
    if (berthError) return { target, status: 'FAIL (error)' };
    if (berth === undefined || dist === undefined || dist === 0) return { target, status: 'n/a' };
    return { target, status: berth / dist >= goal.minRatio ? 'pass' : 'FAIL' };
  }
  if (berthError) return { target: goal.text, status: 'FAIL (error)' };
  if (berth === undefined) return { target: goal.text, status: 'n/a' };
  if (goal.berthMax !== undefined) return { target: goal.text, status: berth <= goal.berthMax ? 'pass' : 'FAIL' };
  return { target: goal.text, status: berth < goal.berthBelow ? 'pass' : 'FAIL' };
}

export function buildRows(opts, results) {
  const berthR = results.berth;
  const distR = results.distribution;
  return rowDefinitions(opts).map((def) => {
    const berth = berthR ? def.get(berthR) : undefined;
    const dist = distR ? def.get(distR) : undefined;
    const berthError = errorOf(berthR, def.id);
    const distError = errorOf(distR, def.id);
    const ratio = berth !== undefined && dist ? berth / dist : undefined;
    return {
      id: def.id,
      metric: def.label,
      decimals: def.decimals ?? 1,
      berth,
      distribution: dist,
      berthError,
      distributionError: distError,
      ratio,
      ...verdict(def, berth, dist, berthError),
    };
  });
}

function cell(value, decimals, error, present) {
  if (!present) return '-';
  if (error) return 'error';
  if (value === undefined) return 'n/a';
  return value.toFixed(decimals);
}

export function formatTable(rows, results) {
  const header = ['Metric', 'Berth', 'distribution', 'ratio', 'target', 'result'];
  const body = rows.map((r) => [
    r.metric,
    cell(r.berth, r.decimals, r.berthError, Boolean(results.berth)),
    cell(r.distribution, r.decimals, r.distributionError, Boolean(results.distribution)),
    r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
    r.target,
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (row) =>
    row.map((c, i) => (i === 0 || i >= 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function formatSamples(results) {
  const lines = [];
  for (const [name, r] of Object.entries(results)) {
    for (const key of ['monolithic', 'chunked', 'download', 'manifest']) {
      const m = r[key];
      if (!m) continue;
      lines.push(
        `  ${name.padEnd(12)} ${key.padEnd(10)} ${m.error ? `error: ${m.error}` : m.samples.map((s) => s.toFixed(1)).join(', ')}`,
      );
    }
    if (r.memory?.error) lines.push(`  ${name.padEnd(12)} memory     error: ${r.memory.error}`);
  }
  return lines.join('\n');
}

export function writeJson(opts, startedAt, results, rows) {
  fs.mkdirSync(opts.resultsDir, { recursive: true });
  // ISO 8601 with ':' replaced, so the name is valid everywhere.
  const file = path.join(opts.resultsDir, `${startedAt.toISOString().replace(/:/g, '-')}.json`);
  const doc = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memBytes: os.totalmem(),
      node: process.version,
      kernel: os.release(),
    },
    options: {
      quick: opts.quick,
      targets: opts.targets,
      repeat: opts.repeat,
      blobBytes: opts.blobBytes,
      chunkBytes: opts.chunkBytes,
      bigBytes: opts.bigBytes,
      bigUploads: opts.bigUploads,
      wrk: { threads: opts.wrkThreads, connections: opts.wrkConnections, seconds: opts.wrkSeconds },
      berthUrl: opts.berthUrl,
    },
    results,
    rows,
  };
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}
