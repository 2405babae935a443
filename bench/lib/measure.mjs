// The timed measurements. Each returns raw samples; run.mjs takes medians.
import { execFileSync } from 'node:child_process';
import { patternBlocks, streamVariant } from './data.mjs';
import { readMemory, startRssSampler } from './proc.mjs';
import {
  OCI_MANIFEST,
  deleteBlob,
  downloadBlob,
  pushSmallImage,
  uploadChunked,
  uploadMonolithic,
} from './registry-client.mjs';
import { expectStatus, request } from './http.mjs';
import { runWrk } from './wrk.mjs';

const MIB = 1024 * 1024;
// In Berth's public `library` project, which exists from the start; distribution takes any name.
export const BLOB_REPO = 'library/bench';
export const SMALL_REPO = 'library/bench-small';

const now = () => process.hrtime.bigint();
const secondsSince = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;
const mibPerSec = (bytes, seconds) => bytes / MIB / seconds;
const fmt = (x) => x.toFixed(1);

/** Flushes dirty pages left by the previous step so it does not slow down the next one. */
export function settle() {
  try {
    execFileSync('sync', { timeout: 120_000 });
  } catch {
    // best effort
  }
}

/** POST + one streamed PUT per repetition, a new variant (digest) each time. */
export async function measureMonolithic(target, variants, log) {
  const samples = [];
  for (const [i, v] of variants.entries()) {
    settle();
    const t0 = now();
    await uploadMonolithic(target.origin, BLOB_REPO, {
      digest: v.digest,
      size: v.size,
      produce: (write) => streamVariant(v, write),
    });
    samples.push(mibPerSec(v.size, secondsSince(t0)));
    log(`monolithic upload ${i + 1}/${variants.length}: ${fmt(samples.at(-1))} MiB/s`);
  }
  return { samples };
}

/** POST + PATCH chunks + empty PUT per repetition, a new variant each time. */
export async function measureChunked(target, variants, chunkBytes, log) {
  const samples = [];
  for (const [i, v] of variants.entries()) {
    settle();
    const t0 = now();
    await uploadChunked(target.origin, BLOB_REPO, v, chunkBytes);
    samples.push(mibPerSec(v.size, secondsSince(t0)));
    log(`chunked upload ${i + 1}/${variants.length}: ${fmt(samples.at(-1))} MiB/s`);
  }
  return { samples };
}

/**
 * One untimed GET that checks the sha256, then `repeat` timed samples that only count bytes.
 * A single 256 MiB GET from the page cache lasts about 0.1 s, too short to be stable, so each
 * sample is several consecutive GETs totalling at least 1 GiB.
 */
export async function measureDownload(target, variant, repeat, log) {
  await downloadBlob(target.origin, BLOB_REPO, variant.digest, { size: variant.size, verify: true });
  log(`download verified (${variant.digest.slice(0, 19)}...)`);
  const getsPerSample = Math.max(1, Math.ceil(1024 * MIB / variant.size));
  const samples = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = now();
    for (let j = 0; j < getsPerSample; j++) {
      await downloadBlob(target.origin, BLOB_REPO, variant.digest, { size: variant.size, verify: false });
    }
    samples.push(mibPerSec(variant.size * getsPerSample, secondsSince(t0)));
    log(`download ${i + 1}/${repeat} (${getsPerSample} GETs): ${fmt(samples.at(-1))} MiB/s`);
  }
  return { samples, getsPerSample, verified: true };
}

/**
 * Pushes a small image, then wrk on GET /v2/library/bench-small/manifests/latest: a warm-up, then
 * `repeat` runs. Against Berth the requests carry a bearer token from its token service, as docker's
 * do: an anonymous pull token (the public project), and then, reported beside it, an admin's token.
 */
export async function measureManifestGet(target, opts, log) {
  await pushSmallImage(target.origin, SMALL_REPO, 'latest');
  const anonymous = await wrkSeries(target, opts, log, target.usesTokens ? await pullToken(target, true) : undefined, 'manifest GET');
  if (!target.usesTokens) return anonymous;
  const admin = await wrkSeries(target, opts, log, await pullToken(target, false), 'manifest GET (admin token)');
  return { ...anonymous, admin };
}

