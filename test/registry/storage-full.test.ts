import { randomBytes } from 'node:crypto';
import { mountSmallFilesystem, SmallFilesystem } from '../../libs/storage/src/testsuites/small-filesystem';
import { settled, stagingLeft, upload } from '../transfer/import-client';
import { createProjectsFor } from '../support/access';
import { expectError, HttpResponse, listFiles, RegistryClient, sha256, streamedPatch } from '../support/registry-client';
import { tarHeader } from '../support/tar';
import { startTestBerth, TestBerth } from '../support/test-berth';

const MiB = 1024 * 1024;

/**
 * Blob storage on a real 4 MiB filesystem (a tmpfs), filled by uploads larger than it: every kind of
 * upload answers 507 with the OCI envelope instead of taking the process down, keeps nothing of what it
 * wrote, and the next push fits again.
 */
describe('a full disk', () => {
  let disk: SmallFilesystem;
  let berth: TestBerth;
  let reg: RegistryClient;

  beforeAll(async () => {
    disk = await mountSmallFilesystem(4 * MiB);
    berth = await startTestBerth({ BERTH_STORAGE_DIR: `${disk.dir}/storage` });
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, ['full/app']);
  });
  afterAll(async () => {
    await berth?.close();
    await disk?.unmount();
  });

  async function expectNothingKept(): Promise<void> {
    expect(await listFiles(`${berth.storageDir}/uploads`).catch(() => [])).toEqual([]);
    const [row] = await berth.running.dataSource.query('SELECT count(*)::int AS n FROM upload');
    expect(row.n).toBe(0);
  }

  /** The server is alive and has its space back: a 1 MiB blob goes in and comes out. */
  async function expectPushWorks(): Promise<void> {
    const blob = randomBytes(MiB);
    const pushed = await reg.pushBlob('full/app', blob);
    const got = await reg.request('GET', `/v2/full/app/blobs/${pushed.digest}`);
    expect(got.status).toBe(200);
    expect(got.body.equals(blob)).toBe(true);
    expect((await reg.request('DELETE', `/v2/full/app/blobs/${pushed.digest}`)).status).toBe(202);
    // Unlinked blobs wait for GC; this test frees the space itself so each case starts with an empty disk.
    await berth.running.dataSource.query('DELETE FROM blob WHERE digest = $1', [pushed.digest]);
    const hex = pushed.digest.split(':')[1];
    const { rm } = await import('node:fs/promises');
    await rm(`${berth.storageDir}/blobs/sha256/${hex.slice(0, 2)}/${hex}`, { recursive: true, force: true });
  }

  function expectStorageFull(res: HttpResponse): void {
    const error = expectError(res, 507, 'UNAVAILABLE');
    expect(error.message).toMatch(/storage is full/);
  }

  it('refuses a monolithic upload larger than the disk with 507, twice in a row, and keeps nothing', async () => {
    const content = randomBytes(8 * MiB);
    for (let i = 0; i < 2; i++) {
      expectStorageFull(await reg.request('POST', `/v2/full/app/blobs/uploads/?digest=${sha256(content)}`, { body: content }));
      await expectNothingKept();
    }
    await expectPushWorks();
  });

  it('ends a chunked upload whose chunk does not fit: 507, the session and its earlier chunks are gone', async () => {
    const location = await reg.startUpload('full/app');
    expect((await reg.request('PATCH', location, { body: randomBytes(MiB), headers: { 'content-range': `0-${MiB - 1}` } })).status).toBe(202);
    expectStorageFull(await reg.request('PATCH', location, { body: randomBytes(8 * MiB), headers: { 'content-range': `${MiB}-${9 * MiB - 1}` } }));
    await expectNothingKept();
    expectError(await reg.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
    await expectPushWorks();
  });

  it('ends a streamed PATCH (chunked transfer encoding, no Content-Length) the same way', async () => {
    const location = await reg.startUpload('full/app');
    expectStorageFull(await streamedPatch(berth.url, location, reg.authorization!, 8, MiB));
    await expectNothingKept();
    await expectPushWorks();
  });

  it('answers a final PUT carrying a body that does not fit with 507 and drops the session', async () => {
    const location = await reg.startUpload('full/app');
    const content = randomBytes(6 * MiB);
    expectStorageFull(await reg.request('PUT', `${location}?digest=${sha256(content)}`, { body: content }));
    await expectNothingKept();
    await expectPushWorks();
  });

  it('fails an archive import whose layer does not fit, saying so, with no staging left', async () => {
    const layer = randomBytes(6 * MiB);
    const member = (name: string, content: Buffer) => [tarHeader(name, content.length), content, Buffer.alloc((512 - (content.length % 512)) % 512)];
    const archive = Buffer.concat([
      ...member('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')),
      ...member(`blobs/sha256/${sha256(layer).split(':')[1]}`, layer),
      Buffer.alloc(1024),
    ]);
    const res = await upload(berth, 'full', archive);
    expect(res.status).toBe(202);
    const job = await settled(berth, 'full', res.body.id);
    expect(job).toMatchObject({ status: 'failed', images: [] });
    expect(job.error).toMatch(/storage is full/);
    expect(await stagingLeft(berth)).toEqual([]);
    await expectPushWorks();
  });
});

