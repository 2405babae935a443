import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createProjectsFor } from '../support/access';
import { blobFiles as blobFilesIn, eventually, expectError, listFiles, MT, RegistryClient, sendTruncated, sha256 } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('failure modes', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth();
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, ['cut/patch', 'race/a', 'restart/app', 'lost/app', 'big/app']);
  });
  afterAll(async () => {
    await berth.close();
  });

  const blobFiles = (digest: string) => blobFilesIn(berth.storageDir, digest);

  async function openUploads(name: string): Promise<number> {
    const [row] = await berth.running.dataSource.query('SELECT count(*)::int AS n FROM upload WHERE repository_name = $1', [name]);
    return row.n;
  }

  /** The bytes an upload holds once the server has finished with an interrupted request (the Range stops moving). */
  async function settledSize(location: string): Promise<number> {
    let last = -1;
    let stable = 0;
    for (let i = 0; i < 200 && stable < 3; i++) {
      const res = await reg.request('GET', location);
      expect(res.status).toBe(204);
      const range = res.header('range')!;
      const size = range === '0-0' ? await storedSize(location) : Number(range.split('-')[1]) + 1;
      stable = size === last ? stable + 1 : 0;
      last = size;
      await new Promise((r) => setTimeout(r, 40));
    }
    return last;
  }

  /** `0-0` means empty or one byte; storage says which. */
  async function storedSize(location: string): Promise<number> {
    const id = location.split('/').pop()!;
    return fs.stat(path.join(berth.storageDir, 'uploads', id, 'data')).then(
      (s) => s.size,
      () => 0,
    );
  }

  async function storedBytes(location: string): Promise<Buffer> {
    return fs.readFile(path.join(berth.storageDir, 'uploads', location.split('/').pop()!, 'data'));
  }

  describe('interrupted uploads', () => {
    it('a PATCH cut off mid-body leaves no blob; the upload resumes from the reported Range', async () => {
      const content = randomBytes(200 * KiB);
      const digest = sha256(content);
      const location = await reg.startUpload('cut/patch');
      expect((await reg.request('PATCH', location, { body: content.subarray(0, 1000), headers: { 'content-range': '0-999' } })).status).toBe(202);
      await sendTruncated(berth.url, 'PATCH', location, content.length - 1000, content.subarray(1000, 80 * KiB), {
        authorization: reg.authorization!,
        'content-range': `1000-${content.length - 1}`,
      });
      const size = await settledSize(location);
      expect(size).toBeGreaterThanOrEqual(1000);
      expect(size).toBeLessThanOrEqual(80 * KiB);
      // What reached storage is exactly a prefix of what was sent.
      expect((await storedBytes(location)).equals(content.subarray(0, size))).toBe(true);
      expectError(await reg.request('GET', `/v2/cut/patch/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      expect(await blobFiles(digest)).toEqual([]);

      const resume = await reg.request('PATCH', location, { body: content.subarray(size), headers: { 'content-range': `${size}-${content.length - 1}` } });
      expect(resume.status).toBe(202);
      expect(resume.header('range')).toBe(`0-${content.length - 1}`);
      const put = await reg.request('PUT', `${location}?digest=${digest}`);
      expect(put.status).toBe(201);
      expect((await reg.request('GET', `/v2/cut/patch/blobs/${digest}`)).body.equals(content)).toBe(true);
      expect(await blobFiles(digest)).toHaveLength(1);
    });

    it('finishing a cut-off upload without the missing bytes is DIGEST_INVALID and leaves nothing', async () => {
      const content = randomBytes(200 * KiB);
      const digest = sha256(content);
      const location = await reg.startUpload('cut/finish');
      await sendTruncated(berth.url, 'PATCH', location, content.length, content.subarray(0, 50 * KiB), { authorization: reg.authorization! });
      await settledSize(location);
      expectError(await reg.request('PUT', `${location}?digest=${digest}`), 400, 'DIGEST_INVALID');
      expectError(await reg.request('GET', `/v2/cut/finish/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      expect(await blobFiles(digest)).toEqual([]);
      expectError(await reg.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expect(await openUploads('cut/finish')).toBe(0);
    });

    it('a final-chunk PUT cut off mid-body commits nothing and the session can still finish', async () => {
      const content = randomBytes(150 * KiB);
      const digest = sha256(content);
      const location = await reg.startUpload('cut/put');
      await sendTruncated(berth.url, 'PUT', `${location}?digest=${digest}`, content.length, content.subarray(0, 60 * KiB), { authorization: reg.authorization! });
      const size = await settledSize(location);
      expectError(await reg.request('GET', `/v2/cut/put/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      expect(await blobFiles(digest)).toEqual([]);
      const put = await reg.request('PUT', `${location}?digest=${digest}`, { body: content.subarray(size) });
      expect(put.status).toBe(201);
      expect((await reg.request('GET', `/v2/cut/put/blobs/${digest}`)).body.equals(content)).toBe(true);
    });

    it('a monolithic POST cut off mid-body leaves no blob, no session and no file', async () => {
      const content = randomBytes(300 * KiB);
      const digest = sha256(content);
      await sendTruncated(berth.url, 'POST', `/v2/cut/mono/blobs/uploads/?digest=${digest}`, content.length, content.subarray(0, 100 * KiB), {
        authorization: reg.authorization!,
      });
      await eventually(async () => {
        expect(await openUploads('cut/mono')).toBe(0);
        expect(await listFiles(path.join(berth.storageDir, 'uploads'))).toEqual([]);
      });
      expectError(await reg.request('GET', `/v2/cut/mono/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      expect(await blobFiles(digest)).toEqual([]);
      // The same push, sent whole, works.
      await reg.pushBlob('cut/mono', content);
      expect((await reg.request('GET', `/v2/cut/mono/blobs/${digest}`)).body.equals(content)).toBe(true);
    });

    it('a manifest PUT cut off mid-body stores nothing', async () => {
      const image = await reg.pushImage('cut/manifest', {});
      await sendTruncated(berth.url, 'PUT', '/v2/cut/manifest/manifests/v1', image.body.length, image.body.subarray(0, 50), {
        authorization: reg.authorization!,
        'content-type': MT.ociManifest,
      });
      await new Promise((r) => setTimeout(r, 100));
      expectError(await reg.request('GET', '/v2/cut/manifest/manifests/v1'), 404, 'MANIFEST_UNKNOWN');
      await reg.pushManifest('cut/manifest', 'v1', image.body, MT.ociManifest);
      expect((await reg.request('GET', '/v2/cut/manifest/manifests/v1')).status).toBe(200);
    });
  });

  describe('concurrency', () => {
    it('concurrent pushes of one blob (chunked and monolithic, one and several repositories) all succeed; one data file', async () => {
      for (let round = 0; round < 3; round++) {
        const content = randomBytes(256 * KiB);
        const digest = sha256(content);
        const chunked = async (name: string) => {
          const location = await reg.startUpload(name);
          const half = content.length / 2;
          expect((await reg.request('PATCH', location, { body: content.subarray(0, half), headers: { 'content-range': `0-${half - 1}` } })).status).toBe(202);
          return reg.request('PUT', `${location}?digest=${digest}`, { body: content.subarray(half) });
        };
        const mono = (name: string) => reg.request('POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, { body: content });
        const results = await Promise.all([chunked('race/a'), chunked('race/a'), mono('race/a'), mono('race/b'), chunked('race/c'), mono('race/c')]);
        expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
        for (const r of results) expect(r.header('docker-content-digest')).toBe(digest);
        for (const name of ['race/a', 'race/b', 'race/c']) {
          expect((await reg.request('GET', `/v2/${name}/blobs/${digest}`)).body.equals(content)).toBe(true);
        }
        expect(await blobFiles(digest)).toEqual([path.join('sha256', digest.slice(7, 9), digest.slice(7), 'data')]);
        const [row] = await berth.running.dataSource.query('SELECT count(*)::int AS n FROM blob WHERE digest = $1', [digest]);
        expect(row.n).toBe(1);
      }
      await eventually(async () => expect(await listFiles(path.join(berth.storageDir, 'uploads'))).toEqual([]));
    });

    it('two PATCHes racing for the same offset: one is taken, the other is 416', async () => {
      const content = randomBytes(64 * KiB);
      const location = await reg.startUpload('race/patch');
      const [a, b] = await Promise.all([
        reg.request('PATCH', location, { body: content, headers: { 'content-range': `0-${content.length - 1}` } }),
        reg.request('PATCH', location, { body: content, headers: { 'content-range': `0-${content.length - 1}` } }),
      ]);
      expect([a.status, b.status].sort()).toEqual([202, 416]);
      const refused = a.status === 416 ? a : b;
      expectError(refused, 416, 'BLOB_UPLOAD_INVALID');
      expect(refused.header('range')).toBe(`0-${content.length - 1}`);
      expect((await reg.request('PUT', `${location}?digest=${sha256(content)}`)).status).toBe(201);
    });

    it('concurrent manifest pushes to one tag leave the tag on one of them', async () => {
      const images = await Promise.all([0, 1, 2].map(() => reg.pushImage('race/tag', {})));
      const results = await Promise.all(
        images.map((image) => reg.request('PUT', '/v2/race/tag/manifests/latest', { body: image.body, headers: { 'content-type': MT.ociManifest } })),
      );
      expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
      const res = await reg.request('GET', '/v2/race/tag/manifests/latest');
      expect(images.map((i) => i.digest)).toContain(res.header('docker-content-digest'));
      expect((await reg.request('GET', '/v2/race/tag/tags/list')).json().tags).toEqual(['latest']);
    });
  });

  describe('restarts', () => {
    it('a chunked upload survives a restart between chunks', async () => {
      const content = randomBytes(3000);
      const digest = sha256(content);
      const location = await reg.startUpload('restart/app');
      const cancelled = await reg.startUpload('restart/app');
      expect((await reg.request('PATCH', location, { body: content.subarray(0, 1000), headers: { 'content-range': '0-999' } })).status).toBe(202);
      await berth.restart();
      const status = await reg.request('GET', location);
      expect(status.status).toBe(204);
      expect(status.header('range')).toBe('0-999');
      expect((await reg.request('PATCH', location, { body: content.subarray(1000, 2000), headers: { 'content-range': '1000-1999' } })).status).toBe(202);
      const put = await reg.request('PUT', `${location}?digest=${digest}`, { body: content.subarray(2000) });
      expect(put.status).toBe(201);
      expect(put.header('docker-content-digest')).toBe(digest);
      expect((await reg.request('GET', `/v2/restart/app/blobs/${digest}`)).body.equals(content)).toBe(true);
      expect((await reg.request('DELETE', cancelled)).status).toBe(204);
    });

    it('a restart mid-upload still catches a wrong digest', async () => {
      const location = await reg.startUpload('restart/wrong');
      await reg.request('PATCH', location, { body: 'hello ', headers: { 'content-range': '0-5' } });
      await berth.restart();
      await reg.request('PATCH', location, { body: 'world', headers: { 'content-range': '6-10' } });
      expectError(await reg.request('PUT', `${location}?digest=${sha256('hello there')}`), 400, 'DIGEST_INVALID');
      expect((await reg.request('POST', `/v2/restart/wrong/blobs/uploads/?digest=${sha256('hello world')}`, { body: 'hello world' })).status).toBe(201);
    });
  });

  describe('storage that lost a blob', () => {
    it('GET of a recorded blob whose file is gone is 404 BLOB_UNKNOWN, without the headers of a success', async () => {
      const content = randomBytes(100);
      const blob = await reg.pushBlob('lost/app', content);
      await fs.rm(path.join(berth.storageDir, 'blobs', 'sha256', blob.digest.slice(7, 9), blob.digest.slice(7), 'data'));
      for (const headers of [{}, { range: 'bytes=0-9' }]) {
        const res = await reg.request('GET', `/v2/lost/app/blobs/${blob.digest}`, { headers });
        expectError(res, 404, 'BLOB_UNKNOWN');
        expect(res.header('docker-content-digest')).toBeUndefined();
        expect(res.header('content-range')).toBeUndefined();
        expect(res.header('cache-control') ?? '').not.toMatch(/max-age=[1-9]/);
      }
      // Pushing the bytes again repairs it.
      await reg.pushBlob('lost/app', content);
      expect((await reg.request('GET', `/v2/lost/app/blobs/${blob.digest}`)).body.equals(content)).toBe(true);
    });
  });

  describe('size', () => {
    it('a few-MiB blob streams in by chunks and out by ranges intact', async () => {
      const content = randomBytes(6 * MiB);
      const digest = sha256(content);
      const location = await reg.startUpload('big/app');
      for (let start = 0; start < content.length; start += 2 * MiB) {
        const end = Math.min(content.length, start + 2 * MiB) - 1;
        expect((await reg.request('PATCH', location, { body: content.subarray(start, end + 1), headers: { 'content-range': `${start}-${end}` } })).status).toBe(202);
      }
      expect((await reg.request('PUT', `${location}?digest=${digest}`)).status).toBe(201);
      const whole = await reg.request('GET', `/v2/big/app/blobs/${digest}`);
      expect(whole.header('content-length')).toBe(String(content.length));
      expect(sha256(whole.body)).toBe(digest);
      const middle = await reg.request('GET', `/v2/big/app/blobs/${digest}`, { headers: { range: `bytes=${3 * MiB - 10}-${3 * MiB + 9}` } });
      expect(middle.status).toBe(206);
      expect(middle.body.equals(content.subarray(3 * MiB - 10, 3 * MiB + 10))).toBe(true);
    });
  });
});

describe('upload size limit (BERTH_UPLOAD_MAX_BYTES)', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_UPLOAD_MAX_BYTES: '1000' });
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, ['limit/app']);
  });
  afterAll(async () => {
    await berth.close();
  });

  it('a monolithic push over the limit is 413 SIZE_INVALID and stores nothing', async () => {
    const content = randomBytes(1001);
    expectError(await reg.request('POST', `/v2/limit/app/blobs/uploads/?digest=${sha256(content)}`, { body: content }), 413, 'SIZE_INVALID');
    expectError(await reg.request('GET', `/v2/limit/app/blobs/${sha256(content)}`), 404, 'BLOB_UNKNOWN');
    await reg.pushBlob('limit/app', randomBytes(1000));
  });

  it('a chunk that would pass the limit is 413 SIZE_INVALID; the upload keeps what it had', async () => {
    const location = await reg.startUpload('limit/app');
    expect((await reg.request('PATCH', location, { body: randomBytes(600), headers: { 'content-range': '0-599' } })).status).toBe(202);
    expectError(await reg.request('PATCH', location, { body: randomBytes(600), headers: { 'content-range': '600-1199' } }), 413, 'SIZE_INVALID');
    expect((await reg.request('GET', location)).header('range')).toBe('0-599');
  });

  it('a streamed body within the limit is accepted; a streamed monolithic push over it is 413 and leaves nothing', async () => {
    const small = randomBytes(500);
    const location = await reg.startUpload('limit/stream');
    const patch = await reg.request('PATCH', location, { body: small, headers: { 'transfer-encoding': 'chunked' } });
    expect(patch.status).toBe(202);
    expect(patch.header('range')).toBe('0-499');
    expect((await reg.request('PUT', `${location}?digest=${sha256(small)}`)).status).toBe(201);
    const big = randomBytes(4000);
    const mono = await reg.request('POST', `/v2/limit/stream/blobs/uploads/?digest=${sha256(big)}`, { body: big, headers: { 'transfer-encoding': 'chunked' } });
    expectError(mono, 413, 'SIZE_INVALID');
    expectError(await reg.request('GET', `/v2/limit/stream/blobs/${sha256(big)}`), 404, 'BLOB_UNKNOWN');
    const [row] = await berth.running.dataSource.query('SELECT count(*)::int AS n FROM upload WHERE repository_name = $1', ['limit/stream']);
    expect(row.n).toBe(0);
  });

  it('a streamed body (no Content-Length) over the limit is refused too', async () => {
    const content = randomBytes(5000);
    const location = await reg.startUpload('limit/app');
    expectError(await reg.request('PATCH', location, { body: content, headers: { 'transfer-encoding': 'chunked' } }), 413, 'SIZE_INVALID');
    const status = await reg.request('GET', location);
    expect(Number(status.header('range')!.split('-')[1]) + 1).toBeLessThanOrEqual(1000);
    expectError(await reg.request('PUT', `${location}?digest=${sha256(content)}`), 400, 'DIGEST_INVALID');
  });
});

