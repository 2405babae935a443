import { randomBytes } from 'node:crypto';
import { addMember, createUser } from '../support/access';
import { Descriptor, json, MT, ociImage, ociIndex, PushedManifest, RegistryClient, sha256 } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const HELM_CHART = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const IN_TOTO = 'application/vnd.in-toto+json';

/** Artifacts and tags through /api/v1/projects/:name/repositories/<path>/-/..., after real pushes. */
describe('artifacts and tags', () => {
  let berth: TestBerth;
  let registry: RegistryClient;
  let admin: ConsoleClient;
  let maintainer: ConsoleClient;
  let developer: ConsoleClient;
  let guest: ConsoleClient;
  let limited: ConsoleClient;
  let outsider: ConsoleClient;
  let anonymous: ConsoleClient;

  // team/app/web: a two-platform index (+ a buildx-style attestation child) tagged 1.21.6-alpine3.15, 1.21.6 and latest,
  // a rich single image, a Helm chart, a notation signature and an SPDX SBOM attached to the index.
  let sharedLayer: Descriptor;
  let amd64: PushedManifest;
  let arm64: PushedManifest;
  let attestation: PushedManifest;
  let index: PushedManifest;
  let rich: PushedManifest;
  let richConfig: Descriptor;
  let chart: PushedManifest;
  let signature: PushedManifest;
  let sbom: PushedManifest;

  const base = '/projects/team/repositories/app/web/-';

  async function pushPlatformImage(name: string, platform: { os: string; architecture: string; variant?: string }): Promise<PushedManifest> {
    const config = await registry.pushBlob(name, json({ ...platform, rootfs: { type: 'layers', diff_ids: [] }, nonce: randomBytes(4).toString('hex') }), MT.ociConfig);
    const own = await registry.pushBlob(name, randomBytes(100), MT.ociLayer);
    return registry.pushManifest(name, sha256(json(ociImage({ config, layers: [sharedLayer, own] }))), ociImage({ config, layers: [sharedLayer, own] }));
  }

  beforeAll(async () => {
    berth = await startTestBerth();
    registry = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/projects', { name: 'team' })).status).toBe(201);
    expect((await admin.post('/projects', { name: 'open', public: true })).status).toBe(201);
    for (const [username, role] of [
      ['mia', 'maintainer'],
      ['dev', 'developer'],
      ['gus', 'guest'],
      ['lim', 'limited_guest'],
    ] as const) {
      await createUser(berth, username, `${username}-password`);
      await addMember(berth, 'team', username, role);
    }
    await createUser(berth, 'oscar', 'oscar-password');
    maintainer = await ConsoleClient.session(berth, 'mia', 'mia-password');
    developer = await ConsoleClient.session(berth, 'dev', 'dev-password');
    guest = await ConsoleClient.session(berth, 'gus', 'gus-password');
    limited = await ConsoleClient.session(berth, 'lim', 'lim-password');
    outsider = await ConsoleClient.session(berth, 'oscar', 'oscar-password');
    anonymous = ConsoleClient.anonymous(berth);

    const name = 'team/app/web';
    sharedLayer = await registry.pushBlob(name, randomBytes(1000), MT.ociLayer);
    amd64 = await pushPlatformImage(name, { os: 'linux', architecture: 'amd64' });
    arm64 = await pushPlatformImage(name, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    const attConfig = await registry.pushBlob(name, json({ architecture: 'unknown', os: 'unknown', rootfs: { type: 'layers', diff_ids: [] } }), MT.ociConfig);
    const statement = await registry.pushBlob(name, json({ _type: 'https://in-toto.io/Statement/v0.1' }), IN_TOTO);
    const attDoc = ociImage({ config: attConfig, layers: [{ ...statement, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }] });
    attestation = await registry.pushManifest(name, sha256(json(attDoc)), attDoc);
    index = await registry.pushManifest(
      name,
      '1.21.6-alpine3.15',
      ociIndex(
        [
          { ...amd64.descriptor, platform: { os: 'linux', architecture: 'amd64' } },
          { ...arm64.descriptor, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          {
            ...attestation.descriptor,
            platform: { os: 'unknown', architecture: 'unknown' },
            annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': amd64.digest },
          },
        ],
        { annotations: { 'org.opencontainers.image.source': 'https://example.com/web', 'org.opencontainers.image.licenses': 'MIT' } },
      ),
    );
    await registry.pushManifest(name, '1.21.6', index.body, MT.ociIndex);
    await registry.pushManifest(name, 'latest', index.body, MT.ociIndex);

    richConfig = await registry.pushBlob(
      name,
      json({
        created: '2024-01-15T10:00:00Z',
        author: 'Berth tests',
        architecture: 'amd64',
        os: 'linux',
        config: {
          Env: ['PATH=/usr/bin', 'NGINX_VERSION=1.25.3'],
          Entrypoint: ['/docker-entrypoint.sh'],
          Cmd: ['nginx', '-g', 'daemon off;'],
          ExposedPorts: { '80/tcp': {} },
          WorkingDir: '/srv',
          Labels: { maintainer: 'team@example.com' },
        },
        rootfs: { type: 'layers', diff_ids: [] },
        history: [
          { created: '2024-01-15T09:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:abc in /' },
          { created: '2024-01-15T10:00:00Z', created_by: '/bin/sh -c #(nop) CMD ["nginx"]', empty_layer: true },
        ],
      }),
      MT.ociConfig,
    );
    const richLayer = await registry.pushBlob(name, randomBytes(300), MT.ociLayer);
    rich = await registry.pushManifest(name, '7.0-rc-bullseye', ociImage({ config: richConfig, layers: [richLayer], annotations: { 'org.opencontainers.image.version': '7.0-rc' } }));
    await registry.pushManifest(name, '17-buster-slim', ociImage({ config: richConfig, layers: [richLayer], annotations: { 'org.opencontainers.image.version': '7.0-rc' } }));

    const helmConfig = await registry.pushBlob(name, json({ name: 'web', version: '0.1.0', appVersion: '1.25.3', apiVersion: 'v2', description: 'The web front end', type: 'application', maintainers: [{ name: 'team' }] }), HELM_CONFIG);
    const helmLayer = await registry.pushBlob(name, randomBytes(50), HELM_CHART);
    chart = await registry.pushManifest(name, '0.1.0', ociImage({ config: helmConfig, layers: [helmLayer] }));

    signature = await registry.pushArtifact(name, index.descriptor, 'application/vnd.cncf.notary.signature');
    sbom = await registry.pushArtifact(name, index.descriptor, 'application/spdx+json');

    // A public project to check anonymous reads.
    await registry.pushImage('open/tool', { tag: '1.0' });
  });

  afterAll(async () => {
    await berth?.close();
  });

  describe('list', () => {
    it('lists top-level artifacts with kind, tags, sizes and platforms; children and referrers appear under their parent', async () => {
      const res = await developer.get(`${base}/artifacts?page_size=100`);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-total-count')).toBe(String(res.body.total));
      const byDigest = new Map<string, any>(res.body.items.map((a: any) => [a.digest, a]));
      expect([...byDigest.keys()].sort()).toEqual([index.digest, rich.digest, chart.digest].sort());

      const idx = byDigest.get(index.digest);
      expect(idx.kind).toBe('index');
      expect(idx.tags).toEqual(['latest', '1.21.6-alpine3.15', '1.21.6']);
      expect(idx.platforms).toEqual([
        { digest: amd64.digest, os: 'linux', architecture: 'amd64', variant: null, attestation: false, totalSize: expect.any(Number) },
        { digest: arm64.digest, os: 'linux', architecture: 'arm64', variant: 'v8', attestation: false, totalSize: expect.any(Number) },
        { digest: attestation.digest, os: null, architecture: null, variant: null, attestation: true, totalSize: expect.any(Number) },
      ]);
      expect(idx.totalSize).toBeGreaterThan(1000 + 200);

      const image = byDigest.get(rich.digest);
      expect(image.kind).toBe('image');
      expect(image.platforms).toEqual([{ digest: rich.digest, os: 'linux', architecture: 'amd64', variant: null, attestation: false, totalSize: image.totalSize }]);
      expect(image.tags.sort()).toEqual(['17-buster-slim', '7.0-rc-bullseye']);
      expect(byDigest.get(chart.digest).kind).toBe('helm-chart');
    });

    it('lists everything with all=true, and filters by kind and by tag or digest text', async () => {
      const all = await developer.get(`${base}/artifacts?all=true&page_size=100`);
      const kinds = Object.fromEntries(all.body.items.map((a: any) => [a.digest, a.kind]));
      expect(kinds[signature.digest]).toBe('signature');
      expect(kinds[sbom.digest]).toBe('sbom');
      expect(kinds[attestation.digest]).toBe('attestation');
      expect(kinds[amd64.digest]).toBe('image');
      expect(all.body.items.find((a: any) => a.digest === signature.digest).subject).toBe(index.digest);

      const signatures = await developer.get(`${base}/artifacts?all=true&kind=signature`);
      expect(signatures.body.items.map((a: any) => a.digest)).toEqual([signature.digest]);
      const charts = await developer.get(`${base}/artifacts?q=0.1.0`);
      expect(charts.body.items.map((a: any) => a.digest)).toEqual([chart.digest]);
      const byDigest = await developer.get(`${base}/artifacts?q=${rich.digest.slice(7, 19)}`);
      expect(byDigest.body.items.map((a: any) => a.digest)).toEqual([rich.digest]);
    });

    it('pages and sorts', async () => {
      const first = await developer.get(`${base}/artifacts?page_size=2&sort=-size`);
      expect(first.body.total).toBe(3);
      expect(first.body.items).toHaveLength(2);
      const sizes = first.body.items.map((a: any) => a.totalSize);
      expect(sizes[0]).toBeGreaterThanOrEqual(sizes[1]);
      const second = await developer.get(`${base}/artifacts?page_size=2&page=2&sort=-size`);
      expect(second.body.items).toHaveLength(1);
      expect(second.body.items[0].totalSize).toBeLessThanOrEqual(sizes[1]);
    });

    it('rejects bad queries with INVALID', async () => {
      for (const query of ['sort=bogus', 'kind=tarball', 'page=0', 'page_size=101', 'all=maybe']) {
        const res = await developer.get(`${base}/artifacts?${query}`);
        expect([query, res.status, res.body.code]).toEqual([query, 400, 'INVALID']);
      }
    });
  });

  describe('detail', () => {
    it('describes an image by tag: config summary, layers, annotations, tags and the bytes deleting it would free', async () => {
      const res = await guest.get(`${base}/artifacts/7.0-rc-bullseye`);
      expect(res.status).toBe(200);
      const a = res.body;
      expect(a.digest).toBe(rich.digest);
      expect(a.repository).toBe('team/app/web');
      expect(a.manifest.config.digest).toBe(richConfig.digest);
      expect(a.configDigest).toBe(richConfig.digest);
      expect(a.config).toMatchObject({
        created: '2024-01-15T10:00:00Z',
        author: 'Berth tests',
        os: 'linux',
        architecture: 'amd64',
        entrypoint: ['/docker-entrypoint.sh'],
        cmd: ['nginx', '-g', 'daemon off;'],
        env: ['PATH=/usr/bin', 'NGINX_VERSION=1.25.3'],
        exposedPorts: ['80/tcp'],
        workingDir: '/srv',
        labels: { maintainer: 'team@example.com' },
      });
      expect(a.config.history).toEqual([
        { created: '2024-01-15T09:00:00Z', createdBy: '/bin/sh -c #(nop) ADD file:abc in /', emptyLayer: false },
        { created: '2024-01-15T10:00:00Z', createdBy: '/bin/sh -c #(nop) CMD ["nginx"]', emptyLayer: true },
      ]);
      expect(a.layers).toEqual([{ digest: expect.stringMatching(/^sha256:/), mediaType: MT.ociLayer, size: 300, annotations: {} }]);
      expect(a.annotations).toEqual({ 'org.opencontainers.image.version': '7.0-rc' });
      expect(a.tagDetails.map((t: any) => t.name).sort()).toEqual(['17-buster-slim', '7.0-rc-bullseye']);
      // Its config and layer belong to no other manifest.
      expect(a.freeableBytes).toBe(richConfig.size + 300);
    });

    it('describes an index by digest: children with platforms and the attested image, referrers, and a child its parents', async () => {
      const res = await limited.get(`${base}/artifacts/${index.digest}`);
      expect(res.status).toBe(200);
      const a = res.body;
      expect(a.kind).toBe('index');
      expect(a.annotations['org.opencontainers.image.licenses']).toBe('MIT');
      expect(a.children).toEqual([
        expect.objectContaining({ digest: amd64.digest, os: 'linux', architecture: 'amd64', present: true, kind: 'image', attestation: false, attests: null }),
        expect.objectContaining({ digest: arm64.digest, os: 'linux', architecture: 'arm64', variant: 'v8', present: true, kind: 'image' }),
        expect.objectContaining({ digest: attestation.digest, os: null, architecture: null, attestation: true, kind: 'attestation', attests: amd64.digest }),
      ]);
      expect(a.referrers.map((r: any) => [r.digest, r.kind]).sort()).toEqual(
        [
          [signature.digest, 'signature'],
          [sbom.digest, 'sbom'],
        ].sort(),
      );
      expect(a.tagDetails.find((t: any) => t.name === 'latest').moving).toBe(true);
      expect(a.freeableBytes).toBeGreaterThan(1000);

      const child = await limited.get(`${base}/artifacts/${amd64.digest}`);
      expect(child.body.parents).toEqual([{ digest: index.digest, tags: ['latest', '1.21.6-alpine3.15', '1.21.6'] }]);
    });

    it("describes a Helm chart by what its config (Chart.yaml) says; other artifacts have no chart", async () => {
      const res = await guest.get(`${base}/artifacts/0.1.0`);
      expect(res.status).toBe(200);
      expect(res.body.kind).toBe('helm-chart');
      expect(res.body.config).toBeNull();
      expect(res.body.chart).toEqual({ name: 'web', version: '0.1.0', appVersion: '1.25.3', apiVersion: 'v2', description: 'The web front end', type: 'application', keywords: [] });
      expect((await guest.get(`${base}/artifacts/7.0-rc-bullseye`)).body.chart).toBeNull();
    });

    it('answers NOT_FOUND for an unknown digest or tag, INVALID for a malformed reference', async () => {
      expect((await developer.get(`${base}/artifacts/sha256:${'0'.repeat(64)}`)).body.code).toBe('NOT_FOUND');
      expect((await developer.get(`${base}/artifacts/nope`)).status).toBe(404);
      const bad = await developer.get(`${base}/artifacts/${encodeURIComponent('bad tag!')}`);
      expect([bad.status, bad.body.code]).toEqual([400, 'INVALID']);
      expect((await developer.get('/projects/team/repositories/app/none/-/artifacts')).status).toBe(404);
    });
  });

  describe('tags', () => {
    it('lists tags with platforms, version fields and variant chips; sorts by version with latest first when descending', async () => {
      const res = await guest.get(`${base}/tags?sort=-version`);
      expect(res.status).toBe(200);
      const names = res.body.items.map((t: any) => t.name);
      expect(names).toEqual(['latest', '17-buster-slim', '7.0-rc-bullseye', '1.21.6-alpine3.15', '1.21.6', '0.1.0']);

      const ascending = await guest.get(`${base}/tags?sort=version`);
      expect(ascending.body.items.map((t: any) => t.name)).toEqual([...names].reverse());

      const alpine = res.body.items.find((t: any) => t.name === '1.21.6-alpine3.15');
      expect(alpine).toMatchObject({ digest: index.digest, kind: 'index', version: '1.21.6', prerelease: null, variants: ['alpine3.15'], moving: false });
      expect(alpine.platforms.map((p: any) => (p.attestation ? 'attestation' : `${p.os}/${p.architecture}`))).toEqual(['linux/amd64', 'linux/arm64', 'attestation']);
      expect(res.body.items.find((t: any) => t.name === '7.0-rc-bullseye')).toMatchObject({ version: '7.0', prerelease: 'rc', variants: ['bullseye'] });
      expect(res.body.items.find((t: any) => t.name === 'latest').moving).toBe(true);
      expect(res.body.variants).toEqual(
        expect.arrayContaining([
          { name: 'alpine', count: 1 },
          { name: 'bullseye', count: 1 },
          { name: 'buster', count: 1 },
          { name: 'slim', count: 1 },
        ]),
      );
    });

    it('filters by variant family and by name, and pages with X-Total-Count', async () => {
      const alpine = await guest.get(`${base}/tags?variant=alpine`);
      expect(alpine.body.items.map((t: any) => t.name)).toEqual(['1.21.6-alpine3.15']);
      const slim = await guest.get(`${base}/tags?variant=slim`);
      expect(slim.body.items.map((t: any) => t.name)).toEqual(['17-buster-slim']);
      const named = await guest.get(`${base}/tags?q=1.21&sort=name`);
      expect(named.body.items.map((t: any) => t.name)).toEqual(['1.21.6', '1.21.6-alpine3.15']);
      const paged = await guest.get(`${base}/tags?page_size=2&page=2&sort=name`);
      expect(paged.headers.get('x-total-count')).toBe('6');
      expect(paged.body.items).toHaveLength(2);
      expect((await guest.get(`${base}/tags?variant=Alpine!`)).status).toBe(400);
      expect((await guest.get(`${base}/tags?sort=newest`)).status).toBe(400);
    });

    it('adds a tag to an existing artifact without a push, and the registry serves it at once', async () => {
      const created = await developer.post(`${base}/artifacts/1.21.6/tags`, { name: 'stable' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ created: true, tag: 'stable', digest: index.digest });
      const again = await developer.post(`${base}/artifacts/${index.digest}/tags`, { name: 'stable' });
      expect([again.status, again.body.created]).toEqual([200, false]);
      const pulled = await registry.request('GET', '/v2/team/app/web/manifests/stable', { headers: { accept: MT.ociIndex } });
      expect(pulled.status).toBe(200);
      expect(pulled.header('docker-content-digest')).toBe(index.digest);

      const taken = await developer.post(`${base}/artifacts/${rich.digest}/tags`, { name: 'latest' });
      expect([taken.status, taken.body.code, taken.body.details.digest]).toEqual([409, 'CONFLICT', index.digest]);
      for (const name of ['', '-bad', 'x'.repeat(129), 'with space']) {
        const invalid = await developer.post(`${base}/artifacts/${index.digest}/tags`, { name });
        expect([name, invalid.status, invalid.body.code]).toEqual([name, 400, 'INVALID']);
      }
      expect((await developer.post(`${base}/artifacts/${index.digest}/tags`, { name: 'ok', extra: 1 })).status).toBe(400);
      expect((await developer.post(`${base}/artifacts/sha256:${'1'.repeat(64)}/tags`, { name: 'ok' })).status).toBe(404);
    });

    it('deletes one tag and leaves the artifact and its other tags', async () => {
      await developer.post(`${base}/artifacts/${index.digest}/tags`, { name: 'to-go' });
      expect((await registry.request('GET', '/v2/team/app/web/manifests/to-go', { headers: { accept: MT.ociIndex } })).status).toBe(200);
      expect((await maintainer.delete(`${base}/tags/to-go`)).status).toBe(204);
      expect((await registry.request('GET', '/v2/team/app/web/manifests/to-go', { headers: { accept: MT.ociIndex } })).status).toBe(404);
      expect((await registry.request('GET', '/v2/team/app/web/manifests/stable', { headers: { accept: MT.ociIndex } })).status).toBe(200);
      const detail = await maintainer.get(`${base}/artifacts/${index.digest}`);
      expect(detail.body.tagDetails.map((t: any) => t.name)).not.toContain('to-go');
      expect(detail.body.tagDetails.map((t: any) => t.name)).toContain('stable');
      const again = await maintainer.delete(`${base}/tags/to-go`);
      expect([again.status, again.body.code]).toEqual([404, 'NOT_FOUND']);
    });
  });

  describe('permissions', () => {
    const reads = () => [`${base}/artifacts`, `${base}/artifacts/latest`, `${base}/tags`];

    it('lets every member read, hides the project from outsiders, and asks anonymous callers to sign in', async () => {
      for (const client of [admin, maintainer, developer, guest, limited]) {
        for (const path of reads()) expect([path, (await client.get(path)).status]).toEqual([path, 200]);
      }
      for (const path of reads()) {
        const hidden = await outsider.get(path);
        expect([path, hidden.status, hidden.body.code]).toEqual([path, 404, 'NOT_FOUND']);
        const anon = await anonymous.get(path);
        expect([path, anon.status]).toEqual([path, 404]);
      }
      // A public project reads anonymously.
      const open = await anonymous.get('/projects/open/repositories/tool/-/tags');
      expect(open.body.items.map((t: any) => t.name)).toEqual(['1.0']);
    });

    it('lets push roles tag, and delete roles delete', async () => {
      for (const [client, status] of [
        [guest, 403],
        [limited, 403],
        [outsider, 404],
        [anonymous, 401],
      ] as const) {
        const res = await client.post(`${base}/artifacts/latest/tags`, { name: 'nope' });
        expect(res.status).toBe(status);
      }
      expect((await maintainer.post(`${base}/artifacts/latest/tags`, { name: 'by-maintainer' })).status).toBe(201);
      for (const [client, status] of [
        [developer, 403],
        [guest, 403],
        [outsider, 404],
        [anonymous, 401],
      ] as const) {
        expect((await client.delete(`${base}/tags/by-maintainer`)).status).toBe(status);
        expect((await client.delete(`${base}/artifacts/${chart.digest}`)).status).toBe(status);
      }
      const open = await anonymous.post('/projects/open/repositories/tool/-/artifacts/1.0/tags', { name: 'x' });
      expect(open.status).toBe(401);
    });
  });

  describe('delete by digest', () => {
    it('refuses a tag (tags are deleted on their own route)', async () => {
      const res = await maintainer.delete(`${base}/artifacts/latest`);
      expect([res.status, res.body.code]).toEqual([400, 'INVALID']);
    });

    it('removes an index with its tags, the children only it used and its referrers, and keeps a child another index still lists', async () => {
      // A second index lists only arm64: that child must survive.
      const other = await registry.pushManifest('team/app/web', 'arm-only', ociIndex([{ ...arm64.descriptor, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }]));
      const before = await maintainer.get(`${base}/artifacts/${index.digest}`);
      const res = await maintainer.delete(`${base}/artifacts/${index.digest}`);
      expect(res.status).toBe(200);
      expect(res.body.deleted.sort()).toEqual([index.digest, amd64.digest, attestation.digest, signature.digest, sbom.digest].sort());
      expect(res.body.tags).toEqual(expect.arrayContaining(['1.21.6', '1.21.6-alpine3.15', 'latest', 'stable', 'by-maintainer']));
      expect(res.body.freeableBytes).toBe(before.body.freeableBytes);

      for (const digest of [index.digest, amd64.digest, attestation.digest, signature.digest, sbom.digest]) {
        expect((await registry.request('GET', `/v2/team/app/web/manifests/${digest}`, { headers: { accept: `${MT.ociIndex}, ${MT.ociManifest}` } })).status).toBe(404);
      }
      expect((await registry.request('GET', '/v2/team/app/web/manifests/latest', { headers: { accept: MT.ociIndex } })).status).toBe(404);
      expect((await registry.request('GET', `/v2/team/app/web/manifests/${arm64.digest}`, { headers: { accept: MT.ociManifest } })).status).toBe(200);
      expect((await registry.request('GET', '/v2/team/app/web/manifests/arm-only', { headers: { accept: MT.ociIndex } })).status).toBe(200);
      expect(other.digest).toBeDefined();
      // Other artifacts are untouched.
      expect((await maintainer.get(`${base}/artifacts/${rich.digest}`)).status).toBe(200);

      const again = await maintainer.delete(`${base}/artifacts/${index.digest}`);
      expect([again.status, again.body.code]).toEqual([404, 'NOT_FOUND']);
    });

    it('frees nothing for an image whose blobs another repository shares', async () => {
      const name = 'team/shared';
      const layer = await registry.pushBlob(name, randomBytes(500), MT.ociLayer);
      const config = await registry.pushBlob(name, json({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] } }), MT.ociConfig);
      const first = await registry.pushManifest(name, 'a', ociImage({ config, layers: [layer] }));
      // The same blobs mounted into another repository, under a different manifest.
      for (const d of [layer, config]) {
        expect((await registry.request('POST', `/v2/team/other/blobs/uploads/?mount=${d.digest}&from=${name}`)).status).toBe(201);
      }
      await registry.pushManifest('team/other', 'b', ociImage({ config, layers: [layer], annotations: { copy: 'yes' } }));
      const detail = await admin.get(`/projects/team/repositories/shared/-/artifacts/${first.digest}`);
      expect(detail.body.freeableBytes).toBe(0);
    });
  });

  it('describes every route in the OpenAPI document', async () => {
    const doc = (await anonymous.get('/openapi.json')).body;
    for (const path of [
      '/api/v1/projects/{name}/repositories/{path}/-/artifacts',
      '/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}',
      '/api/v1/projects/{name}/repositories/{path}/-/artifacts/{reference}/tags',
      '/api/v1/projects/{name}/repositories/{path}/-/tags',
      '/api/v1/projects/{name}/repositories/{path}/-/tags/{tag}',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(doc.components.schemas.ArtifactDetail).toBeDefined();
  });
});
