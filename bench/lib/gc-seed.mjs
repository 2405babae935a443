// Seeds a Berth for the GC benchmark (bench/gc.mjs): a project, repositories, image manifests whose
// content is real OCI manifest JSON, blob rows with real files in storage (content addressed: the
// digest is the sha256 of the file), manifest_blob references for half of the blobs, repository_blob
// links for all of them, and tags. Rows go in set-based (arrays + unnest, one statement per table);
// files are written in parallel. Every blob is dated two days back, so no grace window keeps it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export const GC_PROJECT = 'gcbench';
const MANIFESTS_PER_REPOSITORY = 20;
/** Dependency layers per repository, shared by its images (image j uses deps j % 9). */
const DEPS_PER_REPOSITORY = 9;
const MIN_BLOB_BYTES = 256;
const MAX_BLOB_BYTES = 4096;
const WRITE_CONCURRENCY = 64;
const GENERATE_CHUNK = 4096;

/**
 * The seed's shape for `repositories` repositories (1,000 by default): 20 images per repository, each
 * referencing its own config and application layer, one of the repository's 9 dependency layers and one
 * of `repositories` shared base layers. So referenced blobs = 20R (configs) + 20R (app) + 9R + R = 50R,
 * manifests = 20R, and as many unreferenced blobs (garbage) again: 100R blobs in all.
 */
export function gcScale(repositories) {
  const manifests = repositories * MANIFESTS_PER_REPOSITORY;
  const referenced = manifests * 2 + repositories * DEPS_PER_REPOSITORY + repositories;
  return { repositories, manifests, referenced, garbage: referenced, blobs: referenced * 2 };
}

/** A small deterministic PRNG (mulberry32), so a seed is the same from run to run. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha256hex = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

export function blobFile(storageDir, digest) {
  const hex = digest.slice('sha256:'.length);
  return path.join(storageDir, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

/** Random bytes of random size; the first 16 bytes are unique to (`label`, `n`), so every digest differs. */
class ContentSource {
  constructor(seed) {
    this.rnd = prng(seed);
    this.pool = crypto.randomBytes(8 * 1024 * 1024);
  }

  size() {
    return MIN_BLOB_BYTES + Math.floor(this.rnd() * (MAX_BLOB_BYTES - MIN_BLOB_BYTES + 1));
  }

  bytes(label, n, size) {
    const head = crypto.createHash('md5').update(`${label}/${n}/${process.pid}/${Date.now()}`).digest();
    const offset = Math.floor(this.rnd() * (this.pool.length - size));
    return Buffer.concat([head, this.pool.subarray(offset, offset + size - head.length)]);
  }

  /** A plausible image config of about `size` bytes: real JSON, padded with a random comment. */
  config(repository, j, layerDigests, size) {
    const base = {
      architecture: 'amd64',
      os: 'linux',
      created: '2026-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], Cmd: ['serve'], Labels: { 'bench.gc': `${repository}:${j}` } },
      rootfs: { type: 'layers', diff_ids: layerDigests },
      comment: '',
    };
    const bare = Buffer.byteLength(JSON.stringify(base));
    const pad = Math.max(16, size - bare);
    base.comment = this.bytes('pad', `${repository}/${j}`, Math.ceil(pad / 2) + 16).toString('hex').slice(0, pad);
    return Buffer.from(JSON.stringify(base));
  }
}

/** Runs `work` over `items`, `concurrency` at a time. */
export async function inParallel(items, concurrency, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i], i);
      }
    }),
  );
}

/** Writes blobs (`{ digest, content }`) where the filesystem driver keeps them: <storage>/blobs/sha256/<xx>/<hex>/data. */
async function writeBlobs(storageDir, blobs) {
  await inParallel(blobs, WRITE_CONCURRENCY, async (b) => {
    const file = blobFile(storageDir, b.digest);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    await fs.promises.writeFile(file, b.content);
  });
}

function prepareStorage(storageDir) {
  for (let i = 0; i < 256; i++) fs.mkdirSync(path.join(storageDir, 'blobs', 'sha256', i.toString(16).padStart(2, '0')), { recursive: true });
}

/**
 * Builds and writes everything that has bytes (layers, configs, garbage), returning digests and sizes
 * only; contents are dropped once written. Manifests are built here too (they live in the database).
 */