async function pullToken(target, anonymous) {
  const path = `/service/token?service=berth&scope=repository:${SMALL_REPO}:pull`;
  const res = await request(target.origin, 'GET', path, anonymous ? { anonymous } : { headers: { Authorization: target.basic } });
  expectStatus(res, 200, 'token request');
  return `Bearer ${JSON.parse(res.body.toString()).token}`;
}

async function wrkSeries(target, opts, log, authorization, what) {
  const url = `${target.origin}/v2/${SMALL_REPO}/manifests/latest`;
  const wrk = (seconds) =>
    runWrk(opts.wrkBin, url, {
      threads: opts.wrkThreads,
      connections: opts.wrkConnections,
      seconds,
      headers: { Accept: OCI_MANIFEST, ...(authorization ? { Authorization: authorization } : {}) },
    });
  // The first seconds under load are consistently slower (JIT, caches, pools): warm up, untimed.
  const warm = await wrk(Math.min(3, Math.max(1, Math.round(opts.wrkSeconds / 5))));
  log(`${what} warm-up: ${fmt(warm.requestsPerSec)} req/s, non-2xx ${warm.non2xx}`);
  const samples = [];
  const runs = [];
  for (let i = 0; i < opts.repeat; i++) {
    const r = await wrk(opts.wrkSeconds);
    samples.push(r.requestsPerSec);
    runs.push({ ...r, raw: undefined });
    log(`${what} ${i + 1}/${opts.repeat}: ${fmt(r.requestsPerSec)} req/s, non-2xx ${r.non2xx}, latency avg ${r.latencyAvg} max ${r.latencyMax}`);
  }
  const socketErrors = runs.reduce(
    (sum, r) => sum + r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout,
    0,
  );
  return { samples, non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0), socketErrors, runs };
}

/**
 * Four concurrent monolithic uploads of `bigBytes` each, generated from the shared pattern,
 * while the server's VmRSS is sampled every 100 ms. VmHWM is read right after (this phase runs
 * first, so VmHWM covers start-up plus this phase only). The blobs are deleted afterwards.
 */
export async function measureMemory(target, pattern, bigDigests, bigBytes, log) {
  settle();
  const sampler = target.pid ? startRssSampler(target.pid, 100) : undefined;
  const t0 = now();
  let uploads;
  let sampled;
  try {
    uploads = await Promise.allSettled(
      bigDigests.map((digest, index) =>
        uploadMonolithic(target.origin, BLOB_REPO, {
          digest,
          size: bigBytes,
          produce: async (write) => {
            for (const part of patternBlocks(pattern, index, bigBytes)) await write(part);
          },
        }),
      ),
    );
  } finally {
    sampled = sampler?.stop();
  }
  const seconds = secondsSince(t0);
  const hwm = target.pid ? readMemory(target.pid)?.hwm : undefined;
  const failed = uploads.filter((u) => u.status === 'rejected');
  const deleteStatuses = [];
  for (const digest of bigDigests) deleteStatuses.push(await deleteBlob(target.origin, BLOB_REPO, digest));
  log(`deleted big blobs: HTTP ${deleteStatuses.join(', ')}`);
  if (failed.length > 0) throw new Error(`${failed.length} of ${bigDigests.length} big uploads failed: ${failed[0].reason.message}`);
  const result = {
    aggregateMiBps: mibPerSec(bigBytes * bigDigests.length, seconds),
    seconds,
    maxSampledRss: sampled?.maxRss,
    maxTreeRss: sampled?.maxTreeRss,
    rssSamples: sampled?.samples,
    hwmAfterPhase: hwm,
    deleteStatuses,
  };
  log(
    `4 concurrent uploads: ${fmt(result.aggregateMiBps)} MiB/s aggregate in ${fmt(seconds)} s` +
      (target.pid
        ? `, max RSS ${fmt(result.maxSampledRss / MIB)} MiB, VmHWM ${fmt(hwm / MIB)} MiB, tree ${fmt(result.maxTreeRss / MIB)} MiB`
        : ', RSS not measured (no pid)'),
  );
  return result;
}
