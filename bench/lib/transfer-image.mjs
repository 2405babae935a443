// The transfer benchmark's image: a hand-built OCI image layout with `layers` uncompressed layers, each a
// tar of one file of `layerBytes` bytes (hashed as written: nothing is read back), a config whose diff_ids
// are those layers, a manifest and index.json. The bytes are `random` (crypto.randomBytes in 8 MiB chunks:
// nothing compresses) or `files`: consecutive slices of `tar -c /usr` of this machine, which compress like
// a real root filesystem (about 2.5:1 at gzip level 1), with binaries, text and already-compressed files.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const CHUNK = 8 * 1024 * 1024;
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A ustar header for a regular file (mode 0644, mtime 0). */
function tarHeader(name, size) {
  const h = Buffer.alloc(512, 0);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

async function writeBlob(layout, produce) {
  const tmp = path.join(layout, 'blobs', 'sha256', `tmp-${crypto.randomBytes(6).toString('hex')}`);
  const hash = crypto.createHash('sha256');
  const out = fs.createWriteStream(tmp);
  let size = 0;
  const write = async (buf) => {
    hash.update(buf);
    size += buf.length;
    if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
  };
  await produce(write);
  await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
  const digest = `sha256:${hash.digest('hex')}`;
  fs.renameSync(tmp, path.join(layout, 'blobs', 'sha256', digest.slice(7)));
  return { digest, size };
}

/** `tar -c /usr`, read `bytes` at a time; started again from the top if /usr is smaller than the image. */
function usrTarSource() {
  let child;
  let iterator;
  let rest = Buffer.alloc(0);
  const start = () => {
    child = spawn('tar', ['-cf', '-', '--sort=name', '-C', '/', 'usr'], { stdio: ['ignore', 'pipe', 'ignore'] });
    iterator = child.stdout[Symbol.asyncIterator]();
  };
  start();
  return {
    async take(bytes) {
      while (rest.length < bytes) {
        const next = await iterator.next();
        if (next.done) {
          start();
          continue;
        }
        rest = rest.length === 0 ? next.value : Buffer.concat([rest, next.value]);
      }
      const out = rest.subarray(0, bytes);
      rest = rest.subarray(bytes);
      return Buffer.from(out);
    },
    close() {
      child.kill();
    },
  };
}

/** Writes the layout; returns the image's digests and sizes. */
export async function buildBenchImage(layout, { layers, layerBytes, ref = 'bench', content = 'random' }) {
  const files = content === 'files' ? usrTarSource() : undefined;
  const chunk = (bytes) => (files ? files.take(bytes) : crypto.randomBytes(bytes));
  try {
    return await writeImage(layout, { layers, layerBytes, ref, chunk });
  } finally {
    files?.close();
  }
}

async function writeImage(layout, { layers, layerBytes, ref, chunk }) {
  fs.mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const built = [];
  for (let i = 0; i < layers; i++) {
    built.push(
      await writeBlob(layout, async (write) => {
        await write(tarHeader(`data/layer-${i}.bin`, layerBytes));
        for (let done = 0; done < layerBytes; done += CHUNK) await write(await chunk(Math.min(CHUNK, layerBytes - done)));
        const pad = (512 - (layerBytes % 512)) % 512;
        await write(Buffer.alloc(pad + 1024, 0));
      }),
    );
  }
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/true'] },
      rootfs: { type: 'layers', diff_ids: built.map((l) => l.digest) },
      history: built.map((_, i) => ({ created_by: `bench layer ${i}` })),
    }),
  );
  const config = await writeBlob(layout, (write) => write(configBytes));
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, ...config },
      layers: built.map((l) => ({ mediaType: OCI_LAYER, ...l })),
    }),
  );
  const manifest = await writeBlob(layout, (write) => write(manifestBytes));
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_MANIFEST, ...manifest, annotations: { 'org.opencontainers.image.ref.name': ref } }] }),
  );
  const imageBytes = built.reduce((n, l) => n + l.size, 0) + config.size + manifest.size;
  return { ref, config, manifest, layers: built, imageBytes };
}
