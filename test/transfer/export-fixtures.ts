/**
 * Helpers of the export tests: layered images built with umoci, archive downloads to a file,
 * and readers for what skopeo writes to a `dir:` destination.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { ImageManifest, readVerifiedBlob, resolveRef, run, sha256, tarFiles } from '../support/images';

export interface LayeredImage {
  ref: string;
  digest: string;
  manifest: ImageManifest;
  config: { digest: string; diffIds: string[]; architecture: string };
  /** Every file the image's layers add, path -> content. */
  files: Map<string, string>;
}

/**
 * An image with one layer per entry of `layers` (each adds its files), optionally on top of another
 * image of the same layout (`from`), whose layers it then shares byte for byte.
 */
export async function buildLayeredImage(
  layout: string,
  options: { ref: string; architecture: string; layers: Record<string, string | Buffer>[]; from?: string },
): Promise<LayeredImage> {
  const image = `${layout}:${options.ref}`;
  if (options.from) await run('umoci', ['tag', '--image', `${layout}:${options.from}`, options.ref]);
  else await run('umoci', ['new', '--image', image]);
  for (const files of options.layers) {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-export-umoci-'));
    try {
      const bundle = path.join(scratch, 'bundle');
      await run('umoci', ['unpack', '--rootless', '--image', image, bundle], { timeoutMs: 120_000 });
      for (const [file, content] of Object.entries(files)) {
        const target = path.join(bundle, 'rootfs', file);
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.writeFile(target, content);
      }
      await run('umoci', ['repack', '--image', image, bundle], { timeoutMs: 300_000 });
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }
  await run('umoci', ['config', '--image', image, '--architecture', options.architecture, '--os', 'linux', '--config.cmd', '/bin/true']);
  const descriptor = await resolveRef(layout, options.ref);
  const manifest = JSON.parse((await readVerifiedBlob(layout, descriptor.digest)).toString('utf8')) as ImageManifest;
  const config = JSON.parse((await readVerifiedBlob(layout, manifest.config.digest)).toString('utf8')) as { rootfs: { diff_ids: string[] }; architecture: string };
  const files = new Map<string, string>();
  for (const layer of manifest.layers) {
    for (const [name, content] of tarFiles(await readVerifiedBlob(layout, layer.digest))) if (content.length < 4096) files.set(name, content.toString('utf8'));
  }
  return { ref: options.ref, digest: descriptor.digest, manifest, config: { digest: manifest.config.digest, diffIds: config.rootfs.diff_ids, architecture: config.architecture }, files };
}

export interface Download {
  status: number;
  headers: Headers;
  /** The body as text when it was not an archive (an error). */
  text?: string;
  bytes: number;
  sha256?: string;
}

/** Fetches `url` into `file` as it streams (never whole in memory); an error answer is read as text. */
export async function download(url: string, file: string, init: RequestInit = {}): Promise<Download> {
  const res = await fetch(url, init);
  if (res.status !== 200 || /json/.test(res.headers.get('content-type') ?? '') || !res.body) {
    return { status: res.status, headers: res.headers, text: await res.text(), bytes: 0 };
  }
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(file),
  );
  return { status: res.status, headers: res.headers, bytes, sha256: `sha256:${hash.digest('hex')}` };
}

export interface Member {
  name: string;
  type: string;
  size: number;
  /** Content of small members (up to 64 KiB); the digest of every member. */
  content?: Buffer;
  sha256: string;
}

/** Every member of a tar file, in order, read with tar-stream. */
export async function tarMembers(file: string): Promise<Member[]> {
  const members: Member[] = [];
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const hash = createHash('sha256');
      const small: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
        if (size <= 65536) small.push(chunk);
      });
      stream.on('end', () => {
        members.push({ name: header.name, type: header.type ?? 'file', size, content: size <= 65536 ? Buffer.concat(small) : undefined, sha256: `sha256:${hash.digest('hex')}` });
        next();
      });
      stream.on('error', reject);
    });
    reader.on('finish', resolve);
    reader.on('error', reject);
  });
  createReadStream(file).pipe(reader);
  await done;
  return members;
}

export function memberJson<T>(members: Member[], name: string): T {
  const member = members.find((m) => m.name === name);
  if (!member?.content) throw new Error(`no member ${name} in the archive (members: ${members.map((m) => m.name).join(', ')})`);
  return JSON.parse(member.content.toString('utf8')) as T;
}

export interface DirImage {
  manifest: ImageManifest;
  configDigest: string;
  config: { rootfs: { diff_ids: string[] }; architecture: string; os: string };
  /** What the config's rootfs.diff_ids name. */
  diffIds: string[];
  /** Per layer: the digest of its uncompressed tar (what diff_ids should name). */
  layerDigests: string[];
  /** Per layer: its size uncompressed. */
  uncompressedSizes: number[];
  /** Regular files of all layers smaller than `maxFileBytes`, path -> content. */
  files: Map<string, string>;
}

/** A layer's tar: gunzipped or un-zstd-ed when it is compressed, as it is otherwise. */
function layerTar(bytes: Buffer): Buffer {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipSync(bytes);
  if (bytes[0] === 0x28 && bytes[1] === 0xb5) return execFileSync('zstd', ['-d', '-c'], { input: bytes, maxBuffer: 1024 ** 3 });
  return bytes;
}

/**
 * What `skopeo copy … dir:<dir>` wrote: its manifest, config and layer files, each checked against its
 * digest. Files of `maxFileBytes` or more (4 KiB unless given) are left out of `files`.
 */
export async function readDirImage(dir: string, options: { manifestFile?: string; maxFileBytes?: number } = {}): Promise<DirImage> {
  const { manifestFile = 'manifest.json', maxFileBytes = 4096 } = options;
  const manifest = JSON.parse(await fs.readFile(path.join(dir, manifestFile), 'utf8')) as ImageManifest;
  const blob = async (digest: string) => {
    const bytes = await fs.readFile(path.join(dir, digest.split(':')[1]));
    if (sha256(bytes) !== digest) throw new Error(`${dir}: ${digest} hashes to ${sha256(bytes)}`);
    return bytes;
  };
  const config = JSON.parse((await blob(manifest.config.digest)).toString('utf8')) as DirImage['config'];
  const files = new Map<string, string>();
  const layerDigests: string[] = [];
  const uncompressedSizes: number[] = [];
  for (const layer of manifest.layers) {
    const tar = layerTar(await blob(layer.digest));
    layerDigests.push(sha256(tar));
    uncompressedSizes.push(tar.length);
    for (const [name, content] of tarFiles(tar)) if (content.length < maxFileBytes) files.set(name, content.toString('utf8'));
  }
  return { manifest, configDigest: manifest.config.digest, config, diffIds: config.rootfs.diff_ids, layerDigests, uncompressedSizes, files };
}

/** Open file descriptors of this process (the test Berth runs in it) that point into `dir`. */
export async function openFilesUnder(dir: string): Promise<string[]> {
  const open: string[] = [];
  for (const fd of await fs.readdir('/proc/self/fd')) {
    try {
      const target = await fs.readlink(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) open.push(target);
    } catch {
      // closed while we looked
    }
  }
  return open;
}
