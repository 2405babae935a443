import { randomBytes } from 'node:crypto';
import { json, MT, ociImage, ociIndex, RegistryClient, sha256 } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

/**
 * An index of 1,500 platforms (a probe found 10,000-entry indexes in the wild, whose every anonymous view
 * weighed megabytes): the console answers carry 100 children and their number, and page through the rest.
 */
describe('an index with 1,500 children in the console API', () => {
  const COUNT = 1_500;
  let berth: TestBerth;
  let anonymous: ConsoleClient;
  let digests: string[];
  const base = '/projects/open/repositories/huge/-';

  beforeAll(async () => {
    berth = await startTestBerth();
    const registry = new RegistryClient(berth.url);
    const admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/projects', { name: 'open', public: true })).status).toBe(201);
    const config = await registry.pushBlob('open/huge', json({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] } }), MT.ociConfig);
    const layer = await registry.pushBlob('open/huge', randomBytes(64), MT.ociLayer);
    const children: { digest: string; size: number }[] = new Array(COUNT);
    let next = 0;
    const pushChild = async () => {
      while (next < COUNT) {
        const i = next++;
        const doc = ociImage({ config, layers: [layer], annotations: { 'org.example.build': `build number ${i} of the very long matrix` } });
        children[i] = (await registry.pushManifest('open/huge', sha256(json(doc)), doc)).descriptor;
      }
    };
    await Promise.all(Array.from({ length: 8 }, pushChild));
    digests = children.map((c) => c.digest);
    const arches = ['amd64', 'arm64', 's390x', 'ppc64le'];
    const index = ociIndex(
      children.map((c, i) => ({ mediaType: MT.ociManifest, digest: c.digest, size: c.size, platform: { os: 'linux', architecture: arches[i % 4], variant: `v${i}` }, annotations: { 'org.example.matrix': `cell ${i} of the build matrix` } })),
    );
    await registry.pushManifest('open/huge', 'latest', index);
    anonymous = ConsoleClient.anonymous(berth);
  }, 180_000);

  afterAll(async () => {
    await berth?.close();
  });

  it('answers the artifact with its first 100 children, how many there are, and no megabyte manifest', async () => {
    const res = await anonymous.get(`${base}/artifacts/latest`);
    expect(res.status).toBe(200);
    expect(res.body.platformCount).toBe(COUNT);
    expect(res.body.children).toHaveLength(100);
    expect(res.body.platforms).toHaveLength(100);
    expect(res.body.children.map((c: { digest: string }) => c.digest)).toEqual(digests.slice(0, 100));
    expect(res.body.children[1]).toMatchObject({ architecture: 'arm64', variant: 'v1', present: true, kind: 'image' });
    // The stored document is over 256 KiB: the registry serves it, the console answer leaves it out.
    expect(res.body.size).toBeGreaterThan(256 * 1024);
    expect(res.body.manifest).toBeNull();
    expect(JSON.stringify(res.body).length).toBeLessThan(100_000);
  });

  it('pages through the children in index order', async () => {
    const page = await anonymous.get(`${base}/artifacts/latest/children?page=7&page_size=100`);
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(COUNT);
    expect(page.headers.get('x-total-count')).toBe(String(COUNT));
    expect(page.body.items.map((c: { digest: string }) => c.digest)).toEqual(digests.slice(600, 700));
    expect(page.body.items[0]).toMatchObject({ os: 'linux', architecture: 'amd64', variant: 'v600', present: true, kind: 'image' });
    const last = await anonymous.get(`${base}/artifacts/latest/children?page=15&page_size=100`);
    expect(last.body.items.map((c: { digest: string }) => c.digest)).toEqual(digests.slice(1400));
    expect((await anonymous.get(`${base}/artifacts/latest/children?page_size=1000`)).status).toBe(400);
    expect((await anonymous.get(`${base}/artifacts/nope/children`)).status).toBe(404);
  });

  it('lists the tag and the artifact with 100 platforms and their number', async () => {
    const tags = await anonymous.get(`${base}/tags?q=latest`);
    expect(tags.body.items[0]).toMatchObject({ name: 'latest', platformCount: COUNT });
    expect(tags.body.items[0].platforms).toHaveLength(100);
    expect(JSON.stringify(tags.body).length).toBeLessThan(50_000);
    const artifacts = await anonymous.get(`${base}/artifacts?kind=index`);
    expect(artifacts.body.items[0].platformCount).toBe(COUNT);
    expect(artifacts.body.items[0].platforms).toHaveLength(100);
  });
});