async function buildContent(storageDir, scale, source, log) {
  const { repositories } = scale;
  const repoName = (r) => `${GC_PROJECT}/repo-${String(r).padStart(4, '0')}`;
  const blobs = { digest: [], size: [] };
  const links = new Set(); // "r|digest"
  let written = 0;
  let pending = [];
  const flush = async () => {
    await writeBlobs(storageDir, pending);
    written += pending.length;
    pending = [];
  };
  const add = async (content, repo) => {
    const digest = `sha256:${sha256hex(content)}`;
    blobs.digest.push(digest);
    blobs.size.push(content.length);
    if (repo !== undefined) links.add(`${repo}|${digest}`);
    pending.push({ digest, content });
    if (pending.length >= GENERATE_CHUNK) await flush();
    return { digest, size: content.length };
  };

  const base = [];
  for (let b = 0; b < repositories; b++) {
    const size = source.size();
    base.push(await add(source.bytes('base', b, size)));
  }
  const manifests = { repo: [], digest: [], size: [], total: [], config: [], version: [], content: [] };
  const refs = { repo: [], manifest: [], digest: [] };
  for (let r = 0; r < repositories; r++) {
    const deps = [];
    for (let d = 0; d < DEPS_PER_REPOSITORY; d++) {
      const size = source.size();
      deps.push(await add(source.bytes('deps', `${r}/${d}`, size), r));
    }
    for (let j = 0; j < MANIFESTS_PER_REPOSITORY; j++) {
      const baseLayer = base[(r + j * 37) % repositories];
      links.add(`${r}|${baseLayer.digest}`);
      const depsLayer = deps[j % DEPS_PER_REPOSITORY];
      const appSize = source.size();
      const app = await add(source.bytes('app', `${r}/${j}`, appSize), r);
      const layers = [baseLayer, depsLayer, app];
      const config = await add(source.config(repoName(r), j, layers.map((l) => l.digest), source.size()), r);
      const version = `1.${j}.0`;
      const content = JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
        layers: layers.map((l) => ({ mediaType: OCI_LAYER, digest: l.digest, size: l.size })),
        annotations: { 'org.opencontainers.image.version': version },
      });
      const size = Buffer.byteLength(content);
      const digest = `sha256:${sha256hex(content)}`;
      manifests.repo.push(r);
      manifests.digest.push(digest);
      manifests.size.push(size);
      manifests.total.push(size + config.size + layers.reduce((n, l) => n + l.size, 0));
      manifests.config.push(config.digest);
      manifests.version.push(version);
      manifests.content.push(content);
      for (const d of [config.digest, ...layers.map((l) => l.digest)]) {
        refs.repo.push(r);
        refs.manifest.push(digest);
        refs.digest.push(d);
      }
    }
    if (r % 200 === 199) log(`seed: content of ${r + 1} repositories generated, ${written} files written`);
  }
  await flush();
  const referenced = blobs.digest.length;
  const link = { repo: [], digest: [] };
  for (const key of links) {
    const bar = key.indexOf('|');
    link.repo.push(Number(key.slice(0, bar)));
    link.digest.push(key.slice(bar + 1));
  }
  return { blobs, manifests, refs, link, referenced, repoName };
}

/**
 * Unreferenced blobs: real files and rows, each linked to one repository (as after a tag or artifact
 * delete, whose bytes wait for GC). `round` makes every round's content new.
 */
