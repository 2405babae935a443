/**
 * Real images for real-client tests, built without a daemon: `umoci` writes OCI image layouts,
 * `skopeo` moves them to and from the registry. Both are Debian packages (see scripts/test.sh).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Command on PATH -> the Debian package that provides it. */
export const CLIENT_PACKAGES: Readonly<Record<string, string>> = Object.freeze({ skopeo: 'skopeo', umoci: 'umoci' });

/** Throws (never skips) when a client the tests need is missing, naming the packages to install. */
export async function requireCommands(packages: Readonly<Record<string, string>> = CLIENT_PACKAGES): Promise<void> {
  const missing: string[] = [];
  const toInstall = new Set<string>();
  for (const [command, pkg] of Object.entries(packages)) {
    if (await onPath(command)) continue;
    missing.push(`${command} (Debian package "${pkg}")`);
    toInstall.add(pkg);
  }
  if (missing.length > 0) {
    const install = [...toInstall].join(' ');
    throw new Error(
      `The real-client tests need these commands on PATH: ${missing.join(', ')}. ` +
        `Install them with: sudo apt-get install -y ${install} (scripts/test.sh does this as root).`,
    );
  }
}

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      await fs.access(path.join(dir, command), fsConstants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  /** The whole environment of the command (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** Runs a command without a shell; on failure the error carries the command line, exit status and stderr. */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeout = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    execFile(
      command,
      [...args],
      { cwd: options.cwd, env: options.env, timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' },
      (error, stdout, stderr) => {
        const err = stderr.toString('utf8');
        if (!error) return resolve({ stdout, stderr: err });
        const status = error.killed ? `killed after ${timeout} ms` : `exit code ${String(error.code ?? error.signal)}`;
        reject(new Error(`${command} ${args.join(' ')} failed (${status})\n--- stderr ---\n${err.trim()}\n--- stdout ---\n${stdout.toString('utf8').trim()}`));
      },
    );
  });
}

/**
 * skopeo with `options` (a 120 s timeout unless given). --insecure-policy: accept any image without
 * reading the host's /etc/containers/policy.json.
 */
export function skopeo(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run('skopeo', ['--insecure-policy', ...args], { ...options, timeoutMs: options.timeoutMs ?? 120_000 });
}

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

const REF_NAME = 'org.opencontainers.image.ref.name';

export function blobPath(layout: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return path.join(layout, 'blobs', algorithm, hex);
}

export async function readBlob(layout: string, digest: string): Promise<Buffer> {
  return fs.readFile(blobPath(layout, digest));
}

/** Reads a blob and checks its bytes hash to its name, so a test never trusts a corrupt download. */
export async function readVerifiedBlob(layout: string, digest: string): Promise<Buffer> {
  const bytes = await readBlob(layout, digest);
  const actual = sha256(bytes);
  if (actual !== digest) throw new Error(`blob ${digest} in ${layout} hashes to ${actual}`);
  return bytes;
}

export async function readJsonBlob<T>(layout: string, digest: string): Promise<T> {
  return JSON.parse((await readVerifiedBlob(layout, digest)).toString('utf8')) as T;
}

export async function readLayoutIndex(layout: string): Promise<OciIndex> {
  return JSON.parse(await fs.readFile(path.join(layout, 'index.json'), 'utf8')) as OciIndex;
}

/** The descriptor that index.json names `ref`. */
export async function resolveRef(layout: string, ref: string): Promise<Descriptor> {
  const found = (await readLayoutIndex(layout)).manifests.filter((d) => d.annotations?.[REF_NAME] === ref);
  if (found.length !== 1) throw new Error(`${layout} has ${found.length} entries named ${ref}`);
  return found[0];
}

export async function initLayout(layout: string): Promise<void> {
  await run('umoci', ['init', '--layout', layout]);
}

export interface BuiltImage {
  ref: string;
  digest: string;
  /** The manifest's exact bytes as stored in the layout. */
  bytes: Buffer;
  manifest: ImageManifest;
  platform: { architecture: string; os: string };
  /** The file this image adds, which tells its layer apart from the other platforms'. */
  file: { path: string; content: string };
}

export interface ImageSpec {
  ref: string;
  architecture: string;
  /** Path inside the rootfs, relative (e.g. `etc/berth-arch`). */
  filePath: string;
  fileContent: string;
  cmd: string[];
}

/** umoci new -> unpack --rootless -> add a file -> repack -> set platform and cmd. One layer, one config. */
export async function buildImage(layout: string, spec: ImageSpec): Promise<BuiltImage> {
  const image = `${layout}:${spec.ref}`;
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-umoci-'));
  const bundle = path.join(scratch, 'bundle');
  try {
    await run('umoci', ['new', '--image', image]);
    await run('umoci', ['unpack', '--rootless', '--image', image, bundle]);
    const target = path.join(bundle, 'rootfs', spec.filePath);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, spec.fileContent);
    await run('umoci', ['repack', '--image', image, bundle]);
    await run('umoci', [
      'config',
      '--image',
      image,
      '--architecture',
      spec.architecture,
      '--os',
      'linux',
      ...spec.cmd.flatMap((arg) => ['--config.cmd', arg]),
    ]);
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  const descriptor = await resolveRef(layout, spec.ref);
  const bytes = await readVerifiedBlob(layout, descriptor.digest);
  return {
    ref: spec.ref,
    digest: descriptor.digest,
    bytes,
    manifest: JSON.parse(bytes.toString('utf8')) as ImageManifest,
    platform: { architecture: spec.architecture, os: 'linux' },
    file: { path: spec.filePath, content: spec.fileContent },
  };
}

export interface BuiltIndex {
  ref: string;
  digest: string;
  bytes: Buffer;
  index: OciIndex;
}

/** Writes an OCI image index over `images` (with their platforms) into the layout and names it `ref` in index.json. */
export async function addImageIndex(layout: string, ref: string, images: readonly BuiltImage[]): Promise<BuiltIndex> {
  const index: OciIndex = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: images.map((image) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: image.digest,
      size: image.bytes.length,
      platform: image.platform,
    })),
  };
  const bytes = Buffer.from(JSON.stringify(index));
  const digest = sha256(bytes);
  await fs.writeFile(blobPath(layout, digest), bytes);
  const top = await readLayoutIndex(layout);
  top.manifests = top.manifests.filter((d) => d.annotations?.[REF_NAME] !== ref);
  top.manifests.push({ mediaType: index.mediaType!, digest, size: bytes.length, annotations: { [REF_NAME]: ref } });
  await fs.writeFile(path.join(layout, 'index.json'), JSON.stringify(top));
  return { ref, digest, bytes, index };
}

/** Regular files of a (possibly gzipped) tar layer: path without a leading `./` -> content. */
export function tarFiles(layer: Buffer): Map<string, Buffer> {
  const tar = layer[0] === 0x1f && layer[1] === 0x8b ? gunzipSync(layer) : layer;
  const files = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    longName = undefined;
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (type === 'x') longName = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1];
    else if (type === '0') files.set(name.replace(/^\.\//, ''), Buffer.from(body));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
