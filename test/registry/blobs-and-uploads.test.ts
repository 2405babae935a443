import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { createProjectsFor } from '../support/access';
import { blobFiles as blobFilesIn, expectError, listFiles, RegistryClient, sha256 } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

const EMPTY_DIGEST = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const UNKNOWN_UUID = '0b7e9a8c-3f1d-4c2a-9e55-1d2f3a4b5c6d';
const UPLOAD_LOCATION = /^\/v2\/([a-z0-9/._-]+)\/blobs\/uploads\/([0-9a-f-]{36})$/;

const INVALID_DIGESTS = [
  'notadigest',
  'sha256:abc',
  `sha256:${'A'.repeat(64)}`,
  `sha256:${'g'.repeat(64)}`,
  `md5:${'0'.repeat(32)}`,
  `sha512:${'0'.repeat(64)}`,
  `sha256:${'0'.repeat(65)}`,
];

describe('blobs and uploads', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth();
    // Admin's basic credentials (the client's default), into projects that exist: access is test/registry/auth.test.ts's subject.
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, ['read/me', 'no/such/repo', 'del/blob', 'iso/a', 'up/start']);
  });
  afterAll(async () => {
    await berth.close();
  });

  /** Data files under storageDir/blobs for a digest (0 or 1). */
  const blobFiles = (digest: string) => blobFilesIn(berth.storageDir, digest);

  async function uploadFiles(): Promise<string[]> {
    return listFiles(path.join(berth.storageDir, 'uploads'));
  }

  describe('reading blobs', () => {
    const content = randomBytes(1000);
    const digest = sha256(content);
    beforeAll(async () => {
      await reg.pushBlob('read/me', content);
    });

    it('HEAD answers the size and digest without a body', async () => {
      const res = await reg.request('HEAD', `/v2/read/me/blobs/${digest}`);
      expect(res.status).toBe(200);
      expect(res.header('content-length')).toBe('1000');
      expect(res.header('docker-content-digest')).toBe(digest);
      expect(res.header('accept-ranges')).toBe('bytes');
      expect(res.body.length).toBe(0);
    });

    it('GET answers the bytes with length, digest and an octet-stream type', async () => {
      const res = await reg.request('GET', `/v2/read/me/blobs/${digest}`);
      expect(res.status).toBe(200);
      expect(res.header('content-length')).toBe('1000');
      expect(res.header('docker-content-digest')).toBe(digest);
      expect(res.header('content-type')).toBe('application/octet-stream');
      expect(res.body.equals(content)).toBe(true);
    });

    it.each([
      ['bytes=0-9', 0, 9],
      ['bytes=990-', 990, 999],
      ['bytes=-5', 995, 999],
      ['bytes=995-5000', 995, 999],
      ['bytes=999-999', 999, 999],
    ])('Range %s answers 206 with Content-Range', async (range, start, end) => {
      const res = await reg.request('GET', `/v2/read/me/blobs/${digest}`, { headers: { range } });
      expect(res.status).toBe(206);
      expect(res.header('content-range')).toBe(`bytes ${start}-${end}/1000`);
      expect(res.header('content-length')).toBe(String(end - start + 1));
      expect(res.header('docker-content-digest')).toBe(digest);
      expect(res.body.equals(content.subarray(start, end + 1))).toBe(true);
    });

    it('HEAD with a Range answers 206 headers without a body', async () => {
      const res = await reg.request('HEAD', `/v2/read/me/blobs/${digest}`, { headers: { range: 'bytes=10-19' } });
      expect(res.status).toBe(206);
      expect(res.header('content-range')).toBe('bytes 10-19/1000');
      expect(res.header('content-length')).toBe('10');
      expect(res.body.length).toBe(0);
    });

    it.each(['bytes=1000-', 'bytes=5000-6000', 'bytes=9-3', 'bytes=-0'])('an unsatisfiable Range %s is 416 with Content-Range */size', async (range) => {
      const res = await reg.request('GET', `/v2/read/me/blobs/${digest}`, { headers: { range } });
      expectError(res, 416, 'BLOB_UNKNOWN');
      expect(res.header('content-range')).toBe('bytes */1000');
    });

    it('ignores a Range it cannot parse and sends the whole blob', async () => {
      const res = await reg.request('GET', `/v2/read/me/blobs/${digest}`, { headers: { range: 'bytes=0-1,x-6' } });
      expect(res.status).toBe(200);
      expect(res.body.equals(content)).toBe(true);
    });

    /** The parts of a multipart/byteranges body: each part's headers and bytes. */
    function byteranges(res: { header(name: string): string | undefined; body: Buffer }): { headers: Record<string, string>; body: Buffer }[] {
      const boundary = /^multipart\/byteranges; boundary=([0-9A-Za-z'()+_,./:=?-]+)$/.exec(res.header('content-type') ?? '')?.[1];
      expect(boundary).toBeDefined();
      // The body opens with the first delimiter; a CRLF before it makes every delimiter look alike.
      const text = `\r\n${res.body.toString('latin1')}`;
      expect(text.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
      const parts = text.slice(0, -`\r\n--${boundary}--\r\n`.length).split(`\r\n--${boundary}\r\n`);
      expect(parts.shift()).toBe('');
      return parts.map((part) => {
        const split = part.indexOf('\r\n\r\n');
        const headers = Object.fromEntries(part.slice(0, split).split('\r\n').map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        return { headers, body: Buffer.from(part.slice(split + 4), 'latin1') };
      });
    }

    it('several ranges answer 206 multipart/byteranges, one part per range in the order asked (as distribution does)', async () => {
      const res = await reg.request('GET', `/v2/read/me/blobs/${digest}`, { headers: { range: 'bytes=0-9, 500-509,-5' } });
      expect(res.status).toBe(206);
      expect(res.header('content-range')).toBeUndefined();
      expect(res.header('content-length')).toBe(String(res.body.length));
      expect(res.header('docker-content-digest')).toBe(digest);
      expect(byteranges(res)).toEqual([
        { headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 0-9/1000' }, body: content.subarray(0, 10) },
        { headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 500-509/1000' }, body: content.subarray(500, 510) },
        { headers: { 'content-type': 'application/octet-stream', 'content-range': 'bytes 995-999/1000' }, body: content.subarray(995) },
      ]);
      // A range past the end is left out; HEAD announces the same length without a body.
      const partial = await reg.request('GET', `/v2/read/me/blobs/${digest}`, { headers: { range: 'bytes=0-1,2000-,998-' } });
      expect(byteranges(partial).map((p) => p.headers['content-range'])).toEqual(['bytes 0-1/1000', 'bytes 998-999/1000']);
      const head = await reg.request('HEAD', `/v2/read/me/blobs/${digest}`, { headers: { range: 'bytes=0-9, 500-509,-5' } });
      expect(head.status).toBe(206);
      expect(head.header('content-length')).toBe(res.header('content-length'));
      expect(head.body.length).toBe(0);
    });

    it('ranges adding up to more than the blob answer the whole blob; no satisfiable range is 416', async () => {
      const whole = await reg.request('GET', `/v2/read/me/blobs/${digest}`, { headers: { range: 'bytes=0-999,0-999' } });
      expect(whole.status).toBe(200);
      expect(whole.body.equals(content)).toBe(true);
      const none = await reg.request('GET', `/v2/read/me/blobs/${digest}`, { headers: { range: 'bytes=1000-,2000-3000' } });
      expectError(none, 416, 'BLOB_UNKNOWN');
      expect(none.header('content-range')).toBe('bytes */1000');
    });

    it('If-None-Match with the digest ETag answers 304 without a body, for GET and HEAD, strong or weak, alone or in a list', async () => {
      for (const method of ['GET', 'HEAD']) {
        for (const tag of [`"${digest}"`, `W/"${digest}"`, `"other", "${digest}"`, '*']) {
          const res = await reg.request(method, `/v2/read/me/blobs/${digest}`, { headers: { 'if-none-match': tag, range: 'bytes=0-9' } });
          expect([method, tag, res.status]).toEqual([method, tag, 304]);
          expect(res.header('etag')).toBe(`"${digest}"`);
          expect(res.header('docker-content-digest')).toBe(digest);
          expect(res.body.length).toBe(0);
        }
      }
      const other = await reg.request('GET', `/v2/read/me/blobs/${digest}`, { headers: { 'if-none-match': `"${sha256('other')}"` } });
      expect(other.status).toBe(200);
      expect(other.body.equals(content)).toBe(true);
      // Only a blob the repository has is "not modified": an unknown one is still 404.
      expectError(await reg.request('GET', `/v2/read/me/blobs/${sha256('never')}`, { headers: { 'if-none-match': '*' } }), 404, 'BLOB_UNKNOWN');
    });

    it('an unknown digest is 404 BLOB_UNKNOWN (HEAD has no body)', async () => {
      const unknown = sha256('never pushed');
      const err = expectError(await reg.request('GET', `/v2/read/me/blobs/${unknown}`), 404, 'BLOB_UNKNOWN');
      expect(err.detail).toEqual({ digest: unknown });
      const head = await reg.request('HEAD', `/v2/read/me/blobs/${unknown}`);
      expect(head.status).toBe(404);
      expect(head.body.length).toBe(0);
      expectError(await reg.request('GET', `/v2/no/such/repo/blobs/${unknown}`), 404, 'BLOB_UNKNOWN');
    });

    it.each(INVALID_DIGESTS)('a malformed digest %s on GET/HEAD/DELETE is 400 DIGEST_INVALID', async (bad) => {
      expectError(await reg.request('GET', `/v2/read/me/blobs/${bad}`), 400, 'DIGEST_INVALID');
      expectError(await reg.request('DELETE', `/v2/read/me/blobs/${bad}`), 400, 'DIGEST_INVALID');
      expect((await reg.request('HEAD', `/v2/read/me/blobs/${bad}`)).status).toBe(400);
    });
  });

  describe('deleting blobs', () => {
    it('DELETE answers 202, then the blob is 404 BLOB_UNKNOWN; pushing again brings it back', async () => {
      const content = randomBytes(100);
      const blob = await reg.pushBlob('del/blob', content);
      const res = await reg.request('DELETE', `/v2/del/blob/blobs/${blob.digest}`);
      expect(res.status).toBe(202);
      expectError(await reg.request('GET', `/v2/del/blob/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
      expect((await reg.request('HEAD', `/v2/del/blob/blobs/${blob.digest}`)).status).toBe(404);
      expectError(await reg.request('DELETE', `/v2/del/blob/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
      // The bytes stay for garbage collection, but a push must still send them: claiming the digest is not enough.
      expectError(await reg.request('POST', `/v2/del/blob/blobs/uploads/?digest=${blob.digest}`), 400, 'DIGEST_INVALID');
      await reg.pushBlob('del/blob', content);
      expect((await reg.request('GET', `/v2/del/blob/blobs/${blob.digest}`)).body.equals(content)).toBe(true);
    });

    it('deleting in one repository leaves the other repositories that link the blob alone', async () => {
      const content = randomBytes(100);
      const blob = await reg.pushBlob('del/one', content);
      await reg.pushBlob('del/two', content);
      expect((await reg.request('DELETE', `/v2/del/one/blobs/${blob.digest}`)).status).toBe(202);
      expectError(await reg.request('GET', `/v2/del/one/blobs/${blob.digest}`), 404, 'BLOB_UNKNOWN');
      const other = await reg.request('GET', `/v2/del/two/blobs/${blob.digest}`);
      expect(other.status).toBe(200);
      expect(other.body.equals(content)).toBe(true);
      await reg.pushBlob('del/one', content);
      expect((await reg.request('GET', `/v2/del/one/blobs/${blob.digest}`)).body.equals(content)).toBe(true);
    });
  });

  describe('repository isolation and mounting', () => {
    const secret = randomBytes(200);
    const digest = sha256(secret);
    beforeAll(async () => {
      await reg.pushBlob('iso/a', secret);
      await reg.pushBlob('iso/b', randomBytes(10));
    });

    it('a blob pushed to A is not readable from B by its digest', async () => {
      expectError(await reg.request('GET', `/v2/iso/b/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      expect((await reg.request('HEAD', `/v2/iso/b/blobs/${digest}`)).status).toBe(404);
      expectError(await reg.request('GET', `/v2/iso/b/blobs/${digest}`, { headers: { range: 'bytes=0-9' } }), 404, 'BLOB_UNKNOWN');
      expectError(await reg.request('DELETE', `/v2/iso/b/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      expectError(await reg.request('GET', `/v2/iso/never/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
      expect((await reg.request('GET', `/v2/iso/a/blobs/${digest}`)).status).toBe(200);
    });

    it('POST ?mount=&from= answers 201 when the source can read the blob, and B can read it from then on', async () => {
      const res = await reg.request('POST', `/v2/iso/b/blobs/uploads/?mount=${digest}&from=iso/a`);
      expect(res.status).toBe(201);
      expect(res.header('location')).toBe(`/v2/iso/b/blobs/${digest}`);
      expect(res.header('docker-content-digest')).toBe(digest);
      const read = await reg.request('GET', `/v2/iso/b/blobs/${digest}`);
      expect(read.status).toBe(200);
      expect(read.body.equals(secret)).toBe(true);
    });

    it('mounting into a repository that does not exist yet creates it', async () => {
      const res = await reg.request('POST', `/v2/iso/fresh/blobs/uploads/?mount=${digest}&from=iso/a`);
      expect(res.status).toBe(201);
      expect((await reg.request('GET', `/v2/iso/fresh/blobs/${digest}`)).body.equals(secret)).toBe(true);
    });

    it.each([
      ['the source does not have the blob', `mount=${sha256('nobody has this')}&from=iso/a`],
      ['the source repository does not exist', `mount=${digest}&from=iso/nowhere`],
      ['from is an invalid name', `mount=${digest}&from=Iso/A`],
      ['from is a path trick', `mount=${digest}&from=iso/a/../a`],
      ['from is empty', `mount=${digest}&from=`],
      ['from is missing', `mount=${digest}`],
    ])('falls back to a plain 202 upload when %s', async (_why, query) => {
      const res = await reg.request('POST', `/v2/iso/c/blobs/uploads/?${query}`);
      expect(res.status).toBe(202);
      expect(res.header('location')).toMatch(UPLOAD_LOCATION);
      expect(res.header('range')).toBe('0-0');
      expect(res.header('docker-upload-uuid')).toBe(res.header('location')!.split('/').pop());
      // The fallback session is a normal one: finish it.
      const put = await reg.request('PUT', `${res.header('location')}?digest=${sha256('x')}`, { body: 'x' });
      expect(put.status).toBe(201);
      expectError(await reg.request('GET', `/v2/iso/c/blobs/${digest}`), 404, 'BLOB_UNKNOWN');
    });

    it.each(INVALID_DIGESTS)('an invalid mount digest %s is 400 DIGEST_INVALID', async (bad) => {
      expectError(await reg.request('POST', `/v2/iso/c/blobs/uploads/?mount=${bad}&from=iso/a`), 400, 'DIGEST_INVALID');
    });
  });

  describe('upload sessions', () => {
    it('POST opens a session: 202, Location, Range 0-0, Docker-Upload-UUID', async () => {
      const res = await reg.request('POST', '/v2/up/start/blobs/uploads/');
      expect(res.status).toBe(202);
      const match = UPLOAD_LOCATION.exec(res.header('location') ?? '');
      expect(match?.[1]).toBe('up/start');
      expect(res.header('docker-upload-uuid')).toBe(match?.[2]);
      expect(res.header('range')).toBe('0-0');
      expect(res.header('content-length')).toBe('0');
      const status = await reg.request('GET', res.header('location')!);
      expect(status.status).toBe(204);
      expect(status.header('range')).toBe('0-0');
    });

    it('POST ?digest= pushes a blob in one request: 201 with Location and digest', async () => {
      const content = randomBytes(300);
      const digest = sha256(content);
      const res = await reg.request('POST', `/v2/up/mono/blobs/uploads/?digest=${digest}`, { body: content });
      expect(res.status).toBe(201);
      expect(res.header('location')).toBe(`/v2/up/mono/blobs/${digest}`);
      expect(res.header('docker-content-digest')).toBe(digest);
      expect((await reg.request('GET', res.header('location')!)).body.equals(content)).toBe(true);
      expect(await uploadFiles()).toEqual([]);
    });

    it('accepts a sha512 digest', async () => {
      const content = randomBytes(50);
      const digest = `sha512:${createHash('sha512').update(content).digest('hex')}`;
      const res = await reg.request('POST', `/v2/up/sha512/blobs/uploads/?digest=${digest}`, { body: content });
      expect(res.status).toBe(201);
      expect(res.header('docker-content-digest')).toBe(digest);
      const read = await reg.request('GET', `/v2/up/sha512/blobs/${digest}`);
      expect(read.header('docker-content-digest')).toBe(digest);
      expect(read.body.equals(content)).toBe(true);
    });

    it('chunked: PATCH with Content-Range twice, GET status, then PUT ?digest= without a body', async () => {
      const content = randomBytes(3000);
      const digest = sha256(content);
      const location = await reg.startUpload('up/chunked');
      const first = await reg.request('PATCH', location, {
        body: content.subarray(0, 1000),
        headers: { 'content-range': '0-999', 'content-type': 'application/octet-stream' },
      });
      expect(first.status).toBe(202);
      expect(first.header('range')).toBe('0-999');
      expect(first.header('location')).toBe(location);
      expect(first.header('docker-upload-uuid')).toBe(location.split('/').pop());
      const second = await reg.request('PATCH', location, { body: content.subarray(1000), headers: { 'content-range': '1000-2999' } });
      expect(second.status).toBe(202);
      expect(second.header('range')).toBe('0-2999');
      const status = await reg.request('GET', location);
      expect(status.status).toBe(204);
      expect(status.header('range')).toBe('0-2999');
      expect(status.header('location')).toBe(location);
      expect(status.header('docker-upload-uuid')).toBe(location.split('/').pop());
      expect((await reg.request('HEAD', location)).status).toBe(204);
      const put = await reg.request('PUT', `${location}?digest=${digest}`);
      expect(put.status).toBe(201);
      expect(put.header('location')).toBe(`/v2/up/chunked/blobs/${digest}`);
      expect(put.header('docker-content-digest')).toBe(digest);
      expect((await reg.request('GET', `/v2/up/chunked/blobs/${digest}`)).body.equals(content)).toBe(true);
      expectError(await reg.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expect(await blobFiles(digest)).toHaveLength(1);
    });

    it('streamed: PATCH without Content-Range (chunked transfer encoding)', async () => {
      const content = randomBytes(2048);
      const location = await reg.startUpload('up/streamed');
      const patch = await reg.request('PATCH', location, { body: content, headers: { 'transfer-encoding': 'chunked' } });
      expect(patch.status).toBe(202);
      expect(patch.header('range')).toBe('0-2047');
      expect((await reg.request('PUT', `${location}?digest=${sha256(content)}`)).status).toBe(201);
    });

    it('PUT can carry the final chunk', async () => {
      const content = randomBytes(500);
      const digest = sha256(content);
      const location = await reg.startUpload('up/final');
      expect((await reg.request('PATCH', location, { body: content.subarray(0, 200), headers: { 'content-range': '0-199' } })).status).toBe(202);
      const put = await reg.request('PUT', `${location}?digest=${digest}`, { body: content.subarray(200), headers: { 'content-range': '200-499' } });
      expect(put.status).toBe(201);
      expect((await reg.request('GET', `/v2/up/final/blobs/${digest}`)).body.equals(content)).toBe(true);
    });

    it('PUT can carry the whole blob (POST then PUT)', async () => {
      const content = randomBytes(256);
      const location = await reg.startUpload('up/whole');
      expect((await reg.request('PUT', `${location}?digest=${sha256(content)}`, { body: content })).status).toBe(201);
    });

    it('a zero-byte blob: monolithic, chunked, and ranged reads', async () => {
      const mono = await reg.request('POST', `/v2/up/empty/blobs/uploads/?digest=${EMPTY_DIGEST}`);
      expect(mono.status).toBe(201);
      const location = await reg.startUpload('up/empty2');
      expect((await reg.request('PUT', `${location}?digest=${EMPTY_DIGEST}`)).status).toBe(201);
      for (const name of ['up/empty', 'up/empty2']) {
        const head = await reg.request('HEAD', `/v2/${name}/blobs/${EMPTY_DIGEST}`);
        expect(head.status).toBe(200);
        expect(head.header('content-length')).toBe('0');
        expect(head.header('docker-content-digest')).toBe(EMPTY_DIGEST);
        const get = await reg.request('GET', `/v2/${name}/blobs/${EMPTY_DIGEST}`);
        expect(get.status).toBe(200);
        expect(get.body.length).toBe(0);
      }
      expectError(await reg.request('GET', `/v2/up/empty/blobs/${EMPTY_DIGEST}`, { headers: { range: 'bytes=0-' } }), 416, 'BLOB_UNKNOWN');
      expect(await blobFiles(EMPTY_DIGEST)).toHaveLength(1);
    });

    it('DELETE cancels: 204, then every method on the session is 404 BLOB_UPLOAD_UNKNOWN and its data is gone', async () => {
      const location = await reg.startUpload('up/cancel');
      await reg.request('PATCH', location, { body: randomBytes(100), headers: { 'content-range': '0-99' } });
      const del = await reg.request('DELETE', location);
      expect(del.status).toBe(204);
      expectError(await reg.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await reg.request('PATCH', location, { body: 'x', headers: { 'content-range': '100-100' } }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await reg.request('PUT', `${location}?digest=${sha256('x')}`), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await reg.request('DELETE', location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expect((await uploadFiles()).filter((f) => f.startsWith(location.split('/').pop()!))).toEqual([]);
    });

    it('an out-of-order chunk is 416 with Range and Location, and the upload stays usable', async () => {
      const content = randomBytes(30);
      const location = await reg.startUpload('up/order');
      expect((await reg.request('PATCH', location, { body: content.subarray(0, 10), headers: { 'content-range': '0-9' } })).status).toBe(202);
      for (const [range, body] of [
        ['20-29', content.subarray(20, 30)],
        ['5-14', content.subarray(5, 15)],
        ['0-9', content.subarray(0, 10)],
        ['11-20', content.subarray(11, 21)],
      ] as const) {
        const res = await reg.request('PATCH', location, { body, headers: { 'content-range': range } });
        expectError(res, 416, 'BLOB_UPLOAD_INVALID');
        expect(res.header('range')).toBe('0-9');
        expect(res.header('location')).toBe(location);
      }
      expect((await reg.request('GET', location)).header('range')).toBe('0-9');
      expect((await reg.request('PATCH', location, { body: content.subarray(10), headers: { 'content-range': '10-29' } })).status).toBe(202);
      const put = await reg.request('PUT', `${location}?digest=${sha256(content)}`);
      expect(put.status).toBe(201);
      expect((await reg.request('GET', `/v2/up/order/blobs/${sha256(content)}`)).body.equals(content)).toBe(true);
    });

    it.each(['abc', '10-5', '-5', 'bytes=x-y', '0-', '1-2-3'])('a malformed Content-Range %s is 400 BLOB_UPLOAD_INVALID', async (range) => {
      const location = await reg.startUpload('up/badrange');
      const res = await reg.request('PATCH', location, { body: 'hello', headers: { 'content-range': range } });
      expectError(res, 400, 'BLOB_UPLOAD_INVALID');
      expect((await reg.request('GET', location)).header('range')).toBe('0-0');
    });

    it('a Content-Range whose length disagrees with the body is 400 BLOB_UPLOAD_INVALID', async () => {
      const location = await reg.startUpload('up/lenmismatch');
      expectError(await reg.request('PATCH', location, { body: 'hello', headers: { 'content-range': '0-9' } }), 400, 'BLOB_UPLOAD_INVALID');
      expect((await reg.request('GET', location)).header('range')).toBe('0-0');
    });

    it('PUT without ?digest= is 400 DIGEST_INVALID and the session survives', async () => {
      const location = await reg.startUpload('up/nodigest');
      await reg.request('PATCH', location, { body: 'abc', headers: { 'content-range': '0-2' } });
      expectError(await reg.request('PUT', location), 400, 'DIGEST_INVALID');
      expectError(await reg.request('PUT', `${location}?digest=`), 400, 'DIGEST_INVALID');
      expect((await reg.request('GET', location)).header('range')).toBe('0-2');
      expect((await reg.request('PUT', `${location}?digest=${sha256('abc')}`)).status).toBe(201);
    });

    it.each(INVALID_DIGESTS)('an invalid digest %s on POST or PUT is 400 DIGEST_INVALID', async (bad) => {
      expectError(await reg.request('POST', `/v2/up/baddigest/blobs/uploads/?digest=${bad}`, { body: 'abc' }), 400, 'DIGEST_INVALID');
      const location = await reg.startUpload('up/baddigest');
      expectError(await reg.request('PUT', `${location}?digest=${bad}`, { body: 'abc' }), 400, 'DIGEST_INVALID');
    });

    it('a wrong digest at PUT is 400 DIGEST_INVALID, stores nothing and ends the session', async () => {
      const content = randomBytes(400);
      const claimed = sha256('something else');
      const location = await reg.startUpload('up/wrong');
      await reg.request('PATCH', location, { body: content.subarray(0, 100), headers: { 'content-range': '0-99' } });
      const res = await reg.request('PUT', `${location}?digest=${claimed}`, { body: content.subarray(100) });
      const err = expectError(res, 400, 'DIGEST_INVALID');
      expect(err.detail).toMatchObject({ expected: claimed, actual: sha256(content) });
      expectError(await reg.request('GET', `/v2/up/wrong/blobs/${claimed}`), 404, 'BLOB_UNKNOWN');
      expectError(await reg.request('GET', `/v2/up/wrong/blobs/${sha256(content)}`), 404, 'BLOB_UNKNOWN');
      expect(await blobFiles(claimed)).toEqual([]);
      expect(await blobFiles(sha256(content))).toEqual([]);
      expectError(await reg.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expect((await uploadFiles()).filter((f) => f.startsWith(location.split('/').pop()!))).toEqual([]);
    });

    it('a wrong digest on a monolithic POST is 400 DIGEST_INVALID and leaves no session or file', async () => {
      const content = randomBytes(400);
      const claimed = sha256('not this');
      const res = await reg.request('POST', `/v2/up/wrongmono/blobs/uploads/?digest=${claimed}`, { body: content });
      expectError(res, 400, 'DIGEST_INVALID');
      expect(await blobFiles(claimed)).toEqual([]);
      expect(await blobFiles(sha256(content))).toEqual([]);
      expect(await uploadFiles()).toEqual([]);
      expect(await berth.running.dataSource.query('SELECT count(*)::int AS n FROM upload WHERE repository_name = $1', ['up/wrongmono'])).toEqual([{ n: 0 }]);
    });

    it.each([
      ['a well-formed UUID nobody issued', UNKNOWN_UUID],
      ['an id that is not a UUID', 'abc-def'],
      ['a 64-character id', 'a'.repeat(64)],
      ['an id with forbidden characters', 'abc_def'],
      ['an over-long id', 'a'.repeat(65)],
    ])('%s is 404 BLOB_UPLOAD_UNKNOWN on every method', async (_what, id) => {
      const location = `/v2/up/unknown/blobs/uploads/${id}`;
      expectError(await reg.request('GET', location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await reg.request('PATCH', location, { body: 'x' }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await reg.request('PUT', `${location}?digest=${sha256('x')}`, { body: 'x' }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await reg.request('DELETE', location), 404, 'BLOB_UPLOAD_UNKNOWN');
      expect((await reg.request('HEAD', location)).status).toBe(404);
    });

    it('a session belongs to its repository: another name cannot see or finish it', async () => {
      const location = await reg.startUpload('up/owner');
      const id = location.split('/').pop();
      const foreign = `/v2/up/thief/blobs/uploads/${id}`;
      expectError(await reg.request('GET', foreign), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await reg.request('PATCH', foreign, { body: 'x' }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await reg.request('PUT', `${foreign}?digest=${sha256('x')}`, { body: 'x' }), 404, 'BLOB_UPLOAD_UNKNOWN');
      expectError(await reg.request('DELETE', foreign), 404, 'BLOB_UPLOAD_UNKNOWN');
      expect((await reg.request('GET', location)).status).toBe(204);
    });
  });
});