export async function seedGarbage(db, storageDir, { count, repositories, round, source, log }) {
  const t0 = performance.now();
  const blobs = { digest: [], size: [] };
  const repo = [];
  for (let start = 0; start < count; start += GENERATE_CHUNK) {
    const chunk = [];
    for (let g = start; g < Math.min(count, start + GENERATE_CHUNK); g++) {
      const content = source.bytes(`garbage-${round}`, g, source.size());
      const digest = `sha256:${sha256hex(content)}`;
      chunk.push({ digest, content });
      blobs.digest.push(digest);
      blobs.size.push(content.length);
      repo.push(g % repositories);
    }
    await writeBlobs(storageDir, chunk);
  }
  const filesSeconds = (performance.now() - t0) / 1000;
  const s0 = performance.now();
  await db.query('BEGIN');
  try {
    await insertBlobs(db, blobs);
    await db.query(
      `INSERT INTO repository_blob (repository_id, digest, created_at)
       SELECT r.id, t.digest, now() - interval '2 days'
       FROM unnest($1::int[], $2::text[]) AS t(n, digest) JOIN gc_seed_repo r ON r.n = t.n`,
      [repo, blobs.digest],
    );
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => {});
    throw err;
  }
  await db.query('ANALYZE blob');
  await db.query('ANALYZE repository_blob');
  const sqlSeconds = (performance.now() - s0) / 1000;
  log(`seed: ${count} garbage blobs (files ${filesSeconds.toFixed(1)} s, rows ${sqlSeconds.toFixed(1)} s)`);
  return { digests: blobs.digest, bytes: blobs.size.reduce((a, b) => a + b, 0), filesSeconds, sqlSeconds };
}

function insertBlobs(db, blobs) {
  return db.query(
    `INSERT INTO blob (digest, size, created_at, touched_at)
     SELECT t.digest, t.size, now() - interval '2 days', now() - interval '2 days' FROM unnest($1::text[], $2::bigint[]) AS t(digest, size)`,
    [blobs.digest, blobs.size],
  );
}

/**
 * The whole seed: files first (content addressed, so the rows can name them), then rows in one
 * transaction, then VACUUM (ANALYZE) and CHECKPOINT as the console bench does. `gc_seed_repo` (repository
 * number -> id) stays for the session: seedGarbage needs it.
 */
