// Latency of console API requests: sequential and concurrent runs, percentiles, and the statement
// counts of the SQL tap (console-sql-tap.cjs) for each run.
import fs from 'node:fs';
import os from 'node:os';
import { request } from './http.mjs';
import { descendantsOf } from './proc.mjs';

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** One GET; `anonymous` so http.mjs does not add the registry token servers.mjs registered for this origin. */
export async function get(origin, path, headers) {
  const t0 = process.hrtime.bigint();
  const res = await request(origin, 'GET', path, { anonymous: true, headers, timeoutMs: 60_000 });
  return { status: res.status, body: res.body, ms: ms(t0) };
}

/** A route that does not exist answers the console's 404 "no such API endpoint" (as opposed to an unknown project or repository). */
export function isMissingRoute(res) {
  if (res.status !== 404) return false;
  try {
    return /no such API endpoint|Cannot GET/i.test(JSON.parse(res.body.toString('utf8')).message ?? '');
  } catch {
    return false;
  }
}

/**
 * `count` requests, `concurrency` at a time, each built by `next()`; stops early after `maxMs`. Every
 * response is timed, errors included; non-2xx answers and failures are counted and the first one kept.
 */
export async function runRequests(origin, { count, concurrency, maxMs, next, headers }) {
  const latencies = [];
  const statuses = {};
  let issued = 0;
  let errors = 0;
  let firstError;
  const deadline = Date.now() + maxMs;
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (issued < count && Date.now() < deadline) {
      issued += 1;
      const path = next();
      try {
        const res = await get(origin, path, headers);
        latencies.push(res.ms);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status < 200 || res.status >= 300) {
          errors += 1;
          firstError ??= `HTTP ${res.status} for ${path}: ${res.body.toString('utf8').slice(0, 300)}`;
        }
      } catch (err) {
        errors += 1;
        firstError ??= `${path}: ${err.message}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = ms(t0) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: latencies.length,
    concurrency,
    seconds,
    requestsPerSec: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1),
    mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : undefined,
    errors,
    statuses,
    firstError,
    truncated: latencies.length < count,
  };
}

/** Client of the SQL tap in the Berth under test: ends the current phase (returning its figures) and starts `label`. */
export function sqlTap(origin) {
  if (!origin) return { phase: async () => undefined };
  return {
    async phase(label) {
      try {
        const res = await request(origin, 'GET', `/phase?label=${encodeURIComponent(label)}`, { anonymous: true, timeoutMs: 5000 });
        return res.status === 200 ? JSON.parse(res.body.toString('utf8')) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** Busy CPU time of the whole machine, in clock ticks (/proc/stat: user, nice, system, irq, softirq, steal). */
function machineBusyTicks() {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + irq + softirq + (steal || 0);
}

/** CPU time of a process and of its children it has reaped, in clock ticks (/proc/<pid>/stat fields 14-17). */
function processTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return rest[11] + rest[12] + rest[13] + rest[14];
  } catch {
    return 0;
  }
}

/**
 * How much of the machine's CPU went to processes other than `roots` and their descendants (the bench,
 * Berth, its PostgreSQL and backends) between start and stop. Linux only; undefined elsewhere.
 */
export function startCpuMeter(roots) {
  const ours = () => {
    const pids = new Set(roots.filter(Boolean));
    for (const root of roots.filter(Boolean)) for (const child of descendantsOf(root)) pids.add(child);
    return pids;
  };
  let start;
  try {
    const pids = ours();
    start = { at: process.hrtime.bigint(), busy: machineBusyTicks(), mine: new Map([...pids].map((p) => [p, processTicks(p)])) };
  } catch {
    return { stop: () => undefined };
  }
  return {
    stop() {
      try {
        const seconds = Number(process.hrtime.bigint() - start.at) / 1e9;
        const busy = machineBusyTicks() - start.busy;
        let mine = 0;
        // Processes that started meanwhile count from 0; those that ended are in their parent's reaped time.
        for (const pid of ours()) mine += processTicks(pid) - (start.mine.get(pid) ?? 0);
        const other = Math.max(0, busy - mine);
        const capacity = seconds * os.cpus().length * 100; // USER_HZ is 100 on Linux
        return { seconds, busyTicks: busy, ourTicks: mine, otherTicks: other, share: other / capacity };
      } catch {
        return undefined;
      }
    },
  };
}
