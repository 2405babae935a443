/**
 * What garbage collection must never break, checked from the outside: every manifest the database holds
 * pulls completely through /v2 with the right digests, every `active` blob row has its bytes in storage,
 * and (for tests that collect with grace 0) which blob files and rows no manifest references.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Client } from 'pg';
import { adminBasicAuth } from './access';
import { MT } from './registry-client';

export interface ConsistencyTarget {
  /** Base URL of the server to pull through (any replica). */
  url: string;
  /** The database that server uses. */
  databaseUrl: string;
}

export interface ConsistencyReport {
  /** Manifest rows checked (all repositories). */
  manifests: number;
  /** Tags checked. */
  tags: number;
  /** Blob GETs done (distinct repository + digest). */
  blobsPulled: number;
  /** Everything that was wrong, one line each: empty when consistent. */
  problems: string[];
  /** Digests of the files under storage's blobs/ (`/blobs/<alg>/<xx>/<hex>/data`). */
  files: string[];
  /** Blob rows by digest with their state. */
  rows: Map<string, { size: number; state: string }>;
  /** Blob files no manifest references. */
  unreferencedFiles: string[];
  /** Blob rows no manifest references. */
  unreferencedRows: string[];
  /** Rows left in state `deleting`. */
  deletingRows: string[];
}

const ACCEPT = [MT.ociManifest, MT.ociIndex, MT.dockerManifest, MT.dockerList, MT.schema1Signed].join(', ');
const PARALLEL = 8;

interface ManifestRow {
  repository: string;
  digest: string;
  tags: string[];
}

/**
 * Checks every manifest row of every repository (by digest and by each tag), the blobs and children they
 * reference, and every active blob row's file; reports what storage and the database hold besides.
 * Pulls as admin over Basic auth. Never throws for an inconsistency: read `problems`.
 */
export async function checkConsistency(target: ConsistencyTarget, options: { storageDir: string }): Promise<ConsistencyReport> {
  const db = new Client({ connectionString: target.databaseUrl });
  await db.connect();
  let manifests: ManifestRow[];
  let rowList: { digest: string; size: number; state: string }[];
  let referenced: Set<string>;
  try {
    manifests = await db
      .query(
        `SELECT r.name AS repository, m.digest, COALESCE(array_agg(t.name ORDER BY t.name) FILTER (WHERE t.name IS NOT NULL), '{}') AS tags
         FROM manifest m JOIN repository r ON r.id = m.repository_id LEFT JOIN tag t ON t.manifest_id = m.id
         GROUP BY r.name, m.digest ORDER BY r.name, m.digest`,
      )
      .then((r) => r.rows);
    rowList = await db.query(`SELECT digest, size::float8 AS size, state FROM blob ORDER BY digest`).then((r) => r.rows);
    referenced = new Set((await db.query(`SELECT DISTINCT digest FROM manifest_blob`)).rows.map((r) => r.digest as string));
  } finally {
    await db.end();
  }

  const problems: string[] = [];
  const pulled = new Map<string, Promise<void>>();
  /** GETs a blob once per repository and digest; its body must hash to the digest. */
  const pullBlob = (repository: string, digest: string, size: number, by: string) => {
    const key = `${repository}@${digest}`;
    if (!pulled.has(key)) {
      pulled.set(
        key,
        hashGet(target.url, `/v2/${repository}/blobs/${digest}`).then((got) => {
          if (got.status !== 200) problems.push(`${key} (${by}): blob GET answered ${got.status}`);
          else if (got.digest !== digest) problems.push(`${key} (${by}): blob body hashes to ${got.digest}`);
          else if (got.size !== size) problems.push(`${key} (${by}): blob body has ${got.size} bytes, the descriptor says ${size}`);
        }),
      );
    }
    return pulled.get(key)!;
  };

  let tags = 0;
  await inParallel(manifests, PARALLEL, async (m) => {
    const name = `${m.repository}@${m.digest}`;
    const byDigest = await hashGet(target.url, `/v2/${m.repository}/manifests/${m.digest}`, ACCEPT, true);
    if (byDigest.status !== 200 || byDigest.digest !== m.digest) {
      problems.push(`${name}: manifest GET by digest answered ${byDigest.status} with digest ${byDigest.digest}`);
      return;
    }
    for (const tag of m.tags) {
      tags++;
      const byTag = await hashGet(target.url, `/v2/${m.repository}/manifests/${tag}`, ACCEPT);
      if (byTag.status !== 200 || byTag.digest !== m.digest) problems.push(`${m.repository}:${tag}: manifest GET by tag answered ${byTag.status} with digest ${byTag.digest}, not ${m.digest}`);
    }
    let doc: { config?: Descriptor; layers?: Descriptor[]; blobs?: Descriptor[]; manifests?: Descriptor[] };
    try {
      doc = JSON.parse(byDigest.body!.toString('utf8'));
    } catch {
      problems.push(`${name}: manifest is not JSON`);
      return;
    }
    const blobs = [...(doc.config ? [doc.config] : []), ...(doc.layers ?? []), ...(doc.blobs ?? [])];
    await Promise.all(blobs.map((d) => pullBlob(m.repository, d.digest, d.size, name)));
    for (const child of doc.manifests ?? []) {
      const got = await hashGet(target.url, `/v2/${m.repository}/manifests/${child.digest}`, ACCEPT);
      if (got.status !== 200 || got.digest !== child.digest) problems.push(`${name}: child ${child.digest} GET answered ${got.status} with digest ${got.digest}`);
    }
  });
  await Promise.all(pulled.values());

  const files = await blobFileDigests(options.storageDir);
  const fileSet = new Set(files);
  const rows = new Map(rowList.map((r) => [r.digest, { size: r.size, state: r.state }]));
  await inParallel(
    rowList.filter((r) => r.state === 'active'),
    PARALLEL * 2,
    async (r) => {
      const file = blobFile(options.storageDir, r.digest);
      try {
        const info = await fs.stat(file);
        if (info.size !== r.size) problems.push(`blob ${r.digest}: the row says ${r.size} bytes, the file has ${info.size}`);
      } catch {
        problems.push(`blob ${r.digest}: active row without a file in storage`);
      }
    },
  );
  for (const digest of referenced) {
    if (!rows.has(digest)) problems.push(`blob ${digest}: referenced by a manifest but has no row`);
    else if (rows.get(digest)!.state !== 'active') problems.push(`blob ${digest}: referenced by a manifest but ${rows.get(digest)!.state}`);
    if (!fileSet.has(digest)) problems.push(`blob ${digest}: referenced by a manifest but its file is missing`);
  }

  return {
    manifests: manifests.length,
    tags,
    blobsPulled: pulled.size,
    problems: problems.sort(),
    files,
    rows,
    unreferencedFiles: files.filter((d) => !referenced.has(d)),
    unreferencedRows: rowList.filter((r) => !referenced.has(r.digest)).map((r) => r.digest),
    deletingRows: rowList.filter((r) => r.state === 'deleting').map((r) => r.digest),
  };
}