export async function seedRegistry(db, { storageDir, scale, adminId, oci, seed = 42, log }) {
  const source = new ContentSource(seed);
  prepareStorage(storageDir);
  const t0 = performance.now();
  const content = await buildContent(storageDir, scale, source, log);
  log(`seed: ${content.referenced} referenced blobs written to storage (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  const tagNames = [...Array.from({ length: MANIFESTS_PER_REPOSITORY }, (_, j) => `1.${j}.0`), 'latest'];
  const tagInfo = new Map(tagNames.map((name) => {
    const parsed = oci.parseTag(name);
    return [name, { sortKey: oci.tagSortKey(parsed), variant: oci.variantKey(parsed), moving: parsed.moving }];
  }));
  const tags = { repo: [], manifest: [], name: [], sortKey: [], variant: [], moving: [] };
  content.manifests.digest.forEach((digest, i) => {
    const names = [content.manifests.version[i]];
    if (i % MANIFESTS_PER_REPOSITORY === MANIFESTS_PER_REPOSITORY - 1) names.push('latest');
    for (const name of names) {
      const info = tagInfo.get(name);
      tags.repo.push(content.manifests.repo[i]);
      tags.manifest.push(digest);
      tags.name.push(name);
      tags.sortKey.push(info.sortKey);
      tags.variant.push(info.variant);
      tags.moving.push(info.moving);
    }
  });

  const s0 = performance.now();
  const steps = [];
  const step = async (name, fn) => {
    const x0 = performance.now();
    await fn();
    steps.push({ step: name, seconds: (performance.now() - x0) / 1000 });
  };
  await db.query('SET synchronous_commit = off');
  await db.query(`SET work_mem = '256MB'`);
  await db.query('BEGIN');
  let projectId;
  try {
    await step('project and repositories', async () => {
      const { rows } = await db.query(
        `INSERT INTO project (name, public, description, created_by) VALUES ($1, false, 'GC benchmark', $2) RETURNING id::text AS id`,
        [GC_PROJECT, adminId],
      );
      projectId = rows[0].id;
      await db.query(
        `INSERT INTO repository (name, created_at, pushed_at)
         SELECT format('%s/repo-%s', $2::text, lpad(n::text, 4, '0')), now() - interval '30 days', now() - interval '2 days'
         FROM generate_series(0, $1::int - 1) n`,
        [scale.repositories, GC_PROJECT],
      );
      await db.query(
        `CREATE TEMP TABLE gc_seed_repo AS
           SELECT id, (regexp_match(name, '/repo-([0-9]+)$'))[1]::int AS n FROM repository WHERE name LIKE $1`,
        [`${GC_PROJECT}/repo-%`],
      );
      await db.query('CREATE UNIQUE INDEX ON gc_seed_repo (n)');
      await db.query('ANALYZE gc_seed_repo');
    });
    await step('blobs', () => insertBlobs(db, content.blobs));
    await step('repository_blob', () =>
      db.query(
        `INSERT INTO repository_blob (repository_id, digest, created_at)
         SELECT r.id, t.digest, now() - interval '2 days' FROM unnest($1::int[], $2::text[]) AS t(n, digest) JOIN gc_seed_repo r ON r.n = t.n`,
        [content.link.repo, content.link.digest],
      ),
    );
    await step('manifests', () =>
      db.query(
        `INSERT INTO manifest (repository_id, digest, media_type, artifact_type, kind, platform, size, total_size, config_digest,
                               annotations, content, pushed_at)
         SELECT r.id, t.digest, $8, $9, 'image', '{"os":"linux","architecture":"amd64"}'::jsonb, t.size, t.total, t.config,
                jsonb_build_object('org.opencontainers.image.version', t.version), convert_to(t.content, 'UTF8'), now() - interval '2 days'
         FROM unnest($1::int[], $2::text[], $3::int[], $4::bigint[], $5::text[], $6::text[], $7::text[])
           AS t(n, digest, size, total, config, version, content)
         JOIN gc_seed_repo r ON r.n = t.n`,
        [
          content.manifests.repo,
          content.manifests.digest,
          content.manifests.size,
          content.manifests.total,
          content.manifests.config,
          content.manifests.version,
          content.manifests.content,
          OCI_MANIFEST,
          OCI_CONFIG,
        ],
      ),
    );
    // project_id given, so the per-row trigger has nothing to look up; the statement trigger keeps project usage.
    await step('manifest_blob', () =>
      db.query(
        `INSERT INTO manifest_blob (manifest_id, digest, project_id)
         SELECT m.id, t.digest, $4::bigint
         FROM unnest($1::int[], $2::text[], $3::text[]) AS t(n, manifest, digest)
         JOIN gc_seed_repo r ON r.n = t.n JOIN manifest m ON m.repository_id = r.id AND m.digest = t.manifest`,
        [content.refs.repo, content.refs.manifest, content.refs.digest, projectId],
      ),
    );
    await step('tags', () =>
      db.query(
        `INSERT INTO tag (repository_id, name, manifest_id, sort_key, variant, moving, pushed_at)
         SELECT r.id, t.name, m.id, t.sort_key, t.variant, t.moving, m.pushed_at
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[]) AS t(n, manifest, name, sort_key, variant, moving)
         JOIN gc_seed_repo r ON r.n = t.n JOIN manifest m ON m.repository_id = r.id AND m.digest = t.manifest`,
        [tags.repo, tags.manifest, tags.name, tags.sortKey, tags.variant, tags.moving],
      ),
    );
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => {});
    throw err;
  }
  const rowsSeconds = (performance.now() - s0) / 1000;
  log(`seed: rows ${steps.map((s) => `${s.step} ${s.seconds.toFixed(1)} s`).join(', ')}`);

  const garbage = await seedGarbage(db, storageDir, { count: scale.garbage, repositories: scale.repositories, round: 0, source, log });
  const v0 = performance.now();
  await db.query('VACUUM (ANALYZE)');
  await db.query('CHECKPOINT');
  const vacuumSeconds = (performance.now() - v0) / 1000;
  const totalSeconds = (performance.now() - t0) / 1000;
  return {
    source,
    projectId,
    repoName: content.repoName,
    referencedDigests: content.blobs.digest,
    referencedBytes: content.blobs.size.reduce((a, b) => a + b, 0),
    manifests: content.manifests.digest.map((digest, i) => ({ repo: content.manifests.repo[i], digest, version: content.manifests.version[i] })),
    garbage,
    timings: { totalSeconds, rowsSeconds, vacuumSeconds, steps },
  };
}

export async function countRows(db) {
  const tables = ['project', 'repository', 'manifest', 'manifest_blob', 'blob', 'repository_blob', 'tag'];
  const { rows } = await db.query(`SELECT ${tables.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')},
    (SELECT count(DISTINCT digest)::int FROM manifest_blob) AS referenced_blobs,
    (SELECT coalesce(sum(size), 0)::float8 FROM blob) AS blob_bytes`);
  return rows[0];
}
