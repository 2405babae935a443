// The runs of the console benchmark: the seed check, each endpoint's timed runs, the page-size and
// transaction checks of the statement counts, and the plans of what was slow.
import { ENDPOINTS, picker, PRINCIPALS } from './console-endpoints.mjs';
import { get, isMissingRoute, runRequests } from './console-measure.mjs';
import { explainAnalyze, settledTransactionCount } from './console-postgres.mjs';
import { TAGS_PER_REPOSITORY } from './console-catalog.mjs';
import { verdict } from './console-report.mjs';
import { request } from './http.mjs';

// pg_stat_database lags: an idle backend publishes its counts 10 s after it went idle (see console-postgres.mjs).
const STATS_QUIET_MS = 10_500;

async function apiJson(origin, path, headers) {
  const res = await request(origin, 'GET', path, { anonymous: true, headers });
  let json;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {}
  return { status: res.status, json, text: res.body.toString('utf8').slice(0, 500) };
}

/** A few answers that show the seed is what the server expects (digests, blob links, children, configs in storage). */
export async function sanityChecks(origin, headers, pool) {
  const problems = [];
  const image = pool.repositories.find((r) => !r.index);
  const index = pool.repositories.find((r) => r.index);
  const base = (r) => `/api/v1/projects/${r.project}/repositories/${r.path}`;
  for (const [what, r] of [['image', image], ['index', index]]) {
    if (!r) continue;
    const repo = await apiJson(origin, base(r), headers);
    if (repo.status === 200 && !(repo.json.storageBytes > 0)) problems.push(`${r.name}: storageBytes is ${repo.json.storageBytes}`);
    if (repo.status !== 200 && repo.status !== 404) problems.push(`${r.name}: repository detail answered ${repo.status}`);
    const tags = await apiJson(origin, `${base(r)}/-/tags`, headers);
    if (tags.status === 200 && tags.json.total !== TAGS_PER_REPOSITORY) problems.push(`${r.name}: ${tags.json.total} tags, expected ${TAGS_PER_REPOSITORY}`);
    const latest = await apiJson(origin, `${base(r)}/-/artifacts/latest`, headers);
    if (latest.status === 200) {
      if (!latest.json.manifest) problems.push(`${r.name}: latest has no parsed manifest`);
      if (what === 'image' && !latest.json.config) problems.push(`${r.name}: latest has no config (blob not readable from storage?)`);
      if (what === 'index' && latest.json.children?.length !== 2) problems.push(`${r.name}: latest index has ${latest.json.children?.length} children`);
    } else if (latest.status !== 404) {
      problems.push(`${r.name}: artifact detail answered ${latest.status}: ${latest.text}`);
    }
  }
  return problems;
}

/** Warm-up, then `requests` sequential and `requests` at `concurrency`, each run's SQL statements counted by the tap. */
export async function measureEndpoint(ctx, endpoint, principalKey) {
  const { opts, origin, tap } = ctx;
  const principal = PRINCIPALS[principalKey];
  const pick = picker(ctx.pool, principal, ctx.rnd);
  const next = () => endpoint.path(pick);
  const base = { endpoint: endpoint.id, label: endpoint.label, who: principal.id };
  const modes = [1, opts.concurrency];
  await tap.phase(`${endpoint.id}/${principal.id}/cold`);
  const first = await get(origin, next(), principal.headers).catch((err) => ({ error: err.message }));
  if (first.error || isMissingRoute(first)) {
    return modes.map((concurrency) => ({ ...base, concurrency, missing: !first.error, error: first.error, status: first.error ? 'error' : 'missing' }));
  }
  const common = { maxMs: opts.maxRunSeconds * 1000, next, headers: principal.headers };
  if (opts.warmup > 0) await runRequests(origin, { ...common, count: opts.warmup, concurrency: 1 });
  const runs = [];
  // The first request and the warm-up: where a cold cache is filled.
  const cold = await tap.phase(`${endpoint.id}/${principal.id}`);
  for (const concurrency of modes) {
    const run = await runRequests(origin, { ...common, count: opts.requests, concurrency });
    const sql = await tap.phase('');
    const row = { ...base, ...run, statementsPerRequest: sql && run.requests ? sql.statements / run.requests : undefined, slowStatements: sql?.slow ?? [] };
    // The very first request of this caller, before any warm-up: what a cold cache costs.
    if (concurrency === 1) Object.assign(row, { firstMs: first.ms, coldStatements: cold?.slow ?? [] });
    row.status = verdict(row, opts.targetMs);
    runs.push(row);
    ctx.log(
      `${endpoint.label} [${principal.id}, ${concurrency > 1 ? `c=${concurrency}` : 'seq'}]: p50 ${row.p50?.toFixed(1) ?? '-'} p95 ${row.p95?.toFixed(1) ?? '-'} ms, ` +
        `${row.requestsPerSec.toFixed(0)} req/s, ${row.statementsPerRequest?.toFixed(1) ?? '?'} SQL/req ${row.status}${run.firstError ? ` (${run.firstError})` : ''}`,
    );
  }
  return runs;
}

