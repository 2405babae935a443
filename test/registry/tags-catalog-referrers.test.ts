import { createProjectsFor } from '../support/access';
import { expectError, HttpResponse, json, MT, ociImage, ociIndex, RegistryClient, sha256 } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

/** The path of a Link header's rel="next" target, or undefined. */
function nextLink(res: HttpResponse): string | undefined {
  const link = res.header('link');
  if (link === undefined) return undefined;
  const match = /^<([^>]+)>;\s*rel="next"$/.exec(link);
  if (!match) throw new Error(`malformed Link header: ${link}`);
  return match[1];
}

/** Follows Link headers from `first`, checking every page holds at most `n` entries; returns the pages. */
async function followPages(reg: RegistryClient, first: string, key: 'tags' | 'repositories', n: number): Promise<string[][]> {
  const pages: string[][] = [];
  let next: string | undefined = first;
  while (next) {
    const res = await reg.request('GET', next);
    expect(res.status).toBe(200);
    const page: string[] = res.json()[key];
    expect(page.length).toBeLessThanOrEqual(n);
    pages.push(page);
    next = nextLink(res);
    if (next) expect(next).toContain(`n=${n}`);
    if (pages.length > 50) throw new Error('pagination does not end');
  }
  return pages;
}

/** Byte order, as the spec's "lexical" ordering means for these ASCII names. */
const lexical = (values: string[]) => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('tags list', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  const tags = ['v10', 'v2', 'V1', 'a', '_x', '1.0', 'latest', 'b-1', 'b.1', 'b_1', 'Z', 'zz'];
  beforeAll(async () => {
    berth = await startTestBerth();
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, ['tl/app']);
    const image = await reg.pushImage('tl/app', {});
    for (const tag of tags) await reg.pushManifest('tl/app', tag, image.body, MT.ociManifest);
  });
  afterAll(async () => {
    await berth.close();
  });

  it('lists every tag in lexical (byte) order without a Link header', async () => {
    const res = await reg.request('GET', '/v2/tl/app/tags/list');
    expect(res.status).toBe(200);
    expect(res.header('content-type')).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ name: 'tl/app', tags: lexical(tags) });
    expect(res.header('link')).toBeUndefined();
    expect((await reg.request('HEAD', '/v2/tl/app/tags/list')).status).toBe(200);
  });

  it.each([1, 3, 5, 11])('n=%i pages through all tags by following Link', async (n) => {
    const pages = await followPages(reg, `/v2/tl/app/tags/list?n=${n}`, 'tags', n);
    expect(pages.flat()).toEqual(lexical(tags));
    expect(pages).toHaveLength(Math.ceil(tags.length / n));
  });

  it('n equal to the number of tags, or more, needs no Link', async () => {
    for (const n of [tags.length, tags.length + 1, 10_000, 1_000_000]) {
      const res = await reg.request('GET', `/v2/tl/app/tags/list?n=${n}`);
      expect(res.json().tags).toEqual(lexical(tags));
      expect(res.header('link')).toBeUndefined();
    }
  });

  it('last= starts after the given tag, whether or not it exists', async () => {
    const sorted = lexical(tags);
    expect((await reg.request('GET', '/v2/tl/app/tags/list?last=b.1')).json().tags).toEqual(sorted.slice(sorted.indexOf('b.1') + 1));
    expect((await reg.request('GET', '/v2/tl/app/tags/list?last=b')).json().tags).toEqual(sorted.filter((t) => t > 'b'));
    expect((await reg.request('GET', '/v2/tl/app/tags/list?last=zzz')).json().tags).toEqual([]);
    const res = await reg.request('GET', '/v2/tl/app/tags/list?n=2&last=a');
    expect(res.json().tags).toEqual(sorted.filter((t) => t > 'a').slice(0, 2));
    expect(nextLink(res)).toBe(`/v2/tl/app/tags/list?n=2&last=${encodeURIComponent(res.json().tags[1])}`);
  });

  it('n=0 answers an empty list without a Link', async () => {
    const res = await reg.request('GET', '/v2/tl/app/tags/list?n=0');
    expect(res.status).toBe(200);
    expect(res.json().tags).toEqual([]);
    expect(res.header('link')).toBeUndefined();
  });

  it('an n it cannot read means the default page', async () => {
    for (const n of ['abc', '-1', '1.5', '']) {
      expect((await reg.request('GET', `/v2/tl/app/tags/list?n=${n}`)).json().tags).toEqual(lexical(tags));
    }
  });

  it('an unknown repository is 404 NAME_UNKNOWN', async () => {
    const err = expectError(await reg.request('GET', '/v2/tl/nothing/tags/list'), 404, 'NAME_UNKNOWN');
    expect(err.detail).toEqual({ name: 'tl/nothing' });
    expect((await reg.request('HEAD', '/v2/tl/nothing/tags/list')).status).toBe(404);
  });

  it('the list follows tag pushes and deletes', async () => {
    const image = await reg.pushImage('tl/moving', { tag: 'one' });
    await reg.pushManifest('tl/moving', 'two', image.body, MT.ociManifest);
    expect((await reg.request('GET', '/v2/tl/moving/tags/list')).json().tags).toEqual(['one', 'two']);
    await reg.request('DELETE', '/v2/tl/moving/manifests/one');
    expect((await reg.request('GET', '/v2/tl/moving/tags/list')).json().tags).toEqual(['two']);
  });
});

