// Tables and the JSON file of the console benchmark.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const fixed = (v, d = 1) => (v === undefined || v === null || Number.isNaN(v) ? '-' : v.toFixed(d));

/** Left-aligned text columns, right-aligned numbers, a rule under the header (as report.mjs does). */
export function table(header, rows, { left = [0] } = {}) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (row) => row.map((c, i) => (left.includes(i) ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** PASS / FAIL against the p95 target; `missing` when the route does not exist yet; `error` when requests failed. */
export function verdict(run, targetMs) {
  if (run.missing) return 'missing';
  if (run.error) return 'error';
  if (run.errors > 0) return `FAIL (${run.errors} errors)`;
  return run.p95 < targetMs ? 'PASS' : 'FAIL';
}

export function latencyTable(runs, targetMs) {
  const header = ['Endpoint', 'Who', 'Mode', 'n', '1st', 'p50', 'p95', 'p99', 'max', 'req/s', 'SQL/req', `p95 < ${targetMs} ms`];
  let lastEndpoint;
  let lastWho;
  const rows = runs.map((r) => {
    const showEndpoint = r.label !== lastEndpoint;
    const showWho = showEndpoint || r.who !== lastWho;
    lastEndpoint = r.label;
    lastWho = r.who;
    const mode = r.concurrency > 1 ? `c=${r.concurrency}` : 'seq';
    if (r.missing || r.error) {
      return [showEndpoint ? r.label : '', showWho ? r.who : '', mode, '-', '-', '-', '-', '-', '-', '-', '-', r.missing ? 'missing' : `error: ${r.error.slice(0, 60)}`];
    }
    return [
      showEndpoint ? r.label : '',
      showWho ? r.who : '',
      mode,
      String(r.requests) + (r.truncated ? '*' : ''),
      fixed(r.firstMs),
      fixed(r.p50),
      fixed(r.p95),
      fixed(r.p99),
      fixed(r.max),
      fixed(r.requestsPerSec),
      fixed(r.statementsPerRequest),
      r.status,
    ];
  });
  return table(header, rows, { left: [0, 1, 2, 11] });
}

export function pageSizeTable(checks) {
  const header = ['List endpoint (admin)', 'SQL/req page_size=1', 'SQL/req page_size=100', 'items on page 100', 'per-row queries?'];
  const rows = checks.map((c) => [
    c.label,
    fixed(c.small?.statementsPerRequest),
    fixed(c.large?.statementsPerRequest),
    c.large?.items ?? '-',
    c.verdict,
  ]);
  return table(header, rows, { left: [0, 4] });
}

export function transactionTable(checks) {
  const header = ['Endpoint (admin, sequential)', 'requests', 'transactions/req (pg_stat_database)', 'statements/req (tap)'];
  const rows = checks.map((c) => [c.label, c.requests ?? '-', c.missing ? 'missing' : fixed(c.transactionsPerRequest), fixed(c.statementsPerRequest)]);
  return table(header, rows, { left: [0] });
}

/** The slow statements behind the endpoints that missed the target, with their plans. */
export function formatSlow(slow, maxPlanLines = 60) {
  const out = [];
  for (const s of slow) {
    out.push(`--- ${s.label}: ${s.summary}`);
    if (!s.statement) {
      out.push('    no statement over the tap threshold: the time is spent outside PostgreSQL (or the tap is not active)');
      continue;
    }
    const st = s.statement;
    out.push(`    slowest statement (${s.source}): ${st.count} runs, mean ${fixed(st.totalMs / st.count)} ms, max ${fixed(st.maxMs)} ms; params ${JSON.stringify(st.params)}`);
    out.push(...st.text.trim().split('\n').map((l) => `    | ${l.trim()}`));
    if (s.plan) {
      const lines = s.plan.split('\n');
      out.push('    EXPLAIN (ANALYZE, BUFFERS):');
      out.push(...lines.slice(0, maxPlanLines).map((l) => `      ${l}`));
      if (lines.length > maxPlanLines) out.push(`      ... (${lines.length - maxPlanLines} more lines in the JSON file)`);
    } else if (s.planError) {
      out.push(`    EXPLAIN failed: ${s.planError}`);
    }
  }
  return out.join('\n');
}

export function writeJson(resultsDir, startedAt, doc) {
  fs.mkdirSync(resultsDir, { recursive: true });
  // ISO 8601 with ':' replaced, so the name is valid everywhere (as report.mjs names the registry bench's files).
  const file = path.join(resultsDir, `console-${startedAt.toISOString().replace(/:/g, '-')}.json`);
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memBytes: os.totalmem(), node: process.version, kernel: os.release() };
  fs.writeFileSync(file, `${JSON.stringify({ startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine, ...doc }, null, 2)}\n`);
  return file;
}