interface Descriptor {
  digest: string;
  size: number;
}

/** Where a blob's bytes live under a filesystem storage root. */
export function blobFile(storageDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return path.join(storageDir, 'blobs', algorithm, hex.slice(0, 2), hex, 'data');
}

/** Digests of every `blobs/<alg>/<xx>/<hex>/data` file under the storage root, sorted. */
export async function blobFileDigests(storageDir: string): Promise<string[]> {
  const out: string[] = [];
  const root = path.join(storageDir, 'blobs');
  for (const algorithm of await dirs(root)) {
    for (const prefix of await dirs(path.join(root, algorithm))) {
      for (const hex of await dirs(path.join(root, algorithm, prefix))) {
        const data = path.join(root, algorithm, prefix, hex, 'data');
        if (await fs.stat(data).then((s) => s.isFile(), () => false)) out.push(`${algorithm}:${hex}`);
      }
    }
  }
  return out.sort();
}

async function dirs(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

interface Hashed {
  status: number;
  /** sha256 of the body (streamed), for any status. */
  digest: string;
  size: number;
  /** Kept only when asked (manifests are small). */
  body?: Buffer;
}

/** GET as admin, hashing the body as it streams; the body is kept only when `keep` (manifests). */
export function hashGet(baseUrl: string, rawPath: string, accept?: string, keep = false): Promise<Hashed> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: base.hostname,
        port: base.port,
        path: rawPath,
        headers: { authorization: adminBasicAuth(), ...(accept ? { accept } : {}) },
        agent: false,
      },
      (res) => {
        const hash = createHash('sha256');
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          size += chunk.length;
          if (keep) chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, digest: `sha256:${hash.digest('hex')}`, size, body: keep ? Buffer.concat(chunks) : undefined }));
      },
    );
    req.on('error', reject);
  });
}

/** Runs `work` over `items` with at most `workers` of them in flight at once. */
export async function inParallel<T>(items: readonly T[], workers: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(workers, items.length)) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