describe('catalog', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  // Every name has a project and a path (a one-component name is refused on push); the separators still sort around '/'.
  const names = ['b/r', 'a/x', 'a/r', 'c/d/e', 'a-b/r', 'a.b/r', 'a_b/r', 'z9/r', 'a/x/y', '0/r'];
  beforeAll(async () => {
    berth = await startTestBerth();
    // The client is admin, who sees every repository in the catalog; what others see is in auth.test.ts.
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, [...names, 'blobs/only', 'deleted/all']);
    for (const name of names) await reg.pushImage(name, { tag: 'v1' });
    // Not listed: only blobs, or every manifest deleted.
    await reg.pushBlob('blobs/only', 'just a blob');
    const gone = await reg.pushImage('deleted/all', { tag: 'v1' });
    expect((await reg.request('DELETE', `/v2/deleted/all/manifests/${gone.digest}`)).status).toBe(202);
  });
  afterAll(async () => {
    await berth.close();
  });

  it('lists repositories holding a manifest, in lexical order, without Link', async () => {
    const res = await reg.request('GET', '/v2/_catalog');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ repositories: lexical(names) });
    expect(res.header('link')).toBeUndefined();
    expect((await reg.request('HEAD', '/v2/_catalog')).status).toBe(200);
  });

  it.each([1, 3, 4, 9])('n=%i pages through the catalog by following Link', async (n) => {
    const pages = await followPages(reg, `/v2/_catalog?n=${n}`, 'repositories', n);
    expect(pages.flat()).toEqual(lexical(names));
    expect(pages).toHaveLength(Math.ceil(names.length / n));
  });

  it('last= starts after the given name; the Link encodes names with slashes', async () => {
    const sorted = lexical(names);
    expect((await reg.request('GET', '/v2/_catalog?last=a/x')).json().repositories).toEqual(sorted.slice(sorted.indexOf('a/x') + 1));
    const res = await reg.request('GET', '/v2/_catalog?n=1&last=a');
    expect(res.json().repositories).toEqual(['a-b/r']);
    const page = await reg.request('GET', '/v2/_catalog?n=2&last=a/r');
    expect(page.json().repositories).toEqual(['a/x', 'a/x/y']);
    expect(nextLink(page)).toBe('/v2/_catalog?n=2&last=a%2Fx%2Fy');
  });

  it('n=0 answers an empty list without a Link', async () => {
    const res = await reg.request('GET', '/v2/_catalog?n=0');
    expect(res.status).toBe(200);
    expect(res.json().repositories).toEqual([]);
    expect(res.header('link')).toBeUndefined();
  });
});

