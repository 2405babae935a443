/**
 * Helpers of the archive import tests: upload an archive (whole, in held-back parts, or as it is
 * produced), wait for the job, count what the registry holds, find staging leftovers, pull an image back
 * with skopeo and read it, and run the `berth` CLI.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { basicAuth } from '../support/access';
import { skopeo } from '../support/images';
import { TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';
import { readDirImage } from './export-fixtures';

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
  return uploadInParts(berth, project, [archive], options);
}

/**
 * POSTs `parts` one after the other (Content-Length is the whole), awaiting `between` once the first is
 * sent: a client that holds back the rest until the test lets it go. Nothing more is sent once the server
 * has answered.
 */
export function uploadInParts(berth: TestBerth, project: string, parts: Buffer[], options: UploadOptions = {}, between?: () => Promise<void>): Promise<Answer> {
  async function* body(): AsyncGenerator<Buffer> {
    for (const [i, part] of parts.entries()) {
      if (i === 1 && between) await between();
      yield part;
    }
  }
  return uploadStream(berth, project, body(), { ...options, length: parts.reduce((n, p) => n + p.length, 0) });
}

/**
 * POSTs `chunks` as they are produced (with `length` as Content-Length, chunked without it) and stops
 * sending once the server answers. When `chunks` throws, the client goes away: the connection is dropped
 * and the promise rejects with that error. On a connection of its own: the body may be left unfinished,
 * so the connection cannot be reused.
 */
export function uploadStream(
  berth: TestBerth,
  project: string,
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
  options: UploadOptions & { length?: number } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    let onAnswer = () => undefined as void;
    const answer = new Promise<void>((r) => (onAnswer = r));
    const headers: Record<string, string> = { 'Content-Type': options.contentType ?? 'application/x-tar', Authorization: options.authorization ?? ADMIN };
    if (options.length !== undefined) headers['Content-Length'] = String(options.length);
    const req = http.request(`${berth.url}${importsPath(project, options.query)}`, { method: 'POST', headers, agent: false }, (res) => {
      answered = true;
      onAnswer();
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        req.destroy();
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    (async () => {
      for await (const chunk of chunks) {
        if (answered) return;
        if (!req.write(chunk)) await Promise.race([once(req, 'drain'), answer]);
      }
      if (!answered) req.end();
    })().catch((err) => {
      if (answered) return;
      reject(err);
      req.destroy();
    });
  });
}

/** A promise held until `release()`: what a test awaits to hold back the rest of an upload. */
export function gate(): { held: Promise<void>; release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  return { held, release };
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

/** Polls the job, as `authorization` (the admin unless given), until it leaves uploading/analyzing/importing. */
export async function settled(berth: TestBerth, project: string, id: string, authorization = ADMIN): Promise<any> {
  const timeoutMs = 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api(berth, 'GET', `/projects/${project}/imports/${id}`, undefined, authorization);
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
  const read = await readDirImage(dir, { maxFileBytes: Infinity });
  return { manifest: read.manifest, config: read.config, diffIds: read.layerDigests, uncompressedSizes: read.uncompressedSizes, files: read.files };
}

const CLI = path.join(__dirname, '../../bin/berth.js');
const BUILT_CLI = path.join(__dirname, '../../dist/apps/api/src/cli/berth.js');

/** Throws, naming the build step, when the CLI has not been built into dist/. */
export function requireBuiltCli(): void {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run npm run build:server first (npm test does)`);
}

export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `berth <args>` against `berth` as a child process (asynchronously: the server runs in this
 * process), as the admin unless `env` sets BERTH_USERNAME and BERTH_PASSWORD.
 */
export function berthCli(berth: TestBerth, args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, BERTH_URL: berth.url, BERTH_USERNAME: 'admin', BERTH_PASSWORD: TEST_ADMIN_PASSWORD, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
