// Reads the benchmark knobs from argv and the environment, once.
import path from 'node:path';

const MIB = 1024 * 1024;
const KNOWN_TARGETS = ['berth', 'distribution'];

/** An integer knob from the environment: `fallback` when unset or blank, an error naming the variable when out of range. */
export function intFromEnv(name, fallback, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${JSON.stringify(raw)}: expected an integer between ${min} and ${max}`);
  }
  return value;
}

/** Only loopback targets are allowed: the bench must never send traffic off this machine. */
function loopbackUrl(name, raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name}=${JSON.stringify(raw)}: not a URL`);
  }
  if (url.protocol !== 'http:') throw new Error(`${name}: only http:// is supported`);
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  if (url.hostname !== '127.0.0.1') throw new Error(`${name}: only 127.0.0.1 / localhost targets are allowed`);
  return url.origin;
}

function parseTargets() {
  const raw = process.env.BENCH_TARGETS?.trim() || KNOWN_TARGETS.join(',');
  const targets = [...new Set(raw.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))];
  for (const t of targets) {
    if (!KNOWN_TARGETS.includes(t)) throw new Error(`BENCH_TARGETS: unknown target ${JSON.stringify(t)} (use ${KNOWN_TARGETS.join(', ')})`);
  }
  if (targets.length === 0) throw new Error('BENCH_TARGETS is empty');
  return targets;
}

export function readOptions(argv, repoRoot) {
  const quick = argv.includes('--quick');
  const unknown = argv.filter((a) => a !== '--quick');
  if (unknown.length > 0) throw new Error(`unknown argument(s): ${unknown.join(' ')} (only --quick is accepted)`);

  const blobMiB = intFromEnv('BENCH_BLOB_MIB', quick ? 32 : 256, { max: 16384 });
  const chunkMiB = intFromEnv('BENCH_CHUNK_MIB', 8, { max: 1024 });
  const bigMiB = intFromEnv('BENCH_BIG_MIB', quick ? 64 : 1024, { min: 16, max: 16384 });
  const berthPid = process.env.BERTH_PID ? intFromEnv('BERTH_PID', undefined) : undefined;

  return {
    quick,
    repoRoot,
    targets: parseTargets(),
    repeat: intFromEnv('BENCH_REPEAT', quick ? 1 : 3, { max: 20 }),
    blobBytes: blobMiB * MIB,
    chunkBytes: chunkMiB * MIB,
    bigBytes: bigMiB * MIB,
    bigUploads: 4,
    wrkSeconds: intFromEnv('BENCH_WRK_SECONDS', quick ? 3 : 10, { max: 300 }),
    wrkThreads: intFromEnv('BENCH_WRK_THREADS', 2, { max: 64 }),
    wrkConnections: intFromEnv('BENCH_WRK_CONNECTIONS', 32, { max: 1024 }),
    maxMinutes: intFromEnv('BENCH_MAX_MINUTES', 60, { max: 24 * 60 }),
    berthUrl: process.env.BERTH_URL ? loopbackUrl('BERTH_URL', process.env.BERTH_URL) : undefined,
    berthPid,
    berthMain: path.join(repoRoot, 'dist/apps/api/src/main.js'),
    distributionBin: process.env.DISTRIBUTION_BIN || '/usr/bin/docker-registry',
    wrkBin: process.env.WRK_BIN || '/usr/bin/wrk',
    resultsDir: path.join(repoRoot, 'bench/results'),
  };
}

export { MIB };