/** Statements per request of each list at page_size 1 and 100: a per-row query shows as growth. */
export async function pageSizeChecks(ctx) {
  const principal = PRINCIPALS.admin;
  const pick = picker(ctx.pool, principal, ctx.rnd);
  const checks = [];
  for (const endpoint of ENDPOINTS.filter((e) => e.list)) {
    const check = { endpoint: endpoint.id, label: endpoint.label };
    for (const [key, size] of [['small', 1], ['large', 100]]) {
      await ctx.tap.phase(`${endpoint.id}/page_size=${size}`);
      let items = 0;
      let requests = 0;
      let missing = false;
      for (let i = 0; i < 5; i++) {
        const res = await get(ctx.origin, endpoint.path(pick, size), principal.headers);
        if (isMissingRoute(res)) {
          missing = true;
          break;
        }
        requests += 1;
        if (res.status === 200) items = Math.max(items, JSON.parse(res.body.toString('utf8')).items?.length ?? 0);
      }
      const sql = await ctx.tap.phase('');
      check[key] = missing ? { missing } : { requests, items, statementsPerRequest: sql ? sql.statements / requests : undefined };
    }
    const growth = (check.large.statementsPerRequest ?? NaN) - (check.small.statementsPerRequest ?? NaN);
    check.verdict = check.small.missing ? 'missing' : Number.isNaN(growth) ? 'n/a (no tap)' : growth >= 0.5 ? `YES (+${growth.toFixed(1)} per request)` : 'no';
    checks.push(check);
  }
  return checks;
}

/**
 * The cross-check of the tap by PostgreSQL's own counters: committed + rolled-back transactions of the
 * berth database (pg_stat_database) over `n` sequential admin requests per endpoint, read after the
 * counters settled (10.5 s without requests each time).
 */
export async function transactionChecks(ctx) {
  const principal = PRINCIPALS.admin;
  const pick = picker(ctx.pool, principal, ctx.rnd);
  const n = ctx.opts.transactionRequests;
  const checks = [];
  ctx.log(`transactions per request: ${ENDPOINTS.length} endpoints x ${n} requests, ~${Math.round((ENDPOINTS.length * (STATS_QUIET_MS + 1500)) / 1000)} s of waiting for pg_stat_database`);
  let before = await settledTransactionCount(ctx.probe, STATS_QUIET_MS);
  for (const endpoint of ENDPOINTS) {
    if (ctx.missing.has(endpoint.id)) {
      checks.push({ endpoint: endpoint.id, label: endpoint.label, missing: true });
      continue;
    }
    await ctx.tap.phase(`${endpoint.id}/transactions`);
    for (let i = 0; i < n; i++) await get(ctx.origin, endpoint.path(pick), principal.headers);
    const sql = await ctx.tap.phase('');
    const after = await settledTransactionCount(ctx.probe, STATS_QUIET_MS);
    checks.push({ endpoint: endpoint.id, label: endpoint.label, requests: n, transactionsPerRequest: (after - before) / n, statementsPerRequest: sql ? sql.statements / n : undefined });
    ctx.log(`${endpoint.label}: ${((after - before) / n).toFixed(2)} transactions/request`);
    before = after;
  }
  return checks;
}

/** The plan of `statement` as Berth sent it, or why there is none. */
async function planOf(ctx, statement) {
  if (!statement) return {};
  try {
    const plan = await explainAnalyze(ctx.db, statement.text, statement.params);
    return plan === undefined ? { planError: 'not a read-only statement' } : { plan };
  } catch (err) {
    return { planError: err.message };
  }
}

const timings = (runs, value, mode) => runs.map((r) => `${value(r).toFixed(1)} ms (${r.who}${mode ? ` ${r.concurrency > 1 ? `c=${r.concurrency}` : 'seq'}` : ''})`).join(', ');

/**
 * What was slow, and why:
 * - `slow`: endpoints whose sequential p95 missed the target, with the slowest statement (by total time)
 *   of the first such caller's run and its plan;
 * - `cold`: endpoints whose percentiles passed but whose first request (before the warm-up, caches
 *   empty) took longer than the target, with the slowest single statement of that first request and
 *   warm-up;
 * - `concurrentOnly`: endpoints that missed the target only with requests in flight (no plans: the
 *   requests queue for the CPUs).
 * The Basic-credentials row is left out: its time is the argon2 verify, not SQL.
 */
export async function explainSlow(ctx, runs) {
  const target = ctx.opts.targetMs;
  const slow = [];
  const cold = [];
  const concurrentOnly = [];
  const measured = runs.filter((r) => r.who !== PRINCIPALS.adminBasic.id && !r.missing && !r.error);
  for (const label of [...new Set(measured.map((r) => r.label))]) {
    const failing = measured.filter((r) => r.label === label && r.status?.startsWith('FAIL'));
    const sequential = failing.find((r) => r.concurrency === 1);
    const coldRuns = measured.filter((r) => r.label === label && r.firstMs >= target);
    if (sequential) {
      const statement = sequential.slowStatements?.[0];
      const summary = `p95 ${timings(failing, (r) => r.p95, true)}`;
      slow.push({ endpoint: sequential.endpoint, label, summary, source: `${sequential.who}, sequential run`, statement, ...(await planOf(ctx, statement)) });
    } else if (coldRuns.length > 0) {
      const coldest = coldRuns.reduce((a, b) => (b.firstMs > a.firstMs ? b : a));
      // The one slowest execution, not the largest total: the cache is filled once, then the warm-up repeats the cheap path.
      const statement = [...(coldest.coldStatements ?? [])].sort((a, b) => b.maxMs - a.maxMs)[0];
      const summary = `first request ${timings(coldRuns, (r) => r.firstMs, false)}; warm p95 ${coldest.p95.toFixed(1)} ms`;
      cold.push({ endpoint: coldest.endpoint, label, summary, source: `${coldest.who}, first request and warm-up`, statement, ...(await planOf(ctx, statement)) });
    }
    if (failing.length > 0 && !sequential) concurrentOnly.push({ endpoint: failing[0].endpoint, label, summary: `p95 ${timings(failing, (r) => r.p95, true)}` });
  }
  return { slow, cold, concurrentOnly };
}
