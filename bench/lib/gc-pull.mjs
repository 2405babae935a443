// A pull client for the GC benchmark: a few loops that each GET a manifest by tag and then every blob it
// references (config and layers), as `docker pull` does, timing every request and checking every body
// (blob bytes must hash to their digest). It runs beside a garbage collection to show what a user pulling
// at that moment sees, and alone for a baseline.
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from './http.mjs';
import { percentile } from './console-measure.mjs';

const ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** Tokens refreshed well before their 300 s lifetime. */
const TOKEN_MAX_AGE_MS = 180_000;

/**
 * Bearer tokens per repository from Berth's token service (`/service/token`), asked for with Basic
 * credentials, as docker does; one per repository so no scope list grows long.
 */
export function tokenSource(origin, basic) {
  const cache = new Map();
  const fetchToken = async (repo) => {
    const res = await request(origin, 'GET', `/service/token?service=berth&scope=${encodeURIComponent(`repository:${repo}:pull`)}`, {
      anonymous: true,
      headers: { Authorization: basic },
    });
    if (res.status !== 200) throw new Error(`token for ${repo}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
    return { value: `Bearer ${JSON.parse(res.body.toString('utf8')).token}`, at: Date.now() };
  };
  return {
    async get(repo) {
      let entry = cache.get(repo);
      if (!entry || Date.now() - (await entry).at > TOKEN_MAX_AGE_MS) {
        entry = fetchToken(repo);
        cache.set(repo, entry);
        entry.catch(() => cache.delete(repo));
      }
      return (await entry).value;
    },
    async warm(repos) {
      for (const repo of repos) await this.get(repo);
    },
  };
}

async function timed(origin, path, headers, onData) {
  const t0 = process.hrtime.bigint();
  const startedAt = Date.now();
  const res = await request(origin, 'GET', path, { anonymous: true, headers, onData, timeoutMs: 30_000 });
  return { res, ms: Number(process.hrtime.bigint() - t0) / 1e6, startedAt };
}

/**
 * Starts `loops` pull loops over `targets` ({ repo, tag }); each picks targets at random. Returns a
 * handle: stop() ends the loops and resolves to every sample { at, ms, kind, ok } and the errors seen.
 * `pauseMs` is a pause between two pulls of one loop (0: back to back).
 */
export function startPullers(origin, tokens, targets, { loops = 4, pauseMs = 0, seed = 1 } = {}) {
  const samples = [];
  const errors = [];
  let stopping = false;
  let rnd = seed >>> 0;
  const random = () => {
    rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0;
    return rnd / 4294967296;
  };
  const fail = (what, detail) => {
    errors.push({ at: Date.now(), what, detail: String(detail).slice(0, 300) });
  };
  const pullOnce = async () => {
    const target = targets[Math.floor(random() * targets.length)];
    const auth = await tokens.get(target.repo);
    const path = `/v2/${target.repo}/manifests/${target.tag}`;
    let manifest;
    try {
      const { res, ms, startedAt } = await timed(origin, path, { Authorization: auth, Accept: ACCEPT });
      const ok = res.status === 200;
      samples.push({ at: startedAt, ms, kind: 'manifest', ok });
      if (!ok) return fail(`GET ${path}`, `HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
      manifest = JSON.parse(res.body.toString('utf8'));
    } catch (err) {
      samples.push({ at: Date.now(), ms: 0, kind: 'manifest', ok: false });
      return fail(`GET ${path}`, err.message);
    }
    for (const d of [manifest.config, ...(manifest.layers ?? [])]) {
      const blobPath = `/v2/${target.repo}/blobs/${d.digest}`;
      const hash = crypto.createHash('sha256');
      let bytes = 0;
      try {
        const { res, ms, startedAt } = await timed(origin, blobPath, { Authorization: auth }, (chunk) => {
          hash.update(chunk);
          bytes += chunk.length;
        });
        let ok = res.status === 200;
        if (!ok) fail(`GET ${blobPath}`, `HTTP ${res.status} ${res.body.toString('utf8').slice(0, 200)}`);
        else if (bytes !== d.size || `sha256:${hash.digest('hex')}` !== d.digest) {
          ok = false;
          fail(`GET ${blobPath}`, `body of ${bytes} bytes does not match the descriptor (${d.size} bytes, ${d.digest})`);
        }
        samples.push({ at: startedAt, ms, kind: 'blob', ok });
      } catch (err) {
        samples.push({ at: Date.now(), ms: 0, kind: 'blob', ok: false });
        fail(`GET ${blobPath}`, err.message);
      }
    }
  };
  const loop = async () => {
    while (!stopping) {
      const before = errors.length;
      try {
        await pullOnce();
      } catch (err) {
        fail('pull', err.message); // a token request that failed
      }
      // A server that is gone fails fast: do not spin.
      if (errors.length > before) await sleep(100);
      if (pauseMs > 0 && !stopping) await sleep(pauseMs);
    }
  };
  const running = Array.from({ length: loops }, loop);
  return {
    async stop() {
      stopping = true;
      await Promise.all(running);
      return { samples, errors };
    },
  };
}

/** Count, errors, throughput and latency percentiles of the samples started in [from, to). */
export function summarize(samples, errors, from, to, kind) {
  const inWindow = samples.filter((s) => s.at >= from && s.at < to && (kind === undefined || s.kind === kind));
  const ms = inWindow.filter((s) => s.ok).map((s) => s.ms).sort((a, b) => a - b);
  // Failed requests, plus failures that had no request of their own (a token the loop could not get).
  const failed = inWindow.filter((s) => !s.ok).length + (kind === undefined ? errors.filter((e) => e.what === 'pull' && e.at >= from && e.at < to).length : 0);
  const seconds = (to - from) / 1000;
  return {
    requests: inWindow.length,
    errors: failed,
    seconds,
    perSecond: seconds > 0 ? inWindow.length / seconds : undefined,
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
    p99: percentile(ms, 99),
    max: ms.at(-1),
    firstErrors: errors.filter((e) => e.at >= from && e.at < to).slice(0, 5),
  };
}
