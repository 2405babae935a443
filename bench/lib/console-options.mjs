// Knobs of the console benchmark (bench/console.mjs), read once from argv and the environment.
import path from 'node:path';

function intFromEnv(name, fallback, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${JSON.stringify(raw)}: expected an integer between ${min} and ${max}`);
  }
  return value;
}

function choiceFromEnv(name, choices, fallback) {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  if (!choices.includes(raw)) throw new Error(`${name}=${JSON.stringify(raw)}: expected one of ${choices.join(', ')}`);
  return raw;
}

export function readConsoleOptions(argv, repoRoot) {
  const quick = argv.includes('--quick');
  const unknown = argv.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`unknown argument(s): ${unknown.join(' ')} (only --quick is accepted)`);
  return {
    quick,
    repoRoot,
    scale: {
      projects: intFromEnv('BENCH_CONSOLE_PROJECTS', 100, { max: 1000 }),
      repositories: intFromEnv('BENCH_CONSOLE_REPOSITORIES', 10_000, { min: 100, max: 1_000_000 }),
    },
    requests: intFromEnv('BENCH_CONSOLE_REQUESTS', quick ? 40 : 300, { max: 100_000 }),
    concurrency: intFromEnv('BENCH_CONSOLE_CONCURRENCY', 8, { max: 256 }),
    warmup: intFromEnv('BENCH_CONSOLE_WARMUP', quick ? 5 : 20, { min: 0, max: 10_000 }),
    maxRunSeconds: intFromEnv('BENCH_CONSOLE_MAX_RUN_SECONDS', quick ? 3 : 20, { max: 3600 }),
    targetMs: intFromEnv('BENCH_CONSOLE_TARGET_MS', 50, { max: 60_000 }),
    poolSize: intFromEnv('BENCH_CONSOLE_POOL', 1000, { min: 10, max: 1_000_000 }),
    seed: intFromEnv('BENCH_CONSOLE_SEED', 42, { min: 0, max: 2 ** 31 }),
    transactionCheck: intFromEnv('BENCH_CONSOLE_XACT', quick ? 0 : 1, { min: 0, max: 1 }) === 1,
    transactionRequests: 20,
    slowSqlMs: intFromEnv('BENCH_CONSOLE_SLOW_SQL_MS', 10, { max: 60_000 }),
    auth: choiceFromEnv('BENCH_CONSOLE_AUTH', ['session', 'basic'], 'session'),
    maxMinutes: intFromEnv('BENCH_MAX_MINUTES', 60, { max: 24 * 60 }),
    berthMain: path.join(repoRoot, 'dist/apps/api/src/main.js'),
    ociLib: path.join(repoRoot, 'dist/libs/oci/src/index.js'),
    sqlTap: path.join(repoRoot, 'bench/lib/console-sql-tap.cjs'),
    resultsDir: path.join(repoRoot, 'bench/results'),
  };
}
