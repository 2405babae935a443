import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { adminBasicAuth } from '../support/access';
import { blobFile, checkConsistency, inParallel } from '../support/consistency';
import { GcClient, GcRun } from '../support/gc-client';
import { eventually, expectError, listFiles, MT, ociImage, RegistryClient, sha256 } from '../support/registry-client';
import { BuiltServer, createDatabase, launchBuiltServer, requireBuiltServer, stopBuiltServer } from '../support/server-process';

/**
 * The built server (`node dist/apps/api/src/main.js`) SIGKILLed in the middle of garbage collection and of
 * chunked uploads, at three points: as the sweep starts, while blobs are marked `deleting` (between step 1
 * and the end of step 2), and while orphan files are being deleted. After a restart the interrupted run is marked
 * failed when the next one starts, that run finishes the job, and nothing is inconsistent: every manifest
 * pulls, no row is left `deleting`, no file or row is unreferenced, no upload is left. The child uses a
 * database in the test run's PostgreSQL (DATABASE_URL), so a SIGKILL leaves no postmaster behind.
 */
const SEEDED_BLOBS = 4000;

describe('garbage collection killed mid-run', () => {
  let tmp: string;
  let dataDir: string;
  let storageDir: string;
  let databaseUrl: string;
  let db: Client;
  let server: BuiltServer | undefined;
  /** Contents of every blob the test seeded, by digest, so any of them can be uploaded again. */
  const contents = new Map<string, Buffer>();
  const kills: Record<string, unknown>[] = [];

  const target = () => ({ url: server!.url, databaseUrl });

  const launch = (): Promise<BuiltServer> =>
    launchBuiltServer({
      DATABASE_URL: databaseUrl,
      BERTH_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      BERTH_SHUTDOWN_TIMEOUT_SECONDS: '5',
      BERTH_GC_GRACE_SECONDS: '0',
      BERTH_GC_UPLOAD_MAX_AGE_SECONDS: '0',
      // One sweeper, so a sweep of thousands of blobs takes long enough to be interrupted.
      BERTH_GC_WORKERS: '1',
    });

  async function kill(): Promise<void> {
    server!.child.kill('SIGKILL');
    await server!.exited;
    server = undefined;
  }

  /** Thousands of small blobs linked to a repository and referenced by nothing, written as uploads would leave them. */
  async function seedUnreferenced(repository: string, count: number): Promise<string[]> {
    const [{ id }] = (await db.query(`INSERT INTO repository (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, [repository])).rows;
    const digests: string[] = [];
    const sizes: number[] = [];
    const blobs = Array.from({ length: count }, () => randomBytes(64 + Math.floor(Math.random() * 192)));
    await inParallel(blobs, 64, async (bytes) => {
      const digest = sha256(bytes);
      const file = blobFile(storageDir, digest);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(file, bytes);
      contents.set(digest, bytes);
      digests.push(digest);
      sizes.push(bytes.length);
    });
    await db.query(`INSERT INTO blob (digest, size) SELECT * FROM unnest($1::text[], $2::bigint[])`, [digests, sizes]);
    await db.query(`INSERT INTO repository_blob (repository_id, digest) SELECT $1, unnest($2::text[])`, [id, digests]);
    return digests;
  }

  /** How many of `digests` still have a blob row, in any state. */
  async function rowsLeft(digests: string[]): Promise<number> {
    return (await db.query(`SELECT count(*)::int AS n FROM blob WHERE digest = ANY($1::text[])`, [digests])).rows[0].n;
  }

  /** Files in storage no row knows, as a crash between moving an upload into place and committing leaves them; their digests. */
  async function seedOrphans(count: number): Promise<string[]> {
    const digests: string[] = [];
    await inParallel(
      Array.from({ length: count }, () => randomBytes(100)),
      64,
      async (bytes) => {
        const digest = sha256(bytes);
        digests.push(digest);
        const file = blobFile(storageDir, digest);
        await fs.promises.mkdir(path.dirname(file), { recursive: true });
        await fs.promises.writeFile(file, bytes);
      },
    );
    return digests;
  }

  /** Chunked uploads whose PATCH bodies are still arriving when the server dies. */
  async function inFlightUploads(registry: RegistryClient, repository: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const location = await registry.startUpload(repository);
      ids.push(location.split('/').pop()!);
      const base = new URL(registry.url);
      const req = http.request({
        host: base.hostname,
        port: base.port,
        method: 'PATCH',
        path: location,
        headers: { authorization: adminBasicAuth(), 'content-length': 1024 * 1024, 'content-type': 'application/octet-stream' },
        agent: false,
      });
      req.on('error', () => undefined);
      req.on('response', (res) => res.resume());
      req.write(randomBytes(64 * 1024));
    }
    // The bytes sent so far have reached storage.
    const received = (id: string) => fs.statSync(path.join(storageDir, 'uploads', id, 'data'), { throwIfNoEntry: false })?.size ?? 0;
    await eventually(() => expect(ids.filter((id) => received(id) === 0)).toEqual([]), 15_000);
    return ids;
  }

  /** Starts a GC run and SIGKILLs the server as soon as `when` sees the state it waits for. */
  async function killDuringGc(label: string, when: (runId: string) => Promise<boolean>): Promise<{ runId: string; phase: string; done: number; total: number; deleting: number; deletingWithoutFile: number }> {
    const run = await new GcClient(server!.url).start({});
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (await when(run.id)) break;
      const [{ status }] = (await db.query(`SELECT status FROM gc_run WHERE id = $1`, [run.id])).rows;
      if (status !== 'running') throw new Error(`${label}: the run ended (${status}) before the moment to kill it came`);
      if (Date.now() > deadline) throw new Error(`${label}: the moment to kill never came`);
      await sleep(2);
    }
    await kill();
    const [row] = (await db.query(`SELECT status, phase, done::int AS done, total::int AS total FROM gc_run WHERE id = $1`, [run.id])).rows;
    const deletingRows: string[] = (await db.query(`SELECT digest FROM blob WHERE state = 'deleting'`)).rows.map((r) => r.digest);
    const deletingWithoutFile = deletingRows.filter((d) => !fs.existsSync(blobFile(storageDir, d))).length;
    expect(row.status).toBe('running');
    const state = { runId: run.id, phase: row.phase, done: row.done, total: row.total, deleting: deletingRows.length, deletingWithoutFile };
    kills.push({ label, ...state });
    return state;
  }

  /** After a restart (done here unless done already): the interrupted run is failed by the next start, which cleans everything up. */
  async function recover(interrupted: string, pushed: { repository: string; tag: string; digest: string }[]): Promise<GcRun> {
    server ??= await launch();
    const gc = new GcClient(server.url);
    // Closed by the next run that takes the lock, or by a read once its row has been silent for 15 s.
    expect(['running', 'failed']).toContain((await gc.get(interrupted)).status);
    const next = await gc.start({});
    const failed = await gc.get(interrupted);
    expect(failed).toMatchObject({ status: 'failed', error: 'interrupted: the process running it stopped', phase: 'done' });
    expect(failed.finishedAt).not.toBeNull();
    const finished = await gc.wait(next.id, 60_000);
    expect(finished).toMatchObject({ status: 'succeeded', error: null });
    const again = await gc.run({});
    expect([again.status, again.blobsDeleted, again.orphansDeleted, again.uploadsDeleted]).toEqual(['succeeded', 0, 0, 0]);

    const report = await checkConsistency(target(), { storageDir });
    expect(report.problems).toEqual([]);
    expect([report.deletingRows, report.unreferencedFiles, report.unreferencedRows]).toEqual([[], [], []]);
    expect(report.manifests).toBeGreaterThanOrEqual(pushed.length);
    expect((await db.query(`SELECT count(*)::int AS n FROM upload`)).rows[0].n).toBe(0);
    expect(await listFiles(path.join(storageDir, 'uploads'))).toEqual([]);
    const registry = new RegistryClient(server.url);
    for (const p of pushed) {
      const res = await registry.request('HEAD', `/v2/${p.repository}/manifests/${p.tag}`, { headers: { accept: MT.ociManifest } });
      expect([p.tag, res.status, res.header('docker-content-digest')]).toEqual([p.tag, 200, p.digest]);
    }
    return finished;
  }

  beforeAll(async () => {
    requireBuiltServer();
    databaseUrl = await createDatabase('berth_crash');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-gc-crash-'));
    dataDir = path.join(tmp, 'data');
    storageDir = path.join(dataDir, 'storage');
    server = await launch();
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    await db.query(`INSERT INTO project (name, public) VALUES ('crash', false)`);
  });

  afterAll(async () => {
    if (server) await stopBuiltServer(server);
    await db?.end();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    if (kills.length) console.log(`GC kill points: ${JSON.stringify(kills)}`);
  });

  const pushed: { repository: string; tag: string; digest: string }[] = [];
  async function pushImages(registry: RegistryClient, tag: string): Promise<void> {
    for (const repository of ['crash/app', 'crash/other']) {
      const image = await registry.pushImage(repository, { tag });
      pushed.push({ repository, tag, digest: image.digest });
    }
  }

  it('recovers from a kill as the sweep starts, with chunked uploads in flight', async () => {
    const registry = new RegistryClient(server!.url);
    await pushImages(registry, 'one');
    const seeded = await seedUnreferenced('crash/app', SEEDED_BLOBS);
    const uploads = await inFlightUploads(registry, 'crash/app', 3);
    const killed = await killDuringGc('sweep start', async (id) => (await db.query(`SELECT phase FROM gc_run WHERE id = $1`, [id])).rows[0].phase === 'sweep');
    expect(killed.phase).toBe('sweep');
    expect(killed.total).toBe(SEEDED_BLOBS);
    // A batch or more may have committed before the kill landed (a slow machine); the recovery deletes the rest, `deleting` or not.
    const left = await rowsLeft(seeded);
    expect(left).toBeGreaterThan(0);
    // The uploads cut off mid-body are still sessions with partial data.
    expect((await db.query(`SELECT id::text AS id FROM upload ORDER BY id`)).rows.map((r) => r.id)).toEqual([...uploads].sort());
    const recovery = await recover(killed.runId, pushed);
    expect([recovery.blobsDeleted, recovery.uploadsDeleted, recovery.orphansDeleted]).toEqual([left, 3, 0]);
    expect(await rowsLeft(seeded)).toBe(0);
  });

  it('recovers from a kill while blobs are marked deleting, and an upload revives one of them', async () => {
    const registry = new RegistryClient(server!.url);
    await pushImages(registry, 'two');
    const seeded = await seedUnreferenced('crash/app', SEEDED_BLOBS);
    await inFlightUploads(registry, 'crash/other', 2);
    const killed = await killDuringGc('deleting', async () => (await db.query(`SELECT 1 FROM blob WHERE state = 'deleting' LIMIT 1`)).rows.length > 0);
    expect(killed.phase).toBe('sweep');
    expect(killed.deleting).toBeGreaterThan(0);
    expect(killed.deleting).toBeLessThanOrEqual(500);
    const left = await rowsLeft(seeded);

    server = await launch();
    const interrupted = killed.runId;
    // A blob left `deleting` is invisible; a manifest naming it is refused until it is uploaded again.
    const [victim] = (await db.query(`SELECT digest FROM blob WHERE state = 'deleting' ORDER BY digest LIMIT 1`)).rows.map((r) => r.digest as string);
    expect(seeded).toContain(victim);
    const restarted = new RegistryClient(server.url);
    expect((await restarted.request('HEAD', `/v2/crash/app/blobs/${victim}`)).status).toBe(404);
    const config = await restarted.pushBlob('crash/app', JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomUUID() }), MT.ociConfig);
    const layer = { mediaType: MT.ociLayer, digest: victim, size: contents.get(victim)!.length };
    const doc = ociImage({ config, layers: [layer] });
    const refused = await restarted.request('PUT', '/v2/crash/app/manifests/revived', { body: JSON.stringify(doc), headers: { 'content-type': MT.ociManifest } });
    expectError(refused, 400, 'MANIFEST_BLOB_UNKNOWN');
    await restarted.pushBlob('crash/app', contents.get(victim)!);
    expect((await db.query(`SELECT state FROM blob WHERE digest = $1`, [victim])).rows).toEqual([{ state: 'active' }]);
    expect(createHash('sha256').update(fs.readFileSync(blobFile(storageDir, victim))).digest('hex')).toBe(victim.split(':')[1]);
    const revived = await restarted.pushManifest('crash/app', 'revived', doc);
    pushed.push({ repository: 'crash/app', tag: 'revived', digest: revived.digest });
    const recovery = await recover(interrupted, pushed);
    // Everything the kill left but the revived blob.
    expect([recovery.blobsDeleted, recovery.uploadsDeleted, recovery.orphansDeleted]).toEqual([left - 1, 2, 0]);
    expect(await rowsLeft(seeded)).toBe(1);
    expect(fs.existsSync(blobFile(storageDir, victim))).toBe(true);
  });

  it('recovers from a kill while orphan files are being deleted', async () => {
    const registry = new RegistryClient(server!.url);
    await pushImages(registry, 'three');
    await seedUnreferenced('crash/other', 500);
    const orphans = await seedOrphans(SEEDED_BLOBS);
    await inFlightUploads(registry, 'crash/app', 2);
    // Killed once orphan files are being claimed (a `deleting` row written for each, then file and row
    // deleted). The scan is fast, so whether claimed rows are still there at the kill is up to timing.
    const killed = await killDuringGc(
      'orphans',
      async (id) =>
        (await db.query(`SELECT 1 FROM gc_run WHERE id = $1 AND phase = 'orphans' AND EXISTS (SELECT 1 FROM blob WHERE state = 'deleting')`, [id])).rows.length > 0,
    );
    expect(killed.phase).toBe('orphans');
    // Left by the kill: files still there, and claimed rows (`deleting`) whose file step 2 already took.
    const claimed = new Set<string>((await db.query(`SELECT digest FROM blob WHERE state = 'deleting'`)).rows.map((r: { digest: string }) => r.digest));
    const left = orphans.filter((digest) => claimed.has(digest) || fs.existsSync(blobFile(storageDir, digest))).length;
    expect(left).toBeGreaterThan(0);
    const recovery = await recover(killed.runId, pushed);
    // Every orphan the kill left is finished, as an orphan file or (claimed before the kill) as a blob row.
    expect(recovery.blobsDeleted + recovery.orphansDeleted).toBe(left);
    expect(orphans.filter((digest) => fs.existsSync(blobFile(storageDir, digest)))).toEqual([]);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
