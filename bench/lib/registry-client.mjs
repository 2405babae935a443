// The OCI Distribution API calls the bench makes: blob uploads (monolithic, chunked),
// blob download, blob delete, manifest push.
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { expectStatus, locationOf, request, timeoutFor, withQuery, writeChunk } from './http.mjs';
import { readVariantRange, sha256Digest } from './data.mjs';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

function checkDigestHeader(res, digest, what) {
  const got = res.headers['docker-content-digest'];
  if (got && got !== digest) throw new Error(`${what}: Docker-Content-Digest ${got}, expected ${digest}`);
}

export async function startUpload(origin, repo) {
  const res = await request(origin, 'POST', `/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' } });
  expectStatus(res, 202, `POST /v2/${repo}/blobs/uploads/`);
  return locationOf(res, 'POST upload');
}

/** POST, then one PUT ?digest= carrying the whole body, produced by `produce(write)`. */
export async function uploadMonolithic(origin, repo, { digest, size, produce }) {
  const location = await startUpload(origin, repo);
  const res = await request(origin, 'PUT', withQuery(location, 'digest', digest), {
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    writeBody: (req) => produce((chunk) => writeChunk(req, chunk)),
    timeoutMs: timeoutFor(size),
  });
  expectStatus(res, 201, 'monolithic PUT');
  checkDigestHeader(res, digest, 'monolithic PUT');
}

export function uploadBuffer(origin, repo, buf) {
  const digest = sha256Digest(buf);
  return uploadMonolithic(origin, repo, { digest, size: buf.length, produce: (write) => write(buf) }).then(() => ({
    digest,
    size: buf.length,
  }));
}

/** POST, PATCH chunks of `chunkBytes` with Content-Range start-end, then PUT ?digest= with no body. */
export async function uploadChunked(origin, repo, variant, chunkBytes) {
  let location = await startUpload(origin, repo);
  const fh = await fs.promises.open(variant.file, 'r');
  const buf = Buffer.allocUnsafe(Math.min(chunkBytes, variant.size));
  try {
    for (let start = 0; start < variant.size; ) {
      const len = Math.min(chunkBytes, variant.size - start);
      const chunk = await readVariantRange(fh, variant, start, len, buf);
      const res = await request(origin, 'PATCH', location, {
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(len),
          'content-range': `${start}-${start + len - 1}`,
        },
        body: chunk,
        timeoutMs: timeoutFor(len),
      });
      expectStatus(res, 202, `PATCH ${start}-${start + len - 1}`);
      location = locationOf(res, 'PATCH');
      start += len;
    }
  } finally {
    await fh.close();
  }
  const res = await request(origin, 'PUT', withQuery(location, 'digest', variant.digest), {
    headers: { 'content-length': '0' },
  });
  expectStatus(res, 201, 'chunked final PUT');
  checkDigestHeader(res, variant.digest, 'chunked final PUT');
}

/** GETs a blob, streaming it through; hashes it when `verify` is set. */
export async function downloadBlob(origin, repo, digest, { size, verify }) {
  let bytes = 0;
  const hash = verify ? crypto.createHash('sha256') : undefined;
  const res = await request(origin, 'GET', `/v2/${repo}/blobs/${digest}`, {
    onData: (c) => {
      bytes += c.length;
      hash?.update(c);
    },
    timeoutMs: timeoutFor(size),
  });
  expectStatus(res, 200, `GET blob ${digest}`);
  if (bytes !== size) throw new Error(`GET blob ${digest}: read ${bytes} bytes, expected ${size}`);
  const actual = hash ? `sha256:${hash.digest('hex')}` : undefined;
  if (hash && actual !== digest) throw new Error(`GET blob ${digest}: content hashes to ${actual}`);
  return { bytes, verified: Boolean(hash) };
}

/** DELETE a blob; returns the status (registries may answer 405 when deletes are off). */
export async function deleteBlob(origin, repo, digest) {
  try {
    const res = await request(origin, 'DELETE', `/v2/${repo}/blobs/${digest}`);
    return res.status;
  } catch (err) {
    return `error: ${err.message}`;
  }
}

/** Pushes a tiny but valid image (config + one empty gzipped tar layer) tagged `tag`. */
export async function pushSmallImage(origin, repo, tag) {
  const tar = Buffer.alloc(1024); // an empty tar archive: two zero blocks
  const layer = await uploadBuffer(origin, repo, zlib.gzipSync(tar));
  const config = await uploadBuffer(
    origin,
    repo,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] },
      }),
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
      layers: [{ mediaType: OCI_LAYER_GZIP, digest: layer.digest, size: layer.size }],
    }),
  );
  const put = await request(origin, 'PUT', `/v2/${repo}/manifests/${tag}`, {
    headers: { 'content-type': OCI_MANIFEST, 'content-length': String(manifest.length) },
    body: manifest,
  });
  expectStatus(put, 201, `PUT manifest ${repo}:${tag}`);
  const digest = sha256Digest(manifest);
  const get = await request(origin, 'GET', `/v2/${repo}/manifests/${tag}`, { headers: { accept: OCI_MANIFEST } });
  expectStatus(get, 200, `GET manifest ${repo}:${tag}`);
  if (!get.body.equals(manifest)) throw new Error(`GET manifest ${repo}:${tag}: body differs from what was pushed`);
  checkDigestHeader(get, digest, 'GET manifest');
  return { digest, size: manifest.length };
}