describe('server faults', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth();
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, ['fault/app']);
  });
  afterAll(async () => {
    await berth.close();
  });

  it('an unexpected failure is 500 UNKNOWN with a generic message and the request id, never the cause', async () => {
    await reg.pushImage('fault/app', { tag: 'v1' });
    const db = berth.running.dataSource;
    await db.query('ALTER TABLE tag RENAME TO tag_broken');
    try {
      const res = await reg.request('GET', '/v2/fault/app/tags/list', { headers: { 'x-request-id': 'req-fault-1' } });
      const err = expectError(res, 500, 'UNKNOWN');
      expect(err.message).toBe('internal server error');
      expect(err.detail).toEqual({ requestId: 'req-fault-1' });
      expect(res.header('x-request-id')).toBe('req-fault-1');
      expect(res.body.toString()).not.toMatch(/relation|tag_broken|SELECT|postgres/i);
      const generated = await reg.request('GET', '/v2/fault/app/manifests/v1');
      expect(expectError(generated, 500, 'UNKNOWN').detail).toEqual({ requestId: generated.header('x-request-id') });
    } finally {
      await db.query('ALTER TABLE tag_broken RENAME TO tag');
    }
    expect((await reg.request('GET', '/v2/fault/app/tags/list')).json().tags).toEqual(['v1']);
  });
});
