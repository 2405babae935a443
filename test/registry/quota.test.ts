import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { ConsoleClient } from '../console/console-client';
import { buildImage, BuiltImage, initLayout, requireCommands, skopeo } from '../support/images';
import { blobFiles, Descriptor, expectError, listFiles, MT, ociImage, ociIndex, RegistryClient, sha256, streamedPatch } from '../support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

/**
 * Project storage quotas at the registry: usage counts each blob once per project from manifest
 * references (kept by triggers), falls when the last reference in the project goes, and a push that
 * would go over is refused with DENIED naming the project and its quota, leaving nothing behind.
 */
describe('project storage quotas', () => {
  let berth: TestBerth;
  let registry: RegistryClient;
  let admin: ConsoleClient;

  const sql = <T = any>(text: string, params: unknown[] = []): Promise<T[]> => berth.running.dataSource.query(text, params);
  const usage = async (project: string): Promise<number> => {
    const res = await admin.get(`/projects/${project}`);
    expect(res.status).toBe(200);
    return res.body.storageBytes;
  };
  const setQuota = async (project: string, quotaBytes: number | null) => {
    const res = await admin.patch(`/projects/${project}`, { quotaBytes });
    expect([res.status, res.body.quotaBytes]).toEqual([200, quotaBytes]);
  };
  const newProject = async (name: string, quotaBytes: number | null = null) => {
    expect((await admin.post('/projects', { name })).status).toBe(201);
    if (quotaBytes !== null) await setQuota(name, quotaBytes);
  };
  const config = () => Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomUUID() }));
  const blob = (repo: string, bytes: Buffer, mediaType: string = MT.ociLayer) => registry.pushBlob(repo, bytes, mediaType);
  const manifestOf = (cfg: Descriptor, layers: Descriptor[], annotations?: Record<string, string>) => ociImage({ config: cfg, layers, annotations });
  const put = (repo: string, reference: string, doc: Record<string, unknown>) =>
    registry.request('PUT', `/v2/${repo}/manifests/${reference}`, { body: JSON.stringify(doc), headers: { 'content-type': String(doc.mediaType) } });
  /** Config and layers uploaded, then the manifest under `reference`. */
  const pushImage = async (repo: string, reference: string, layers: Buffer[], cfg: Buffer = config()) => {
    const c = await blob(repo, cfg, MT.ociConfig);
    const ls = [];
    for (const l of layers) ls.push(await blob(repo, l));
    const pushed = await registry.pushManifest(repo, reference, manifestOf(c, ls));
    return { ...pushed, config: c, layers: ls, bytes: c.size + ls.reduce((n, l) => n + l.size, 0) };
  };

  beforeAll(async () => {
    berth = await startTestBerth();
    registry = new RegistryClient(berth.url);
    admin = ConsoleClient.basic(berth, 'admin', TEST_ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await berth?.close();
  });

  it('counts each distinct blob once per project and gives it back only when the last reference in the project goes', async () => {
    await newProject('use', 10 * 1024 * 1024);
    await newProject('use-b');
    const shared = randomBytes(3000);
    const one = await pushImage('use/one', 'v1', [shared, randomBytes(200)]);
    expect(await usage('use')).toBe(one.bytes);
    // A second repository of the project sharing the layer adds only its config.
    const two = await pushImage('use/two', 'v1', [shared]);
    expect(await usage('use')).toBe(one.bytes + two.config.size);
    // The same manifest under another tag, and an upload no manifest references, add nothing.
    await registry.pushManifest('use/one', 'latest', one.body, MT.ociManifest);
    await blob('use/one', randomBytes(10_000));
    expect(await usage('use')).toBe(one.bytes + two.config.size);
    // Another project using the layer counts it too.
    const other = await pushImage('use-b/app', 'v1', [shared]);
    expect(await usage('use-b')).toBe(other.bytes);
    expect(await usage('use')).toBe(one.bytes + two.config.size);
    // An index: its children's blobs count, the index itself is no blob.
    const c1 = await pushImage('use/multi', 'c1', [randomBytes(111)]);
    const c2 = await pushImage('use/multi', 'c2', [shared]);
    await registry.pushManifest('use/multi', 'all', ociIndex([c1.descriptor, c2.descriptor]));
    const withMulti = one.bytes + two.config.size + c1.bytes + c2.config.size;
    expect(await usage('use')).toBe(withMulti);

    // A tag deleted while another tag keeps the manifest: nothing changes.
    expect((await admin.delete('/projects/use/repositories/one/-/tags/latest')).status).toBe(204);
    expect(await usage('use')).toBe(withMulti);
    // The artifact deleted: its config and own layer go, the shared layer is still used by use/two and use/multi.
    expect((await admin.delete(`/projects/use/repositories/one/-/artifacts/${one.digest}`)).status).toBe(200);
    expect(await usage('use')).toBe(withMulti - one.config.size - one.layers[1].size);
    // The repository use/two deleted: its config goes, the shared layer stays (use/multi's c2 uses it).
    expect((await admin.delete('/projects/use/repositories/two')).status).toBe(204);
    expect(await usage('use')).toBe(c1.bytes + c2.bytes);
    // Deleting the children's tags keeps them (the index references them); deleting the index by /v2 leaves them untagged but stored.
    expect((await registry.request('DELETE', '/v2/use/multi/manifests/c1')).status).toBe(202);
    expect(await usage('use')).toBe(c1.bytes + c2.bytes);
    expect((await registry.request('DELETE', `/v2/use/multi/manifests/${c2.digest}`)).status).toBe(202);
    expect(await usage('use')).toBe(c1.bytes);
    expect((await admin.delete('/projects/use/repositories/multi')).status).toBe(204);
    expect(await usage('use')).toBe(0);
    expect(await usage('use-b')).toBe(other.bytes);
    expect((await registry.request('DELETE', `/v2/use-b/app/manifests/${other.digest}`)).status).toBe(202);
    expect(await usage('use-b')).toBe(0);
    expect(await sql(`SELECT p.name, pb.refs FROM project_blob pb JOIN project p ON p.id = pb.project_id WHERE p.name IN ('use', 'use-b')`)).toEqual([]);
  });

  it('refuses a blob upload that alone exceeds what is left, naming the project and quota, and leaves nothing behind', async () => {
    await newProject('tight', 1000);
    const base = await pushImage('tight/app', 'v1', [randomBytes(400)]);
    const used = base.bytes;
    expect(await usage('tight')).toBe(used);
    const left = 1000 - used;
    const uploadsDir = path.join(berth.storageDir, 'uploads');
    const nothingLeft = async (digest: string) => {
      expect(await blobFiles(berth.storageDir, digest)).toEqual([]);
      expect(await sql(`SELECT digest FROM blob WHERE digest = $1`, [digest])).toEqual([]);
      expect(await sql(`SELECT id FROM upload`)).toEqual([]);
      expect(await listFiles(uploadsDir)).toEqual([]);
    };
    const expectDenied = (res: Awaited<ReturnType<RegistryClient['request']>>, needed: number) => {
      const error = expectError(res, 403, 'DENIED');
      expect(error.message).toBe(`project tight is over its storage quota: this push needs ${needed} B more, ${left} B of 1000 B is left`);
      expect(error.detail).toEqual({ project: 'tight', quotaBytes: 1000, usedBytes: used, neededBytes: needed });
    };

    // Monolithic, into a repository that does not exist yet: it is not created either.
    const big = randomBytes(left + 1);
    expectDenied(await registry.request('POST', `/v2/tight/big/blobs/uploads/?digest=${sha256(big)}`, { body: big }), left + 1);
    await nothingLeft(sha256(big));
    expect(await sql(`SELECT name FROM repository WHERE name = 'tight/big'`)).toEqual([]);

    // Chunked: the PATCH that would pass what is left is refused before its bytes are kept, and the session is gone.
    const location = await registry.startUpload('tight/app');
    expectDenied(await registry.request('PATCH', location, { body: big, headers: { 'content-range': `0-${big.length - 1}` } }), left + 1);
    expectError(await registry.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
    await nothingLeft(sha256(big));

    // A mount from another project is a new blob to this one too.
    await newProject('roomy');
    await blob('roomy/src', big);
    expectDenied(await registry.request('POST', `/v2/tight/app/blobs/uploads/?mount=${sha256(big)}&from=roomy/src`), left + 1);
    expect(await sql(`SELECT rb.digest FROM repository_blob rb JOIN repository r ON r.id = rb.repository_id WHERE r.name = 'tight/app' AND rb.digest = $1`, [sha256(big)])).toEqual([]);

    // Exactly what is left fits.
    const exact = await blob('tight/app', randomBytes(left));
    expect(await blobFiles(berth.storageDir, exact.digest)).toHaveLength(1);
    expect(await usage('tight')).toBe(used);
  });

  it('refuses a manifest whose new blobs together exceed the quota, storing nothing', async () => {
    await newProject('tight2', 3000);
    const base = await pushImage('tight2/app', 'base', [randomBytes(500)]);
    const used = base.bytes;
    // Each layer fits alone (uploads pass), together with the new config they do not.
    const cfg = await blob('tight2/app', config(), MT.ociConfig);
    const l1 = await blob('tight2/app', randomBytes(1200));
    const l2 = await blob('tight2/app', randomBytes(1200));
    const needed = cfg.size + l1.size + l2.size;
    expect(used + needed).toBeGreaterThan(3000);
    const res = await put('tight2/app', 'v1', manifestOf(cfg, [l1, l2]));
    const error = expectError(res, 403, 'DENIED');
    expect(error.message).toMatch(/^project tight2 is over its storage quota: this push needs 2\.\d KiB more, 2\.\d KiB of 2\.9 KiB is left$/);
    expect(error.detail).toEqual({ project: 'tight2', quotaBytes: 3000, usedBytes: used, neededBytes: needed });
    expectError(await registry.request('GET', '/v2/tight2/app/manifests/v1', { headers: { accept: MT.ociManifest } }), 404, 'MANIFEST_UNKNOWN');
    expect((await registry.request('GET', '/v2/tight2/app/tags/list')).json().tags).toEqual(['base']);
    expect((await sql(`SELECT count(*)::int AS n FROM manifest m JOIN repository r ON r.id = m.repository_id WHERE r.name = 'tight2/app'`))[0].n).toBe(1);
    expect(await usage('tight2')).toBe(used);
    // By digest too.
    const doc = manifestOf(cfg, [l1, l2]);
    expectError(await put('tight2/app', sha256(JSON.stringify(doc)), doc), 403, 'DENIED');
    // One layer fewer fits.
    expect((await put('tight2/app', 'v1', manifestOf(cfg, [l1]))).status).toBe(201);
    expect(await usage('tight2')).toBe(used + cfg.size + l1.size);
  });

  it('accepts pushes whose blobs the project already counts, at and even over the limit', async () => {
    await newProject('full');
    const base = await pushImage('full/app', 'v1', [randomBytes(700)]);
    await setQuota('full', base.bytes);
    expect(await usage('full')).toBe(base.bytes);
    expectError(await registry.request('POST', `/v2/full/app/blobs/uploads/?digest=${sha256('x')}`, { body: 'x' }), 403, 'DENIED');

    // Another repository of the project: the config uploaded again, the layer mounted, a new manifest over them.
    expect((await registry.request('POST', `/v2/full/other/blobs/uploads/?digest=${base.config.digest}`, { body: await blobBytes('full/app', base.config.digest) })).status).toBe(201);
    expect((await registry.request('POST', `/v2/full/other/blobs/uploads/?mount=${base.layers[0].digest}&from=full/app`)).status).toBe(201);
    expect((await put('full/other', 'v1', manifestOf(base.config, base.layers, { variant: 'again' }))).status).toBe(201);
    expect((await put('full/app', 'v2', manifestOf(base.config, base.layers))).status).toBe(201);
    expect(await usage('full')).toBe(base.bytes);

    // Lowered below what is used: what is already counted still pushes, anything new does not.
    await setQuota('full', base.bytes - 100);
    expect((await put('full/app', 'v3', manifestOf(base.config, base.layers, { variant: 'third' }))).status).toBe(201);
    const extra = randomBytes(10);
    expectError(await registry.request('POST', `/v2/full/app/blobs/uploads/?digest=${sha256(extra)}`, { body: extra }), 403, 'DENIED');
    expect(await usage('full')).toBe(base.bytes);
  });

  describe('upload sessions count against the quota while they are open', () => {
    const MiB = 1024 * 1024;
    const nothingKept = async (location: string) => {
      expectError(await registry.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expect(await listFiles(path.join(berth.storageDir, 'uploads'))).toEqual([]);
    };

    it('refuses a 4 MiB PATCH into a 1 MiB project at once, and a streamed one (no Content-Length) at its first byte past the quota', async () => {
      await newProject('sessions', MiB);
      const sized = await registry.startUpload('sessions/app');
      const refused = expectError(await registry.request('PATCH', sized, { body: randomBytes(4 * MiB), headers: { 'content-range': `0-${4 * MiB - 1}` } }), 403, 'DENIED');
      expect(refused.message).toBe('project sessions is over its storage quota: this push needs 4.0 MiB more, 1.0 MiB of 1.0 MiB is left');
      await nothingKept(sized);

      const streamed = await registry.startUpload('sessions/app');
      const res = await streamedPatch(berth.url, streamed, registry.authorization!, 4, MiB);
      expectError(res, 403, 'DENIED');
      await nothingKept(streamed);
      expect(await sql(`SELECT id FROM upload`)).toEqual([]);
    });

    it('counts what other open sessions of the project hold: a second upload gets only what the first left', async () => {
      await newProject('held', MiB);
      const first = await registry.startUpload('held/a');
      expect((await registry.request('PATCH', first, { body: randomBytes(700 * 1024), headers: { 'content-range': `0-${700 * 1024 - 1}` } })).status).toBe(202);
      // Another repository of the same project: 400 KiB no longer fit beside the 700 KiB the first session holds.
      const second = await registry.startUpload('held/b');
      const refused = expectError(await registry.request('PATCH', second, { body: randomBytes(400 * 1024), headers: { 'content-range': `0-${400 * 1024 - 1}` } }), 403, 'DENIED');
      expect(refused.message).toMatch(/held by uploads in progress/);
      expect(refused.detail).toMatchObject({ project: 'held', uploadingBytes: 700 * 1024, neededBytes: 400 * 1024 });
      // Streamed, the first 300 KiB go in; the session then holds 300 KiB.
      const third = await registry.startUpload('held/b');
      expect((await streamedPatch(berth.url, third, registry.authorization!, 3, 100 * 1024)).status).toBe(202);
      expect(await sql(`SELECT size::int AS size, reserved_bytes::int AS reserved FROM upload WHERE id = $1`, [third.split('/').pop()])).toEqual([{ size: 300 * 1024, reserved: 0 }]);
      // Once the first session is cancelled, its bytes are free again.
      expect((await registry.request('DELETE', first)).status).toBe(204);
      const content = randomBytes(600 * 1024);
      expect((await registry.pushBlob('held/b', content)).size).toBe(content.length);
    });
  });

  // Pushes to one repository queue up on its row; these go to two repositories of the project, which only the quota check orders.
  it('lets exactly one of two concurrent pushes through when each fits but both together do not', async () => {
    await newProject('race');
    const base = await pushImage('race/a', 'base', [randomBytes(100)]);
    await blob('race/b', await blobBytes('race/a', base.config.digest), MT.ociConfig);
    for (let round = 0; round < 4; round++) {
      const before = await usage('race');
      await setQuota('race', before + 1500);
      const a = await blob('race/a', randomBytes(1000));
      const b = await blob('race/b', randomBytes(1000));
      const [ra, rb] = await contended('race', [() => put('race/a', `v${round}`, manifestOf(base.config, [a])), () => put('race/b', `v${round}`, manifestOf(base.config, [b]))]);
      expect([round, [ra.status, rb.status].sort()]).toEqual([round, [201, 403]]);
      const error = expectError(ra.status === 403 ? ra : rb, 403, 'DENIED');
      expect(error.detail).toEqual({ project: 'race', quotaBytes: before + 1500, usedBytes: before + 1000, neededBytes: 1000 });
      expect(await usage('race')).toBe(before + 1000);
      const winner = ra.status === 201 ? 'race/a' : 'race/b';
      const loser = ra.status === 201 ? 'race/b' : 'race/a';
      expect((await registry.request('HEAD', `/v2/${winner}/manifests/v${round}`, { headers: { accept: MT.ociManifest } })).status).toBe(200);
      expect((await registry.request('HEAD', `/v2/${loser}/manifests/v${round}`, { headers: { accept: MT.ociManifest } })).status).toBe(404);
    }
  });

  it('lets both of two concurrent pushes through when they share the new layer and it fits once', async () => {
    await newProject('share');
    const base = await pushImage('share/a', 'base', [randomBytes(100)]);
    await blob('share/b', await blobBytes('share/a', base.config.digest), MT.ociConfig);
    for (let round = 0; round < 4; round++) {
      const before = await usage('share');
      await setQuota('share', before + 1500);
      const content = randomBytes(1000);
      const layer = await blob('share/a', content);
      await blob('share/b', content);
      const [ra, rb] = await contended('share', [() => put('share/a', `v${round}`, manifestOf(base.config, [layer])), () => put('share/b', `v${round}`, manifestOf(base.config, [layer]))]);
      expect([round, ra.status, rb.status, ra.body.toString(), rb.body.toString()]).toEqual([round, 201, 201, '', '']);
      expect(await usage('share')).toBe(before + 1000);
    }
  });

  describe('with skopeo', () => {
    let work: string;
    let image: BuiltImage;
    beforeAll(async () => {
      await requireCommands();
      work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-quota-'));
      await initLayout(path.join(work, 'layout'));
      image = await buildImage(path.join(work, 'layout'), {
        ref: 'app',
        architecture: 'amd64',
        filePath: 'etc/quota',
        fileContent: `${randomBytes(2000).toString('base64')}\n`,
        cmd: ['/bin/true'],
      });
    });
    afterAll(async () => {
      if (work) await fs.rm(work, { recursive: true, force: true });
    });
    const copy = (to: string) =>
      skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `admin:${TEST_ADMIN_PASSWORD}`, `oci:${path.join(work, 'layout')}:app`, `docker://${berth.host}/${to}`]);

    it('fails a push over the quota with the message in skopeo\'s error, and succeeds once the quota allows it', async () => {
      const bytes = image.manifest.config.size + image.manifest.layers.reduce((n, l) => n + l.size, 0);
      await newProject('skop', bytes - 1);
      const failed = await copy('skop/app:v1').then(
        () => undefined,
        (err: Error) => err.message,
      );
      expect(failed).toMatch(/project skop is over its storage quota: this push needs/);
      expect(await usage('skop')).toBe(0);
      expect(await sql(`SELECT m.digest FROM manifest m JOIN repository r ON r.id = m.repository_id WHERE r.name = 'skop/app'`)).toEqual([]);

      await setQuota('skop', bytes);
      await copy('skop/app:v1');
      expect(await usage('skop')).toBe(bytes);
      expect((await registry.request('HEAD', '/v2/skop/app/manifests/v1', { headers: { accept: MT.ociManifest } })).header('docker-content-digest')).toBe(image.digest);
    });
  });

  /**
   * Runs manifest PUTs so that they really overlap: the project's row is held locked from another
   * connection until every PUT waits for it at its quota check, then released.
   */
  async function contended<T>(project: string, requests: (() => Promise<T>)[]): Promise<T[]> {
    const holder = new Client({ connectionString: berth.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM project WHERE name = $1 FOR UPDATE', [project]);
      const all = Promise.all(requests.map((send) => send()));
      const deadline = Date.now() + 5000;
      for (;;) {
        // Activity is read once per transaction unless the snapshot is dropped.
        await holder.query('SELECT pg_stat_clear_snapshot()');
        const waiting = await holder.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND query NOT LIKE '%audit_event%'`,
        );
        if (waiting.rows[0].n === requests.length) break;
        if (Date.now() > deadline) throw new Error(`only ${waiting.rows[0].n} of ${requests.length} pushes reached the quota check`);
        await new Promise((r) => setTimeout(r, 10));
      }
      await holder.query('COMMIT');
      return await all;
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }

  async function blobBytes(repo: string, digest: string): Promise<Buffer> {
    const res = await registry.request('GET', `/v2/${repo}/blobs/${digest}`);
    expect(res.status).toBe(200);
    return res.body;
  }
});
