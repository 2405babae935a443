/**
 * Helpers of the archive import tests: upload an archive (whole, or slowly in parts), wait for the job,
 * count what the registry holds, find staging leftovers, pull an image back with skopeo and read it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { basicAuth } from '../support/access';
import { run, RunResult, tarFiles } from '../support/images';
import { TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

export const ADMIN = basicAuth('admin', TEST_ADMIN_PASSWORD);
export const TERMINAL = ['succeeded', 'failed', 'awaiting_names'];

export interface Answer<T = any> {
  status: number;
  body: T;
}

export interface UploadOptions {
  query?: Record<string, string>;
  authorization?: string;
  contentType?: string;
}

function importsPath(project: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `/api/v1/projects/${project}/imports${search ? `?${search}` : ''}`;
}

/** POST the archive as the body (with Content-Length) and parse the answer. */
export async function upload(berth: TestBerth, project: string, archive: Buffer, options: UploadOptions = {}): Promise<Answer> {
  return uploadInParts(berth, project, [archive], 0, options);
}

/**
 * POST `parts` one after the other, waiting `pauseMs` between them (Content-Length is the whole), calling
 * `between` during the first pause: a slow client, to watch the job while its upload runs.
 */
export function uploadInParts(
  berth: TestBerth,
  project: string,
  parts: Buffer[],
  pauseMs: number,
  options: UploadOptions = {},
  between?: () => Promise<void>,
): Promise<Answer> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${berth.url}${importsPath(project, options.query)}`,
      {
        method: 'POST',
        headers: {
          'Content-Type': options.contentType ?? 'application/x-tar',
          'Content-Length': String(total),
          Authorization: options.authorization ?? ADMIN,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    (async () => {
      for (const [i, part] of parts.entries()) {
        if (!req.write(part)) await new Promise((r) => req.once('drain', r));
        if (i < parts.length - 1) {
          await new Promise((r) => setTimeout(r, pauseMs));
          if (i === 0 && between) await between();
        }
      }
      req.end();
    })().catch(reject);
  });
}

export async function api(berth: TestBerth, method: string, route: string, body?: unknown, authorization = ADMIN): Promise<Answer> {
  const res = await fetch(`${berth.url}/api/v1${route}`, {
    method,
    headers: { Authorization: authorization, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Polls the job until it leaves uploading/analyzing/importing. */
export async function settled(berth: TestBerth, project: string, id: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(berth, 'GET', `/projects/${project}/imports/${id}`);
    if (res.status !== 200) throw new Error(`GET import ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    if (TERMINAL.includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${res.body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Uploads and waits for the job's end (or for names). */
export async function importArchive(berth: TestBerth, project: string, archive: Buffer, options: UploadOptions = {}): Promise<any> {
  const res = await upload(berth, project, archive, options);
  if (res.status !== 202) throw new Error(`import answered ${res.status}: ${JSON.stringify(res.body)}`);
  return settled(berth, project, res.body.id);
}

/** What the registry shows users: manifests and tags (and, separately, blob rows). */
export async function registryCounts(berth: TestBerth): Promise<{ manifests: number; tags: number }> {
  const [row] = await berth.running.dataSource.query(`SELECT (SELECT count(*)::int FROM manifest) AS manifests, (SELECT count(*)::int FROM tag) AS tags`);
  return row;
}

/** Files left under the storage's /imports (staging of finished jobs must be gone). */
export async function stagingLeft(berth: TestBerth): Promise<string[]> {
  const root = path.join(berth.storageDir, 'imports');
  try {
    return await fs.readdir(root);
  } catch {
    return [];
  }
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function skopeo(args: string[]): Promise<RunResult> {
  return run('skopeo', ['--insecure-policy', ...args], { timeoutMs: 60_000 });
}

export interface PulledImage {
  manifest: { mediaType?: string; config: { digest: string; mediaType: string }; layers: { digest: string; mediaType: string }[] };
  config: { rootfs: { diff_ids: string[] }; architecture: string; os: string };
  /** Per layer: sha256 of its uncompressed bytes. */
  diffIds: string[];
  /** Per layer: its size uncompressed. */
  uncompressedSizes: number[];
  /** Regular files of all layers. */
  files: Map<string, string>;
}

/** `skopeo copy docker://… dir:` as admin, then reads the manifest, the config and every layer (checking their digests). */
export async function pull(berth: TestBerth, reference: string, dir: string, ...flags: string[]): Promise<PulledImage> {
  await skopeo(['copy', '--src-tls-verify=false', '--src-creds', `admin:${TEST_ADMIN_PASSWORD}`, ...flags, `docker://${berth.host}/${reference}`, `dir:${dir}`]);
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8'));
  const blob = async (digest: string) => {
    const bytes = await fs.readFile(path.join(dir, digest.split(':')[1]));
    expect(sha256(bytes)).toBe(digest);
    return bytes;
  };
  const config = JSON.parse((await blob(manifest.config.digest)).toString('utf8'));
  const diffIds: string[] = [];
  const uncompressedSizes: number[] = [];
  const files = new Map<string, string>();
  for (const layer of manifest.layers) {
    const bytes = await blob(layer.digest);
    const tar = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes[0] === 0x28 && bytes[1] === 0xb5 ? execFileSync('zstd', ['-d', '-c'], { input: bytes }) : bytes;
    diffIds.push(sha256(tar));
    uncompressedSizes.push(tar.length);
    for (const [name, content] of tarFiles(tar)) files.set(name, content.toString('utf8'));
  }
  return { manifest, config, diffIds, uncompressedSizes, files };
}
