import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { createProjectsFor } from '../support/access';
import {
  dockerManifestList,
  expectError,
  HttpResponse,
  json,
  MT,
  ociImage,
  ociIndex,
  PushedManifest,
  RegistryClient,
  sha256,
} from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

const MiB = 1024 * 1024;

describe('manifests', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth();
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, ['kinds/x', 'subj/app', 'neg/app', 'bad/app', 'huge/app', 'del/tags', 'iso/one', 'move/app']);
  });
  afterAll(async () => {
    await berth.close();
  });

  function expectManifest(res: HttpResponse, pushed: PushedManifest, method: 'GET' | 'HEAD' = 'GET'): void {
    expect(res.status).toBe(200);
    expect(res.header('content-type')).toBe(pushed.mediaType);
    expect(res.header('docker-content-digest')).toBe(pushed.digest);
    expect(res.header('content-length')).toBe(String(pushed.size));
    if (method === 'GET') expect(res.body.equals(pushed.body)).toBe(true);
    else expect(res.body.length).toBe(0);
  }

  /** Pushes every kind of manifest the registry stores into `name`, under the tag `kind`. */
  async function pushKind(name: string, kind: string): Promise<PushedManifest> {
    switch (kind) {
      case 'oci-image':
        return reg.pushImage(name, { tag: kind });
      case 'docker-image':
        return reg.pushImage(name, { tag: kind, docker: true });
      case 'oci-index': {
        const amd = await reg.pushImage(name, { platform: { os: 'linux', architecture: 'amd64' } });
        const arm = await reg.pushImage(name, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
        return reg.pushManifest(name, kind, ociIndex([amd.descriptor, arm.descriptor]));
      }
      case 'docker-list': {
        const amd = await reg.pushImage(name, { docker: true, platform: { os: 'linux', architecture: 'amd64' } });
        const arm = await reg.pushImage(name, { docker: true, platform: { os: 'linux', architecture: 'arm64' } });
        return reg.pushManifest(name, kind, dockerManifestList([arm.descriptor, amd.descriptor]));
      }
      default:
        throw new Error(kind);
    }
  }

  describe.each(['oci-image', 'oci-index', 'docker-image', 'docker-list'])('%s', (kind) => {
    const name = `kinds/${kind}`;
    let pushed: PushedManifest;
    beforeAll(async () => {
      pushed = await pushKind(name, kind);
    });

    it('PUT answered 201 with Location and Docker-Content-Digest', async () => {
      const res = await reg.request('PUT', `/v2/${name}/manifests/${kind}`, { body: pushed.body, headers: { 'content-type': pushed.mediaType } });
      expect(res.status).toBe(201);
      expect(res.header('location')).toBe(`/v2/${name}/manifests/${pushed.digest}`);
      expect(res.header('docker-content-digest')).toBe(pushed.digest);
      expect(res.header('oci-subject')).toBeUndefined();
    });

    it('GET and HEAD by tag and by digest answer the exact bytes, type and digest', async () => {
      for (const ref of [kind, pushed.digest]) {
        expectManifest(await reg.request('GET', `/v2/${name}/manifests/${ref}`), pushed);
        expectManifest(await reg.request('HEAD', `/v2/${name}/manifests/${ref}`), pushed, 'HEAD');
        expectManifest(await reg.request('GET', `/v2/${name}/manifests/${ref}`, { headers: { accept: pushed.mediaType } }), pushed);
        expectManifest(
          await reg.request('GET', `/v2/${name}/manifests/${ref}`, { headers: { accept: `${MT.ociManifest}, ${MT.ociIndex}, ${MT.dockerManifest}, ${MT.dockerList}` } }),
          pushed,
        );
      }
    });

    it('the manifest can be read through the blob endpoint by digest', async () => {
      const res = await reg.request('GET', `/v2/${name}/blobs/${pushed.digest}`);
      expect(res.status).toBe(200);
      expect(res.header('docker-content-digest')).toBe(pushed.digest);
      expect(res.body.equals(pushed.body)).toBe(true);
    });

    it('DELETE by tag then by digest', async () => {
      await reg.pushManifest(name, 'doomed', pushed.body, pushed.mediaType);
      expect((await reg.request('DELETE', `/v2/${name}/manifests/doomed`)).status).toBe(202);
      expectError(await reg.request('GET', `/v2/${name}/manifests/doomed`), 404, 'MANIFEST_UNKNOWN');
      expect((await reg.request('DELETE', `/v2/${name}/manifests/${pushed.digest}`)).status).toBe(202);
      expectError(await reg.request('GET', `/v2/${name}/manifests/${pushed.digest}`), 404, 'MANIFEST_UNKNOWN');
      expectError(await reg.request('GET', `/v2/${name}/manifests/${kind}`), 404, 'MANIFEST_UNKNOWN');
      expect((await reg.request('HEAD', `/v2/${name}/manifests/${kind}`)).status).toBe(404);
    });
  });

  describe('subject', () => {
    it('a manifest with a subject answers OCI-Subject on PUT, whether or not the subject is stored', async () => {
      const image = await reg.pushImage('subj/app', { tag: 'v1' });
      const sig = await reg.pushArtifact('subj/app', image.descriptor, 'application/vnd.example.sig');
      const res = await reg.request('PUT', `/v2/subj/app/manifests/${sig.digest}`, { body: sig.body, headers: { 'content-type': MT.ociManifest } });
      expect(res.status).toBe(201);
      expect(res.header('oci-subject')).toBe(image.digest);
      const absent = { mediaType: MT.ociManifest, digest: sha256('not pushed yet'), size: 123 };
      const early = await reg.pushArtifact('subj/app', absent, 'application/vnd.example.sbom');
      const again = await reg.request('PUT', `/v2/subj/app/manifests/${early.digest}`, { body: early.body, headers: { 'content-type': MT.ociManifest } });
      expect(again.header('oci-subject')).toBe(absent.digest);
    });
  });

  describe('Accept negotiation', () => {
    let list: PushedManifest;
    let amd: PushedManifest;
    let index: PushedManifest;
    beforeAll(async () => {
      const arm = await reg.pushImage('neg/app', { docker: true, platform: { os: 'linux', architecture: 'arm64' } });
      amd = await reg.pushImage('neg/app', { docker: true, platform: { os: 'linux', architecture: 'amd64' } });
      list = await reg.pushManifest('neg/app', 'multi', dockerManifestList([arm.descriptor, amd.descriptor]));
      const child = await reg.pushImage('neg/app', {});
      index = await reg.pushManifest('neg/app', 'oci', ociIndex([child.descriptor]));
    });

    it('an OCI index asked for with an Accept that excludes it is 404 MANIFEST_UNKNOWN', async () => {
      for (const ref of ['oci', index.digest]) {
        const err = expectError(
          await reg.request('GET', `/v2/neg/app/manifests/${ref}`, { headers: { accept: `${MT.ociManifest}, ${MT.dockerManifest}` } }),
          404,
          'MANIFEST_UNKNOWN',
        );
        expect(err.message).toContain(MT.ociIndex);
        expect((await reg.request('HEAD', `/v2/neg/app/manifests/${ref}`, { headers: { accept: MT.ociManifest } })).status).toBe(404);
      }
      expectError(await reg.request('GET', '/v2/neg/app/manifests/oci', { headers: { accept: `${MT.ociIndex};q=0, */*` } }), 404, 'MANIFEST_UNKNOWN');
    });

    it('wildcards and q-values are honoured', async () => {
      expectManifest(await reg.request('GET', '/v2/neg/app/manifests/oci', { headers: { accept: '*/*' } }), index);
      expectManifest(await reg.request('GET', '/v2/neg/app/manifests/oci', { headers: { accept: 'application/*' } }), index);
      expectManifest(await reg.request('GET', '/v2/neg/app/manifests/oci', { headers: { accept: `${MT.ociManifest}, ${MT.ociIndex};q=0.5` } }), index);
    });

    it('a Docker manifest list asked for by tag with only schema2 accepted answers the linux/amd64 image', async () => {
      const res = await reg.request('GET', '/v2/neg/app/manifests/multi', { headers: { accept: MT.dockerManifest } });
      expectManifest(res, amd);
      const head = await reg.request('HEAD', '/v2/neg/app/manifests/multi', { headers: { accept: MT.dockerManifest } });
      expectManifest(head, amd, 'HEAD');
      // With the list type accepted, the list itself.
      expectManifest(await reg.request('GET', '/v2/neg/app/manifests/multi', { headers: { accept: `${MT.dockerManifest}, ${MT.dockerList}` } }), list);
    });

    it('the same list asked for by digest is not rewritten: 404 MANIFEST_UNKNOWN', async () => {
      expectError(await reg.request('GET', `/v2/neg/app/manifests/${list.digest}`, { headers: { accept: MT.dockerManifest } }), 404, 'MANIFEST_UNKNOWN');
    });

    it('a list without a linux/amd64 child is 404 MANIFEST_UNKNOWN for a schema2-only client', async () => {
      const arm = await reg.pushImage('neg/armonly', { docker: true, platform: { os: 'linux', architecture: 'arm64' } });
      await reg.pushManifest('neg/armonly', 'multi', dockerManifestList([arm.descriptor]));
      expectError(await reg.request('GET', '/v2/neg/armonly/manifests/multi', { headers: { accept: MT.dockerManifest } }), 404, 'MANIFEST_UNKNOWN');
    });
  });

  describe('invalid manifests', () => {
    let image: Awaited<ReturnType<RegistryClient['pushImage']>>;
    beforeAll(async () => {
      image = await reg.pushImage('bad/app', { tag: 'base' });
    });

    async function put(ref: string, body: Buffer | string, contentType?: string): Promise<HttpResponse> {
      return reg.request('PUT', `/v2/bad/app/manifests/${ref}`, { body, headers: { 'content-type': contentType } });
    }

    async function expectNotStored(tag: string): Promise<void> {
      expectError(await reg.request('GET', `/v2/bad/app/manifests/${tag}`), 404, 'MANIFEST_UNKNOWN');
    }

    it('a Docker schema 1 manifest is refused with MANIFEST_INVALID and says why', async () => {
      const schema1 = json({ schemaVersion: 1, name: 'bad/app', tag: 's1', architecture: 'amd64', fsLayers: [], history: [], signatures: [] });
      for (const contentType of [MT.schema1Signed, 'application/vnd.docker.distribution.manifest.v1+json', 'application/json', undefined]) {
        const err = expectError(await put('s1', schema1, contentType), 400, 'MANIFEST_INVALID');
        expect(err.message).toMatch(/schema 1/i);
      }
      await expectNotStored('s1');
    });

    it.each([
      ['malformed JSON', '{"schemaVersion": 2,'],
      ['a JSON array', '[]'],
      ['a JSON string', '"manifest"'],
      ['an empty body', ''],
      ['schemaVersion 3', JSON.stringify({ schemaVersion: 3, mediaType: MT.ociManifest, config: {}, layers: [] })],
      ['a config that is no descriptor', JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: 'x', layers: [] })],
      ['layers that are no array', JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: sha256('c'), size: 1 }, layers: {} })],
      ['an image that also has manifests', JSON.stringify({ schemaVersion: 2, mediaType: MT.ociManifest, config: { mediaType: MT.ociConfig, digest: sha256('c'), size: 1 }, layers: [], manifests: [] })],
      ['an unknown media type', JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example+json', layers: [] })],
    ])('%s is 400 MANIFEST_INVALID', async (_what, body) => {
      expectError(await put('broken', body, MT.ociManifest), 400, 'MANIFEST_INVALID');
      await expectNotStored('broken');
    });

    it('a Content-Type that contradicts mediaType is 400 MANIFEST_INVALID', async () => {
      const err = expectError(await put('mismatch', image.body, MT.dockerManifest), 400, 'MANIFEST_INVALID');
      expect(err.message).toContain(MT.dockerManifest);
      expectError(await put('mismatch', image.body, MT.ociIndex), 400, 'MANIFEST_INVALID');
      await expectNotStored('mismatch');
    });

    it('a missing layer or config is 400 MANIFEST_BLOB_UNKNOWN naming the digest', async () => {
      const missing = { mediaType: MT.ociLayer, digest: sha256(randomBytes(8)), size: 8 };
      const noLayer = json(ociImage({ config: image.config, layers: [...image.layers, missing] }));
      const err = expectError(await put('nolayer', noLayer, MT.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN');
      expect(err.message).toContain(missing.digest);
      expect(err.detail).toEqual({ digest: missing.digest });
      const missingConfig = { mediaType: MT.ociConfig, digest: sha256(randomBytes(8)), size: 8 };
      const noConfig = json(ociImage({ config: missingConfig, layers: image.layers }));
      expect(expectError(await put('noconfig', noConfig, MT.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN').message).toContain(missingConfig.digest);
      await expectNotStored('nolayer');
      await expectNotStored('noconfig');
    });

    it('a blob that lives only in another repository is MANIFEST_BLOB_UNKNOWN', async () => {
      const elsewhere = await reg.pushBlob('bad/other', randomBytes(32), MT.ociLayer);
      const body = json(ociImage({ config: image.config, layers: [elsewhere] }));
      expect(expectError(await put('foreign', body, MT.ociManifest), 400, 'MANIFEST_BLOB_UNKNOWN').message).toContain(elsewhere.digest);
    });

    it('a descriptor whose size disagrees with the blob is MANIFEST_INVALID', async () => {
      const body = json(ociImage({ config: image.config, layers: [{ ...image.layers[0], size: image.layers[0].size + 1 }] }));
      expectError(await put('wrongsize', body, MT.ociManifest), 400, 'MANIFEST_INVALID');
      await expectNotStored('wrongsize');
    });

    it('an index with a missing child is MANIFEST_BLOB_UNKNOWN naming the child', async () => {
      const ghost = { mediaType: MT.ociManifest, digest: sha256('ghost child'), size: 400, platform: { os: 'linux', architecture: 'amd64' } };
      const body = json(ociIndex([image.descriptor, ghost]));
      const err = expectError(await put('ghost', body, MT.ociIndex), 400, 'MANIFEST_BLOB_UNKNOWN');
      expect(err.message).toContain(ghost.digest);
      await expectNotStored('ghost');
    });

    it('PUT by digest stores without a tag; a digest that does not match the body is DIGEST_INVALID', async () => {
      const other = await reg.pushImage('bad/bydigest', {});
      expect((await reg.request('GET', '/v2/bad/bydigest/tags/list')).json().tags).toEqual([]);
      expectManifest(await reg.request('GET', `/v2/bad/bydigest/manifests/${other.digest}`), other);
      const body = json(ociImage({ config: image.config, layers: image.layers, annotations: { n: '1' } }));
      const wrong = sha256('not the body');
      const err = expectError(await put(wrong, body, MT.ociManifest), 400, 'DIGEST_INVALID');
      expect(err.detail).toMatchObject({ expected: wrong, actual: sha256(body) });
      expectError(await reg.request('GET', `/v2/bad/app/manifests/${sha256(body)}`), 404, 'MANIFEST_UNKNOWN');
      expectError(await reg.request('GET', `/v2/bad/app/manifests/${wrong}`), 404, 'MANIFEST_UNKNOWN');
    });

    it('PUT by a sha512 digest is verified with sha512 and served under it', async () => {
      const body = json(ociImage({ config: image.config, layers: image.layers, annotations: { algo: 'sha512' } }));
      const digest = `sha512:${createHash('sha512').update(body).digest('hex')}`;
      const res = await put(digest, body, MT.ociManifest);
      expect(res.status).toBe(201);
      expect(res.header('docker-content-digest')).toBe(digest);
      expect(res.header('location')).toBe(`/v2/bad/app/manifests/${digest}`);
      const got = await reg.request('GET', `/v2/bad/app/manifests/${digest}`);
      expect(got.header('docker-content-digest')).toBe(digest);
      expect(got.body.equals(body)).toBe(true);
      const wrong = `sha512:${'0'.repeat(128)}`;
      expectError(await put(wrong, json(ociImage({ config: image.config, layers: image.layers, annotations: { algo: 'other' } })), MT.ociManifest), 400, 'DIGEST_INVALID');
    });

    it.each(['sha256:abc', `sha256:${'A'.repeat(64)}`, `md5:${'0'.repeat(32)}`])('a malformed digest reference %s is 400 DIGEST_INVALID', async (bad) => {
      expectError(await reg.request('GET', `/v2/bad/app/manifests/${bad}`), 400, 'DIGEST_INVALID');
      expectError(await reg.request('DELETE', `/v2/bad/app/manifests/${bad}`), 400, 'DIGEST_INVALID');
      expectError(await put(bad, image.body, MT.ociManifest), 400, 'DIGEST_INVALID');
    });

    it.each(['-bad', '.bad', 'bad!', 'a'.repeat(129), 'a%2Fb', 'caf%C3%A9'])('PUT with an invalid tag %s is 400 MANIFEST_INVALID; GET is 404 MANIFEST_UNKNOWN', async (tag) => {
      expectError(await put(tag, image.body, MT.ociManifest), 400, 'MANIFEST_INVALID');
      expectError(await reg.request('GET', `/v2/bad/app/manifests/${tag}`), 404, 'MANIFEST_UNKNOWN');
      expect((await reg.request('GET', '/v2/bad/app/tags/list')).json().tags).toEqual(['base']);
    });

    it('a 128-character tag and tags with _ . - and capitals are fine', async () => {
      const tags = ['a'.repeat(128), '_under', 'v1.2.3-rc_1', 'UPPER'];
      for (const tag of tags) {
        await reg.pushManifest('bad/app', tag, image.body, MT.ociManifest);
        expectManifest(await reg.request('GET', `/v2/bad/app/manifests/${tag}`), image);
      }
      for (const tag of tags) expect((await reg.request('DELETE', `/v2/bad/app/manifests/${tag}`)).status).toBe(202);
    });
  });

  describe('oversized manifests', () => {
    function big(): Buffer {
      const padding = 'x'.repeat(4 * MiB);
      return json({ schemaVersion: 2, mediaType: MT.ociManifest, config: {}, layers: [], annotations: { padding } });
    }

    it('a body over 4 MiB with Content-Length is 413 in the envelope and nothing is stored', async () => {
      const body = big();
      expect(body.length).toBeGreaterThan(4 * MiB);
      const res = await reg.request('PUT', '/v2/huge/app/manifests/v1', { body, headers: { 'content-type': MT.ociManifest } });
      expectError(res, 413, 'SIZE_INVALID');
      expectError(await reg.request('GET', '/v2/huge/app/manifests/v1'), 404, 'MANIFEST_UNKNOWN');
      expectError(await reg.request('GET', '/v2/huge/app/tags/list'), 404, 'NAME_UNKNOWN');
    });

    it('a body over 4 MiB sent chunked (no Content-Length) is 413 in the envelope and nothing is stored', async () => {
      const body = big();
      const url = new URL(berth.url);
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            method: 'PUT',
            path: '/v2/huge/chunked/manifests/v1',
            headers: { 'content-type': MT.ociManifest, authorization: reg.authorization! },
            agent: false,
          },
          (response) => {
            let text = '';
            response.on('data', (c) => (text += c));
            response.on('end', () => resolve({ status: response.statusCode!, body: text }));
          },
        );
        req.on('error', reject);
        for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
        req.end();
      });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body).errors[0].code).toBe('SIZE_INVALID');
      expectError(await reg.request('GET', '/v2/huge/chunked/manifests/v1'), 404, 'MANIFEST_UNKNOWN');
      // The server is still serving on other connections.
      expect((await reg.request('GET', '/v2/')).status).toBe(200);
    });
  });

  describe('tags and deletion', () => {
    it('DELETE by tag removes only that tag', async () => {
      const image = await reg.pushImage('del/tags', { tag: 't1' });
      await reg.pushManifest('del/tags', 't2', image.body, MT.ociManifest);
      await reg.pushManifest('del/tags', 't3', image.body, MT.ociManifest);
      expect((await reg.request('DELETE', '/v2/del/tags/manifests/t1')).status).toBe(202);
      expectError(await reg.request('GET', '/v2/del/tags/manifests/t1'), 404, 'MANIFEST_UNKNOWN');
      expectError(await reg.request('DELETE', '/v2/del/tags/manifests/t1'), 404, 'MANIFEST_UNKNOWN');
      expectManifest(await reg.request('GET', '/v2/del/tags/manifests/t2'), image);
      expectManifest(await reg.request('GET', '/v2/del/tags/manifests/t3'), image);
      expectManifest(await reg.request('GET', `/v2/del/tags/manifests/${image.digest}`), image);
      expect((await reg.request('GET', '/v2/del/tags/tags/list')).json().tags).toEqual(['t2', 't3']);
    });

    it('DELETE by digest removes the manifest and all its tags', async () => {
      const image = await reg.pushImage('del/digest', { tag: 'a' });
      await reg.pushManifest('del/digest', 'b', image.body, MT.ociManifest);
      const keep = await reg.pushImage('del/digest', { tag: 'keep' });
      expect((await reg.request('DELETE', `/v2/del/digest/manifests/${image.digest}`)).status).toBe(202);
      for (const ref of ['a', 'b', image.digest]) expectError(await reg.request('GET', `/v2/del/digest/manifests/${ref}`), 404, 'MANIFEST_UNKNOWN');
      expectError(await reg.request('DELETE', `/v2/del/digest/manifests/${image.digest}`), 404, 'MANIFEST_UNKNOWN');
      expect((await reg.request('GET', '/v2/del/digest/tags/list')).json().tags).toEqual(['keep']);
      expectManifest(await reg.request('GET', '/v2/del/digest/manifests/keep'), keep);
      // Its blobs stay linked: the same manifest can be pushed again.
      await reg.pushManifest('del/digest', 'a', image.body, MT.ociManifest);
      expectManifest(await reg.request('GET', '/v2/del/digest/manifests/a'), image);
    });

    it('unknown tags, digests and repositories are 404 MANIFEST_UNKNOWN', async () => {
      await reg.pushImage('del/unknown', { tag: 'v1' });
      expectError(await reg.request('GET', '/v2/del/unknown/manifests/v2'), 404, 'MANIFEST_UNKNOWN');
      expectError(await reg.request('GET', `/v2/del/unknown/manifests/${sha256('x')}`), 404, 'MANIFEST_UNKNOWN');
      expectError(await reg.request('GET', '/v2/del/nowhere/manifests/v1'), 404, 'MANIFEST_UNKNOWN');
      expectError(await reg.request('DELETE', '/v2/del/nowhere/manifests/v1'), 404, 'MANIFEST_UNKNOWN');
      expect((await reg.request('HEAD', '/v2/del/unknown/manifests/v2')).status).toBe(404);
    });

    it('a manifest in one repository is not readable from another by digest', async () => {
      const image = await reg.pushImage('iso/one', { tag: 'v1' });
      await reg.pushImage('iso/two', { tag: 'v1' });
      expectError(await reg.request('GET', `/v2/iso/two/manifests/${image.digest}`), 404, 'MANIFEST_UNKNOWN');
      expectError(await reg.request('GET', `/v2/iso/two/blobs/${image.digest}`), 404, 'BLOB_UNKNOWN');
      expectError(await reg.request('DELETE', `/v2/iso/two/manifests/${image.digest}`), 404, 'MANIFEST_UNKNOWN');
    });

    it('re-pushing a tag moves it; the old manifest stays by digest', async () => {
      const first = await reg.pushImage('move/app', { tag: 'latest' });
      const second = await reg.pushImage('move/app', { tag: 'latest' });
      expect(second.digest).not.toBe(first.digest);
      expectManifest(await reg.request('GET', '/v2/move/app/manifests/latest'), second);
      expectManifest(await reg.request('GET', `/v2/move/app/manifests/${first.digest}`), first);
      expect((await reg.request('GET', '/v2/move/app/tags/list')).json().tags).toEqual(['latest']);
      // Pushing the same manifest again is idempotent.
      await reg.pushManifest('move/app', 'latest', second.body, MT.ociManifest);
      expectManifest(await reg.request('GET', '/v2/move/app/manifests/latest'), second);
    });
  });
});
