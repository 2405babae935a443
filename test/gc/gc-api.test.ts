import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { basicAuth, createProjectsFor, createUser } from '../support/access';
import { blobFile, checkConsistency } from '../support/consistency';
import { GcClient, GcRun } from '../support/gc-client';
import { blobFiles, Descriptor, eventually, expectError, MT, ociImage, ociIndex, PushedImage, RegistryClient, sha256 } from '../support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

/**
 * Online garbage collection through /api/v1/system/gc against real servers, real files and a real
 * PostgreSQL: who may run it, what dry and real runs report and delete, the grace window, untagged
 * manifests, abandoned uploads, orphan files, one run at a time, stop, history, the schedule and the CLI.
 */
/** `berth gc`, as an operator runs it (`npm run gc --` is the same command); it loads the built CLI. */
const BERTH = path.resolve(__dirname, '../../bin/berth.js');
const CLI = path.resolve(__dirname, '../../dist/apps/api/src/gc/cli.js');
/** The advisory lock GC holds while it runs ('BERT', 'GC'), as another replica would hold it. */
const GC_LOCK = [1111839316, 18243];
const TWO_HOURS_AGO = new Date(Date.now() - 2 * 3600_000);
const TWO_DAYS_AGO = new Date(Date.now() - 2 * 86400_000);