describe('referrers', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth();
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, ['ref/app']);
  });
  afterAll(async () => {
    await berth.close();
  });

  function expectIndex(res: HttpResponse): { mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> }[] {
    expect(res.status).toBe(200);
    expect(res.header('content-type')).toBe(MT.ociIndex);
    const body = res.json();
    expect(body.schemaVersion).toBe(2);
    expect(body.mediaType).toBe(MT.ociIndex);
    return [...body.manifests].sort((a, b) => (a.digest < b.digest ? -1 : 1));
  }

  const byDigest = <T extends { digest: string }>(list: T[]) => [...list].sort((a, b) => (a.digest < b.digest ? -1 : 1));

  it('lists artifacts whose subject is the digest, with artifactType and annotations; filters by artifactType', async () => {
    const image = await reg.pushImage('ref/app', { tag: 'v1' });
    const sig = await reg.pushArtifact('ref/app', image.descriptor, 'application/vnd.example.sig', { annotations: { 'org.example.signer': 'alice' } });
    const sbom = await reg.pushArtifact('ref/app', image.descriptor, 'application/vnd.example.sbom');
    // An index can be a referrer too; and an image whose config type is its artifact type.
    const attached = await reg.pushImage('ref/app', {});
    const index = await reg.pushManifest('ref/app', 'bundle', ociIndex([attached.descriptor], { subject: image.descriptor, artifactType: 'application/vnd.example.bundle' }));
    const config = await reg.pushBlob('ref/app', '{"tool":"x"}', 'application/vnd.example.config+json');
    const layer = await reg.pushBlob('ref/app', 'layer', 'text/plain');
    const legacy = await reg.pushManifest('ref/app', 'legacy', ociImage({ config, layers: [layer], subject: image.descriptor }));
    // Not listed: a referrer in another repository, and an image without subject.
    await reg.pushImage('ref/other', { tag: 'v1' });
    const elsewhere = await reg.pushBlob('ref/other', image.body, MT.ociManifest);
    expect(elsewhere.digest).toBe(image.digest);
    await reg.pushArtifact('ref/other', image.descriptor, 'application/vnd.example.sig');

    const res = await reg.request('GET', `/v2/ref/app/referrers/${image.digest}`);
    expect(res.header('oci-filters-applied')).toBeUndefined();
    expect(expectIndex(res)).toEqual(
      byDigest([
        { mediaType: MT.ociManifest, digest: sig.digest, size: sig.size, artifactType: 'application/vnd.example.sig', annotations: { 'org.example.signer': 'alice' } },
        { mediaType: MT.ociManifest, digest: sbom.digest, size: sbom.size, artifactType: 'application/vnd.example.sbom' },
        { mediaType: MT.ociIndex, digest: index.digest, size: index.size, artifactType: 'application/vnd.example.bundle' },
        { mediaType: MT.ociManifest, digest: legacy.digest, size: legacy.size, artifactType: 'application/vnd.example.config+json' },
      ]),
    );

    const filtered = await reg.request('GET', `/v2/ref/app/referrers/${image.digest}?artifactType=application/vnd.example.sig`);
    expect(filtered.header('oci-filters-applied')).toBe('artifactType');
    expect(expectIndex(filtered).map((d) => d.digest)).toEqual([sig.digest]);

    const none = await reg.request('GET', `/v2/ref/app/referrers/${image.digest}?artifactType=application/vnd.example.none`);
    expect(none.header('oci-filters-applied')).toBe('artifactType');
    expect(expectIndex(none)).toEqual([]);

    expect((await reg.request('HEAD', `/v2/ref/app/referrers/${image.digest}`)).status).toBe(200);

    // Deleting a referrer takes it off the list.
    expect((await reg.request('DELETE', `/v2/ref/app/manifests/${sbom.digest}`)).status).toBe(202);
    expect(expectIndex(await reg.request('GET', `/v2/ref/app/referrers/${image.digest}`)).map((d) => d.digest)).not.toContain(sbom.digest);
  });

  it('lists a referrer pushed before its subject', async () => {
    const future = { mediaType: MT.ociManifest, digest: sha256('a subject not pushed yet'), size: 99 };
    const early = await reg.pushArtifact('ref/early', future, 'application/vnd.example.sig');
    expect(expectIndex(await reg.request('GET', `/v2/ref/early/referrers/${future.digest}`)).map((d) => d.digest)).toEqual([early.digest]);
  });

  it('an unknown digest, or an unknown repository, answers 200 with an empty index', async () => {
    await reg.pushImage('ref/empty', { tag: 'v1' });
    expect(expectIndex(await reg.request('GET', `/v2/ref/empty/referrers/${sha256('nothing')}`))).toEqual([]);
    expect(expectIndex(await reg.request('GET', `/v2/ref/nowhere/referrers/${sha256('nothing')}`))).toEqual([]);
  });

  it.each(['sha256:abc', 'latest', `sha256:${'A'.repeat(64)}`, `md5:${'0'.repeat(32)}`])('an invalid digest %s is 400 DIGEST_INVALID', async (bad) => {
    expectError(await reg.request('GET', `/v2/ref/app/referrers/${bad}`), 400, 'DIGEST_INVALID');
  });

  it('a subject that is not a valid descriptor makes the referrer MANIFEST_INVALID', async () => {
    const config = await reg.pushBlob('ref/bad', '{}', MT.ociEmpty);
    const body = json(ociImage({ config, layers: [], subject: { mediaType: MT.ociManifest, digest: 'sha256:nope', size: 1 } }));
    expectError(await reg.request('PUT', '/v2/ref/bad/manifests/v1', { body, headers: { 'content-type': MT.ociManifest } }), 400, 'MANIFEST_INVALID');
  });
});