describe('garbage collection API', () => {
  let berth: TestBerth;
  let registry: RegistryClient;
  let gc: GcClient;

  const sql = <T = any>(text: string, params: unknown[] = []): Promise<T[]> => berth.running.dataSource.query(text, params);
  const blobRow = async (digest: string) => (await sql(`SELECT state FROM blob WHERE digest = $1`, [digest]))[0];
  const head = async (repo: string, digest: string) => (await registry.request('HEAD', `/v2/${repo}/blobs/${digest}`)).status;
  const manifestStatus = async (repo: string, ref: string) =>
    (await registry.request('GET', `/v2/${repo}/manifests/${ref}`, { headers: { accept: `${MT.ociManifest}, ${MT.ociIndex}` } })).status;
  const loose = (repo: string, size: number) => registry.pushBlob(repo, randomBytes(size));

  /** A real run that must succeed, so a test starts with nothing unreferenced left by the ones before. */
  async function clean(): Promise<void> {
    const run = await gc.run({});
    expect(run.status).toBe('succeeded');
    const report = await checkConsistency(berth, { storageDir: berth.storageDir });
    expect(report.problems).toEqual([]);
    expect([report.unreferencedFiles, report.unreferencedRows]).toEqual([[], []]);
  }

  beforeAll(async () => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build:server first (npm test does)`);
    // The scheduler reads its interval from the environment when the server starts; polled every 200 ms here.
    const before = process.env.BERTH_SCHEDULER_INTERVAL_MS;
    process.env.BERTH_SCHEDULER_INTERVAL_MS = '200';
    try {
      berth = await startTestBerth({ BERTH_GC_GRACE_SECONDS: '0' });
    } finally {
      if (before === undefined) delete process.env.BERTH_SCHEDULER_INTERVAL_MS;
      else process.env.BERTH_SCHEDULER_INTERVAL_MS = before;
    }
    registry = new RegistryClient(berth.url);
    gc = new GcClient(berth.url);
    await createProjectsFor(berth, ['gc/app']);
    await createUser(berth, 'norm', 'norm-password');
  });
  afterAll(async () => {
    await berth?.close();
  });

  it('is for system administrators only: 401 without credentials, 403 for other users, nothing started', async () => {
    const routes: [string, string, unknown?][] = [
      ['POST', '/runs', {}],
      ['GET', '/runs'],
      ['GET', '/runs/1'],
      ['POST', '/runs/1/stop'],
      ['GET', '/schedule'],
      ['PUT', '/schedule', { cron: '0 3 * * *' }],
    ];
    const anonymous = gc.as(null);
    const user = gc.as(basicAuth('norm', 'norm-password'));
    for (const [method, route, body] of routes) {
      const a = await anonymous.request(method, route, body);
      expect([method, route, a.status, a.body?.code]).toEqual([method, route, 401, 'UNAUTHORIZED']);
      const u = await user.request(method, route, body);
      expect([method, route, u.status, u.body?.code]).toEqual([method, route, 403, 'FORBIDDEN']);
    }
    expect((await sql(`SELECT count(*)::int AS n FROM gc_run`))[0].n).toBe(0);
    expect((await sql(`SELECT count(*)::int AS n FROM job_schedule`))[0].n).toBe(0);
    expect((await gc.request('GET', '/runs')).body).toMatchObject({ items: [], total: 0 });
  });

  it('reports unreferenced blobs and their bytes in a dry run without deleting, and deletes exactly those in a real run', async () => {
    await clean();
    const kept = await registry.pushImage('gc/app', { tag: 'keep' });
    const gone = await registry.pushImage('gc/app', { tag: 'gone' });
    expect((await registry.request('DELETE', `/v2/gc/app/manifests/${gone.digest}`)).status).toBe(202);
    const xBytes = randomBytes(1000);
    const x = await registry.pushBlob('gc/app', xBytes);
    const y = await loose('gc/app', 3000);
    const unreferenced = [gone.config, ...gone.layers, x, y];
    const bytes = unreferenced.reduce((n, d) => n + d.size, 0);
    const digests = unreferenced.map((d) => d.digest).sort();

    const dry = await gc.run({ dryRun: true });
    expect(dry).toMatchObject({ status: 'succeeded', dryRun: true, trigger: 'manual', triggeredBy: 'admin', phase: 'done', error: null });
    expect([dry.blobsDeleted, dry.bytesFreed, dry.manifestsDeleted, dry.uploadsDeleted, dry.orphansDeleted, dry.rescued]).toEqual([4, bytes, 0, 0, 0, 0]);
    expect(dry.log!.map((l) => l.message)).toEqual(expect.arrayContaining([expect.stringMatching(/^dry run started \(\d+ workers, grace 0 s\)$/), expect.stringMatching(/^marked 4 unreferenced blobs \(/)]));
    for (const d of unreferenced) {
      expect(await blobFiles(berth.storageDir, d.digest)).toHaveLength(1);
      expect(await blobRow(d.digest)).toEqual({ state: 'active' });
      expect(await head('gc/app', d.digest)).toBe(200);
    }
    const before = await checkConsistency(berth, { storageDir: berth.storageDir });
    expect(before.problems).toEqual([]);
    expect([before.unreferencedRows, before.unreferencedFiles]).toEqual([digests, digests]);

    const real = await gc.run({});
    expect(real).toMatchObject({ status: 'succeeded', dryRun: false, blobsDeleted: 4, bytesFreed: bytes, manifestsDeleted: 0, orphansDeleted: 0, rescued: 0 });
    for (const d of unreferenced) {
      expect(await blobFiles(berth.storageDir, d.digest)).toEqual([]);
      expect(await blobRow(d.digest)).toBeUndefined();
      expect(await head('gc/app', d.digest)).toBe(404);
    }
    for (const d of [kept.config, ...kept.layers]) expect(await head('gc/app', d.digest)).toBe(200);
    const after = await checkConsistency(berth, { storageDir: berth.storageDir });
    expect(after.problems).toEqual([]);
    expect(after.manifests).toBe(1);
    expect([after.unreferencedRows, after.unreferencedFiles, after.deletingRows]).toEqual([[], [], []]);
    expect(after.files).toEqual([kept.config.digest, kept.layers[0].digest].sort());

    // A blob GC deleted can be pushed again and used by a manifest.
    await registry.pushBlob('gc/app', xBytes);
    expect(await head('gc/app', x.digest)).toBe(200);
    await registry.pushManifest('gc/app', 'again', ociImage({ config: kept.config, layers: [x] }));
    expect((await gc.run({})).blobsDeleted).toBe(0);
    expect(await blobFiles(berth.storageDir, x.digest)).toHaveLength(1);
  });

  it('deletes untagged manifests only when asked, keeping children of tagged indexes and referrers of kept images', async () => {
    await clean();
    const repo = 'gc/untagged';
    await createProjectsFor(berth, [repo]);
    const shared = await loose(repo, 500);
    const image = async (reference: string | undefined, extraLayers: Descriptor[] = []): Promise<PushedImage> => {
      const config = await registry.pushBlob(repo, JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomUUID() }), MT.ociConfig);
      const layer = await registry.pushBlob(repo, randomBytes(300), MT.ociLayer);
      const doc = ociImage({ config, layers: [...extraLayers, layer] });
      const pushed = await registry.pushManifest(repo, reference ?? sha256(JSON.stringify(doc)), doc);
      return { ...pushed, config, layers: [...extraLayers, layer] };
    };
    const tagged = await image('v1', [shared]);
    const untagged = await image(undefined, [shared]);
    const c1 = await image(undefined);
    const c2 = await image(undefined);
    const taggedIndex = await registry.pushManifest(repo, 'multi', ociIndex([c1.descriptor, c2.descriptor]));
    const c3 = await image(undefined);
    const untaggedIndexDoc = ociIndex([c3.descriptor]);
    const untaggedIndex = await registry.pushManifest(repo, sha256(JSON.stringify(untaggedIndexDoc)), untaggedIndexDoc);
    const signature = await registry.pushArtifact(repo, tagged.descriptor, 'application/vnd.example.signature');
    const orphanSignature = await registry.pushArtifact(repo, untagged.descriptor, 'application/vnd.example.signature');
    const doomed = [untagged, orphanSignature, untaggedIndex, c3];
    const survivors = [tagged, c1, c2, taggedIndex, signature];
    // The blobs only doomed manifests use; the shared layer and the empty config `{}` of both signatures stay.
    const doomedBlobs = [untagged.config, untagged.layers[1], orphanSignature.layers[0], c3.config, c3.layers[0]];
    const doomedBytes = doomedBlobs.reduce((n, d) => n + d.size, 0);

    const plain = await gc.run({});
    expect([plain.status, plain.manifestsDeleted, plain.blobsDeleted]).toEqual(['succeeded', 0, 0]);
    for (const m of doomed) expect(await manifestStatus(repo, m.digest)).toBe(200);

    const dry = await gc.run({ dryRun: true, deleteUntagged: true });
    expect(dry).toMatchObject({ status: 'succeeded', dryRun: true, deleteUntagged: true, manifestsDeleted: 4, blobsDeleted: 5, bytesFreed: doomedBytes });
    for (const m of doomed) expect(await manifestStatus(repo, m.digest)).toBe(200);
    for (const d of doomedBlobs) expect(await blobFiles(berth.storageDir, d.digest)).toHaveLength(1);

    const real = await gc.run({ deleteUntagged: true });
    expect(real).toMatchObject({ status: 'succeeded', deleteUntagged: true, manifestsDeleted: 4, blobsDeleted: 5, bytesFreed: doomedBytes });
    expect(real.log!.map((l) => l.message)).toContain(`deleted 4 untagged manifests in ${repo}`);
    for (const m of doomed) expect([m.digest, await manifestStatus(repo, m.digest)]).toEqual([m.digest, 404]);
    for (const m of survivors) expect([m.digest, await manifestStatus(repo, m.digest)]).toEqual([m.digest, 200]);
    for (const d of doomedBlobs) expect(await head(repo, d.digest)).toBe(404);
    expect(await head(repo, shared.digest)).toBe(200);
    const referrers = (await registry.request('GET', `/v2/${repo}/referrers/${tagged.digest}`)).json();
    expect(referrers.manifests.map((m: Descriptor) => m.digest)).toEqual([signature.digest]);
    const report = await checkConsistency(berth, { storageDir: berth.storageDir });
    expect(report.problems).toEqual([]);
    expect([report.unreferencedRows, report.unreferencedFiles]).toEqual([[], []]);
  });

  it('keeps a tagged referrer of a deleted untagged manifest, and the referrers of that referrer', async () => {
    await clean();
    const repo = 'gc/referred';
    await createProjectsFor(berth, [repo]);
    const image = await registry.pushImage(repo);
    const sbom = await registry.pushArtifact(repo, image.descriptor, 'application/spdx+json', { tag: 'sbom' });
    const sbomSignature = await registry.pushArtifact(repo, sbom.descriptor, 'application/vnd.example.signature');

    const dry = await gc.run({ dryRun: true, deleteUntagged: true });
    expect(dry.log!.map((l) => l.message)).toContain(`would delete 1 untagged manifests in ${repo}`);
    const real = await gc.run({ deleteUntagged: true });
    expect(real.status).toBe('succeeded');
    expect(real.log!.map((l) => l.message)).toContain(`deleted 1 untagged manifests in ${repo}`);
    expect(await manifestStatus(repo, image.digest)).toBe(404);
    for (const m of [sbom, sbomSignature]) expect([m.digest, await manifestStatus(repo, m.digest)]).toEqual([m.digest, 200]);
    const referrers = (await registry.request('GET', `/v2/${repo}/referrers/${sbom.digest}`)).json();
    expect(referrers.manifests.map((m: Descriptor) => m.digest)).toEqual([sbomSignature.digest]);
    const report = await checkConsistency(berth, { storageDir: berth.storageDir });
    expect(report.problems).toEqual([]);
  });

  it('sweeps abandoned upload sessions (row and directory) and upload directories no session owns, keeping fresh ones', async () => {
    await clean();
    const repo = 'gc/app';
    const idOf = (location: string) => location.split('/').pop()!;
    const withBytes = async () => {
      const location = await registry.startUpload(repo);
      expect((await registry.request('PATCH', location, { body: Buffer.alloc(100, 1), headers: { 'content-range': '0-99' } })).status).toBe(202);
      return location;
    };
    const staleWithBytes = await withBytes();
    const staleEmpty = await registry.startUpload(repo);
    const fresh = await withBytes();
    const uploadsDir = path.join(berth.storageDir, 'uploads');
    const stray = path.join(uploadsDir, randomUUID());
    fs.mkdirSync(stray, { recursive: true });
    fs.writeFileSync(path.join(stray, 'data'), 'left by a crash');
    // Older than the upload max age (a day by default); a younger stray directory may be an upload being written.
    fs.utimesSync(path.join(stray, 'data'), TWO_DAYS_AGO, TWO_DAYS_AGO);
    fs.utimesSync(stray, TWO_DAYS_AGO, TWO_DAYS_AGO);
    await sql(`UPDATE upload SET updated_at = now() - interval '2 days' WHERE id = ANY($1::uuid[])`, [[idOf(staleWithBytes), idOf(staleEmpty)]]);
    const sessions = async () => (await sql<{ id: string }>(`SELECT id::text AS id FROM upload ORDER BY id`)).map((r) => r.id);
    const directories = () => fs.readdirSync(uploadsDir).sort();
    expect(await sessions()).toEqual([idOf(staleWithBytes), idOf(staleEmpty), idOf(fresh)].sort());
    expect(directories()).toEqual([idOf(staleWithBytes), idOf(fresh), path.basename(stray)].sort());

    const dry = await gc.run({ dryRun: true });
    expect([dry.status, dry.uploadsDeleted, dry.blobsDeleted]).toEqual(['succeeded', 3, 0]);
    expect(await sessions()).toHaveLength(3);
    expect(directories()).toHaveLength(3);

    const real = await gc.run({});
    expect([real.status, real.uploadsDeleted, real.blobsDeleted]).toEqual(['succeeded', 3, 0]);
    expect(real.log!.map((l) => l.message)).toContain('deleted 3 abandoned uploads');
    expect(await sessions()).toEqual([idOf(fresh)]);
    expect(directories()).toEqual([idOf(fresh)]);
    expectError(await registry.request('PATCH', staleWithBytes, { body: 'more', headers: { 'content-range': '100-103' } }), 404, 'BLOB_UPLOAD_UNKNOWN');
    const all = Buffer.alloc(100, 1);
    expect((await registry.request('PUT', `${fresh}?digest=${sha256(all)}`)).status).toBe(201);
    expect(await head(repo, sha256(all))).toBe(200);
  });

  it('reports a file in storage the database does not know in a dry run and deletes it in a real run', async () => {
    await clean();
    const content = randomBytes(777);
    const digest = sha256(content);
    const file = blobFile(berth.storageDir, digest);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    fs.utimesSync(file, TWO_HOURS_AGO, TWO_HOURS_AGO);

    const dry = await gc.run({ dryRun: true });
    expect([dry.status, dry.orphansDeleted, dry.bytesFreed, dry.blobsDeleted]).toEqual(['succeeded', 1, 777, 0]);
    expect(dry.log!.map((l) => l.message)).toContain('found 1 files in storage the database does not know (777 B)');
    expect(fs.existsSync(file)).toBe(true);
    expect(await blobRow(digest)).toBeUndefined();

    const real = await gc.run({});
    expect([real.status, real.orphansDeleted, real.bytesFreed, real.blobsDeleted]).toEqual(['succeeded', 1, 777, 0]);
    expect(fs.existsSync(path.dirname(file))).toBe(false);
    expect(await blobRow(digest)).toBeUndefined();
    const report = await checkConsistency(berth, { storageDir: berth.storageDir });
    expect([report.problems, report.unreferencedFiles, report.unreferencedRows]).toEqual([[], [], []]);
  });

  it('runs one collection at a time: 409 while another replica holds the lock or a run is in progress, and stops a run on request', async () => {
    await clean();
    const other = new Client({ connectionString: berth.databaseUrl });
    await other.connect();
    try {
      expect((await other.query('SELECT pg_try_advisory_lock($1, $2) AS locked', GC_LOCK)).rows[0].locked).toBe(true);
      const refused = await gc.request('POST', '/runs', {});
      expect([refused.status, refused.body.code, refused.body.message]).toEqual([409, 'CONFLICT', 'garbage collection is already running']);
      await other.query('SELECT pg_advisory_unlock($1, $2)', GC_LOCK);
      expect((await gc.run({})).status).toBe('succeeded');

      // A run held up in its mark phase (the blob table is locked), as a long one would be.
      const x = await loose('gc/app', 2000);
      await other.query('BEGIN');
      await other.query('LOCK TABLE blob IN ACCESS EXCLUSIVE MODE');
      const first = await gc.start({});
      expect(first).toMatchObject({ status: 'running', dryRun: false });
      await eventually(async () => expect((await gc.get(first.id)).phase).toBe('mark'), 15_000);
      const second = await gc.request('POST', '/runs', { dryRun: true });
      expect([second.status, second.body.code, second.body.message, second.body.details]).toEqual([
        409,
        'CONFLICT',
        `garbage collection is already running (run ${first.id})`,
        { runId: first.id },
      ]);
      const stopping = await gc.request('POST', `/runs/${first.id}/stop`);
      expect([stopping.status, stopping.body.status, stopping.body.stopRequested]).toEqual([202, 'running', true]);
      await other.query('ROLLBACK');
      const stopped = await gc.wait(first.id);
      expect(stopped).toMatchObject({ status: 'stopped', blobsDeleted: 0, bytesFreed: 0, stopRequested: true, error: null });
      expect(stopped.log!.map((l) => l.message)).toContain('stopped on request');
      expect(await blobFiles(berth.storageDir, x.digest)).toHaveLength(1);
      expect(await head('gc/app', x.digest)).toBe(200);

      const late = await gc.request('POST', `/runs/${first.id}/stop`);
      expect([late.status, late.body.code]).toEqual([409, 'PRECONDITION']);
      expect((await gc.request('GET', '/runs/999999')).status).toBe(404);
      expect((await gc.request('GET', '/runs/not-a-number')).status).toBe(404);
      expect((await gc.request('POST', '/runs', { dryRun: 'yes' })).status).toBe(400);
      expect((await gc.request('POST', '/runs', { workers: 0 })).status).toBe(400);
      expect((await gc.request('POST', '/runs', { everything: true })).status).toBe(400);

      // The lock was released by the stopped run: the next one deletes the blob.
      expect(await gc.run({})).toMatchObject({ status: 'succeeded', blobsDeleted: 1, bytesFreed: 2000 });
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });

  it('lists the history newest first with durations', async () => {
    const latest = await gc.run({ dryRun: true, workers: 3 });
    const page = (await gc.request('GET', '/runs?page_size=100')).body;
    const count = (await sql(`SELECT count(*)::int AS n FROM gc_run`))[0].n;
    expect(page.total).toBe(count);
    expect(page.items).toHaveLength(count);
    expect(count).toBeGreaterThanOrEqual(15);
    expect(page.items[0]).toMatchObject({ id: latest.id, dryRun: true, workers: 3, status: 'succeeded' });
    const ids = page.items.map((r: GcRun) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    for (const run of page.items as GcRun[]) {
      expect(run.durationMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(run.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
      expect(run).not.toHaveProperty('log');
    }
    const second = (await gc.request('GET', '/runs?page=2&page_size=2')).body;
    expect(second.items.map((r: GcRun) => r.id)).toEqual(page.items.slice(2, 4).map((r: GcRun) => r.id));
  });

  it('keeps a schedule, refusing an invalid cron expression', async () => {
    expect((await gc.request('GET', '/schedule')).body).toEqual({
      cron: null,
      nextRunAt: null,
      deleteUntagged: false,
      workers: 2,
      graceSeconds: 0,
      uploadMaxAgeSeconds: 86400,
    });
    const set = await gc.request('PUT', '/schedule', { cron: '0 3 * * *', deleteUntagged: true, workers: 2 });
    expect(set.status).toBe(200);
    const next = new Date();
    next.setUTCHours(3, 0, 0, 0);
    if (next.getTime() <= Date.now()) next.setUTCDate(next.getUTCDate() + 1);
    expect(set.body).toEqual({ cron: '0 3 * * *', nextRunAt: next.toISOString(), deleteUntagged: true, workers: 2, graceSeconds: 0, uploadMaxAgeSeconds: 86400 });
    expect((await gc.request('GET', '/schedule')).body).toEqual(set.body);

    for (const body of [{ cron: 'not a cron' }, { cron: '61 * * * *' }, { cron: '' }, { cron: '* * * * *', workers: 65 }, { cron: '* * * * *', often: true }]) {
      const refused = await gc.request('PUT', '/schedule', body);
      expect([JSON.stringify(body), refused.status, refused.body.code]).toEqual([JSON.stringify(body), 400, 'INVALID']);
    }
    expect((await gc.request('PUT', '/schedule', { cron: 'not a cron' })).body.message).toMatch(/invalid cron expression "not a cron"/);
    expect((await gc.request('GET', '/schedule')).body).toEqual(set.body);

    const removed = await gc.request('PUT', '/schedule', { cron: null });
    expect([removed.status, removed.body.cron, removed.body.nextRunAt]).toEqual([200, null, null]);
    expect((await sql(`SELECT count(*)::int AS n FROM job_schedule WHERE key = 'gc'`))[0].n).toBe(0);
  });

  it('runs garbage collection when its schedule comes due, with trigger schedule', async () => {
    await clean();
    const x = await loose('gc/app', 1234);
    expect((await gc.request('PUT', '/schedule', { cron: '0 0 1 1 *', workers: 2 })).status).toBe(200);
    const runsBefore = (await sql(`SELECT count(*)::int AS n FROM gc_run`))[0].n;
    await sql(`UPDATE job_schedule SET next_run_at = now() - interval '1 minute' WHERE key = 'gc'`);
    const scheduled = await eventually(async () => {
      const items: GcRun[] = (await gc.request('GET', '/runs?page_size=5')).body.items;
      const found = items.find((r) => r.trigger === 'schedule' && r.status !== 'running');
      if (!found) throw new Error(`no finished scheduled run yet: ${JSON.stringify(items.map((r) => [r.trigger, r.status]))}`);
      return found;
    }, 20_000);
    expect(scheduled).toMatchObject({ trigger: 'schedule', triggeredBy: null, status: 'succeeded', dryRun: false, workers: 2, blobsDeleted: 1, bytesFreed: 1234 });
    expect((await sql(`SELECT count(*)::int AS n FROM gc_run`))[0].n).toBe(runsBefore + 1);
    expect(await blobFiles(berth.storageDir, x.digest)).toEqual([]);
    const [row] = await sql(`SELECT next_run_at FROM job_schedule WHERE key = 'gc'`);
    expect(row.next_run_at.toISOString()).toBe(`${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`);
    expect((await gc.request('PUT', '/schedule', { cron: null })).status).toBe(200);
  });

  describe('the gc CLI', () => {
    const cli = (args: string[], env: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [BERTH, 'gc', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr }),
        );
      });
    const viaServer = (password = TEST_ADMIN_PASSWORD) => ({ BERTH_URL: berth.url, BERTH_USERNAME: 'admin', BERTH_PASSWORD: password });

    it('runs a dry run through the server and prints its summary', async () => {
      await clean();
      const x = await loose('gc/app', 2048);
      const res = await cli(['--dry-run'], viaServer());
      expect(res).toMatchObject({ code: 0 });
      const [run] = await sql(`SELECT id::text AS id, trigger, triggered_by, dry_run, status FROM gc_run ORDER BY gc_run.id DESC LIMIT 1`);
      expect(run).toEqual({ id: run.id, trigger: 'manual', triggered_by: 'admin', dry_run: true, status: 'succeeded' });
      expect(res.stdout).toMatch(
        new RegExp(`^run ${run.id} succeeded \\(dry run: nothing was deleted\\) in \\d+\\.\\d s: 1 blobs, 0 manifests, 0 uploads, 0 orphan files, 0\\.0 MiB to free, 0 rescued$`, 'm'),
      );
      expect(res.stdout).toMatch(/info  marked 1 unreferenced blobs \(2\.0 KiB\)/);
      expect(await blobFiles(berth.storageDir, x.digest)).toHaveLength(1);
    });

    it('runs directly against the database and storage with --direct, and fails with status 2 on refusal', async () => {
      await clean();
      const x = await loose('gc/app', 4096);
      const direct = await cli(['--direct'], {
        DATABASE_URL: berth.databaseUrl,
        BERTH_STORAGE_DIR: berth.storageDir,
        BERTH_DATA_DIR: path.dirname(berth.storageDir),
        BERTH_GC_GRACE_SECONDS: '0',
        USER: 'operator',
      });
      expect(direct.stderr).not.toMatch(/failed/);
      expect(direct.code).toBe(0);
      expect(direct.stdout).toMatch(/^run \d+ succeeded in \d+\.\d s: 1 blobs, 0 manifests, 0 uploads, 0 orphan files, 0\.0 MiB freed, 0 rescued$/m);
      const [run] = await sql(`SELECT trigger, triggered_by, dry_run, blobs_deleted FROM gc_run ORDER BY gc_run.id DESC LIMIT 1`);
      expect(run).toEqual({ trigger: 'cli', triggered_by: 'operator', dry_run: false, blobs_deleted: 1 });
      expect(await blobFiles(berth.storageDir, x.digest)).toEqual([]);

      const wrong = await cli(['--dry-run'], viaServer('wrong-password'));
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/^garbage collection failed: POST \/runs: 401 /m);

      const other = new Client({ connectionString: berth.databaseUrl });
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1, $2)', GC_LOCK);
        const busy = await cli([], viaServer());
        expect(busy.code).toBe(2);
        expect(busy.stderr).toMatch(/POST \/runs: 409 garbage collection is already running/);
        const busyDirect = await cli(['--direct'], { DATABASE_URL: berth.databaseUrl, BERTH_STORAGE_DIR: berth.storageDir });
        expect(busyDirect.code).toBe(2);
        expect(busyDirect.stderr).toMatch(/another garbage collection is running on this database/);
      } finally {
        await other.end();
      }
      const usage = await cli(['--workers', '0'], viaServer());
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/--workers must be an integer from 1 to 64/);
      const unknown = await cli(['--dry-rn'], viaServer());
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/Unknown option '--dry-rn'[\s\S]*Usage: berth gc/);
      const help = await cli(['--help'], {});
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toMatch(/^Usage: berth gc \[--dry-run\]/);
    });
  });
});

/** A server with the default grace window of an hour. */
describe('garbage collection with a grace window', () => {
  let berth: TestBerth;
  let registry: RegistryClient;
  let gc: GcClient;
  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_GC_GRACE_SECONDS: '3600' });
    registry = new RegistryClient(berth.url);
    gc = new GcClient(berth.url);
    await createProjectsFor(berth, ['grace/app']);
  });
  afterAll(async () => {
    await berth?.close();
  });

  it('keeps blobs and files touched within the window, and collects those older', async () => {
    const kept = await registry.pushImage('grace/app', { tag: 'v1' });
    const dropped = await registry.pushImage('grace/app', { tag: 'old' });
    expect((await registry.request('DELETE', `/v2/grace/app/manifests/${dropped.digest}`)).status).toBe(202);
    const fresh = await registry.pushBlob('grace/app', randomBytes(100));
    const old = await registry.pushBlob('grace/app', randomBytes(300));
    await berth.running.dataSource.query(`UPDATE blob SET touched_at = now() - interval '2 hours' WHERE digest = $1`, [old.digest]);
    const orphan = (content: Buffer, mtime?: Date) => {
      const file = blobFile(berth.storageDir, sha256(content));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
      if (mtime) fs.utimesSync(file, mtime, mtime);
      return file;
    };
    const newOrphan = orphan(randomBytes(50));
    const oldOrphan = orphan(randomBytes(70), TWO_HOURS_AGO);

    expect((await gc.request('GET', '/schedule')).body).toMatchObject({ graceSeconds: 3600, uploadMaxAgeSeconds: 86400 });
    const run = await gc.run({});
    expect([run.status, run.blobsDeleted, run.orphansDeleted, run.bytesFreed]).toEqual(['succeeded', 1, 1, 300 + 70]);
    expect(await blobFiles(berth.storageDir, old.digest)).toEqual([]);
    expect(fs.existsSync(oldOrphan)).toBe(false);
    expect(fs.existsSync(newOrphan)).toBe(true);
    for (const d of [fresh, dropped.config, ...dropped.layers, kept.config, ...kept.layers]) {
      expect(await blobFiles(berth.storageDir, d.digest)).toHaveLength(1);
      expect((await registry.request('HEAD', `/v2/grace/app/blobs/${d.digest}`)).status).toBe(200);
    }
    const report = await checkConsistency(berth, { storageDir: berth.storageDir });
    expect(report.problems).toEqual([]);
    expect(report.unreferencedRows).toEqual([fresh.digest, dropped.config.digest, dropped.layers[0].digest].sort());
  });
});
