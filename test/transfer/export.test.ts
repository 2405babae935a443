/**
 * Exporting images as archives, end to end: real images built with umoci and pushed with skopeo,
 * downloaded over HTTP from a real Berth, and read back by skopeo (`docker-archive:` and `oci-archive:`)
 * to compare config digests and layer contents with what was pushed.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { addMember, basicAuth, createProject, createUser } from '../support/access';
import { addImageIndex, BuiltImage, BuiltIndex, initLayout, readVerifiedBlob, requireCommands, run, sha256, skopeo } from '../support/images';
import { ociImage, RegistryClient } from '../support/registry-client';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';
import { buildLayeredImage, download, LayeredImage, Member, memberJson, openFilesUnder, readDirImage, tarMembers } from './export-fixtures';

interface DockerManifestEntry {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}
interface OciIndexDoc {
  manifests: { mediaType: string; digest: string; size: number; platform?: { os: string; architecture: string }; annotations?: Record<string, string> }[];
}

const hexOf = (digest: string) => digest.split(':')[1];
const blob = (digest: string) => `blobs/sha256/${hexOf(digest)}`;
const ADMIN = { Authorization: basicAuth('admin', TEST_ADMIN_PASSWORD) };
const as = (user: string, password: string) => ({ Authorization: basicAuth(user, password) });

describe('archive export', () => {
  let work: string;
  let berth: TestBerth;
  let app: LayeredImage;
  let app2: LayeredImage;
  let amd: LayeredImage;
  let arm: LayeredImage;
  let zstd: LayeredImage;
  let multi: BuiltIndex;
  let n = 0;
  const file = (name = 'archive') => path.join(work, `${name}-${++n}.tar`);
  const dir = (name = 'out') => path.join(work, `${name}-${++n}`);
  const api = (p: string) => `${berth.url}/api/v1${p}`;
  /** …/projects/<project>/repositories/<rest>/-/artifacts/<reference>/archive */
  const archiveUrl = (repository: string, reference: string, query = '') => {
    const [project, ...rest] = repository.split('/');
    return api(`/projects/${project}/repositories/${rest.join('/')}/-/artifacts/${reference}/archive${query}`);
  };
  const push = (from: string, to: string, ...flags: string[]) =>
    skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', `admin:${TEST_ADMIN_PASSWORD}`, ...flags, from, `docker://${berth.host}/${to}`]);
  /**
   * skopeo copy <transport> dir:<out>. skopeo's `oci-archive:` untars keeping the archive's owners (root,
   * as `docker save` writes them too), which a normal user cannot chown to; so an OCI archive is extracted
   * with tar first and read through `oci:`, the same layout (as root both ways work).
   */
  const fromArchive = async (transport: string, out: string, ...flags: string[]) => {
    let source = transport;
    if (transport.startsWith('oci-archive:')) {
      const rest = transport.slice('oci-archive:'.length);
      const colon = rest.indexOf(':');
      const file = colon < 0 ? rest : rest.slice(0, colon);
      const layout = `${out}-layout`;
      await fs.mkdir(layout, { recursive: true });
      await run('tar', ['-xf', file, '-C', layout, '--no-same-owner']);
      source = `oci:${layout}${colon < 0 ? '' : rest.slice(colon)}`;
    }
    return skopeo(['copy', ...flags, source, `dir:${out}`]);
  };

  async function pullCounts(repository: string, digest: string): Promise<number> {
    const [row] = await berth.running.dataSource.query(
      'SELECT m.pull_count::int AS n FROM manifest m JOIN repository r ON r.id = m.repository_id WHERE r.name = $1 AND m.digest = $2',
      [repository, digest],
    );
    return row.n;
  }

  async function auditEvents(action = 'artifact.export'): Promise<{ actor: string; resource: string; project: string | null; success: boolean; details: Record<string, unknown> }[]> {
    const res = await fetch(api(`/audit?action=${action}&page_size=100`), { headers: ADMIN });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: never[] }).items;
  }

  /** The exported image, read back by skopeo, is the pushed one: same config digest, layers whose bytes hash to its diff_ids, the files. */
  async function expectSameImage(out: string, image: LayeredImage): Promise<void> {
    const read = await readDirImage(out);
    expect(read.configDigest).toBe(image.config.digest);
    expect(read.diffIds).toEqual(image.config.diffIds);
    expect(read.layerDigests).toEqual(image.config.diffIds);
    for (const [name, content] of image.files) expect({ name, content: read.files.get(name) }).toEqual({ name, content });
  }

  beforeAll(async () => {
    await requireCommands();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-export-'));
    const source = path.join(work, 'source');
    await initLayout(source);
    app = await buildLayeredImage(source, { ref: 'app', architecture: 'amd64', layers: [{ 'etc/berth/base': 'the base layer\n' }, { 'usr/share/berth/app': 'the app layer\n' }] });
    // Shares both of app's layers and adds one.
    app2 = await buildLayeredImage(source, { ref: 'app2', from: 'app', architecture: 'amd64', layers: [{ 'usr/share/berth/app2': 'the app2 layer\n' }] });
    amd = await buildLayeredImage(source, { ref: 'amd', architecture: 'amd64', layers: [{ 'etc/berth-platform': 'built for linux/amd64\n' }] });
    arm = await buildLayeredImage(source, { ref: 'arm', architecture: 'arm64', layers: [{ 'etc/berth-platform': 'built for linux/arm64\n' }] });
    const asBuilt = async (image: LayeredImage, architecture: string) =>
      ({ digest: image.digest, bytes: await readVerifiedBlob(source, image.digest), platform: { architecture, os: 'linux' } }) as unknown as BuiltImage;
    multi = await addImageIndex(source, 'multi', [await asBuilt(amd, 'amd64'), await asBuilt(arm, 'arm64')]);
    // Content of its own: skopeo would otherwise reuse the gzip blobs of the same layers already in the registry.
    zstd = await buildLayeredImage(source, { ref: 'zstd', architecture: 'amd64', layers: [{ 'etc/zstd/one': 'first zstd layer\n' }, { 'etc/zstd/two': 'second zstd layer\n' }] });

    berth = await startTestBerth({ BERTH_PULL_STATS_FLUSH_SECONDS: '0.1' });
    await createProject(berth, 'team');
    await createProject(berth, 'pub', { public: true });
    await createUser(berth, 'gus', 'gus-password-1');
    await addMember(berth, 'team', 'gus', 'guest');
    await createUser(berth, 'olga', 'olga-password-1');

    await push(`oci:${source}:app`, 'team/app:1.0');
    await push(`oci:${source}:app`, 'team/app:latest');
    await push(`oci:${source}:app2`, 'team/app2:1.0');
    await push(`oci:${source}:multi`, 'team/multi:1.0', '--all');
    await push(`oci:${source}:app`, 'pub/app:1.0');
    await push(`oci:${source}:zstd`, 'team/zstd:1.0', '--dest-compress-format', 'zstd');
  }, 300_000);

  afterAll(async () => {
    await berth?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('builds the fixtures it claims: a two-layer image, one sharing its layers, a two-platform index, a zstd copy', async () => {
    expect(app.manifest.layers).toHaveLength(2);
    expect(app2.manifest.layers.slice(0, 2)).toEqual(app.manifest.layers);
    expect(app2.manifest.layers).toHaveLength(3);
    expect(multi.index.manifests.map((m) => m.platform?.architecture)).toEqual(['amd64', 'arm64']);
    const stored = await fetch(`${berth.url}/v2/team/zstd/manifests/1.0`, { headers: { ...ADMIN, Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const manifest = (await stored.json()) as { layers: { mediaType: string }[] };
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(['application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+zstd']);
  });

  describe('docker format', () => {
    let archive: string;
    let members: Member[];
    let got: Awaited<ReturnType<typeof download>>;

    beforeAll(async () => {
      archive = file('app');
      got = await download(archiveUrl('team/app', '1.0'), archive, { headers: ADMIN });
      members = await tarMembers(archive);
    });

    it('streams a tar download named after the repository and tag, chunked', () => {
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe('application/x-tar');
      expect(got.headers.get('content-disposition')).toBe('attachment; filename="team_app_1.0.tar"');
      expect(got.headers.get('transfer-encoding')).toBe('chunked');
      expect(got.headers.get('content-length')).toBeNull();
      expect(got.headers.get('cache-control')).toBe('no-store');
    });

    it('holds manifest.json, repositories, the config and each layer uncompressed under blobs/sha256, beside an OCI layout; no absolute or parent paths', () => {
      const [base, top] = app.config.diffIds;
      const names = members.map((m) => m.name);
      expect(names.slice(0, 4)).toEqual(['oci-layout', 'manifest.json', 'repositories', blob(app.config.digest)]);
      expect(names.slice(4, 6)).toEqual([blob(base), blob(top)]);
      expect(names.at(-1)).toBe('index.json');
      expect(names).toHaveLength(8); // + the OCI manifest over the uncompressed layers
      expect(names.every((name) => !name.startsWith('/') && !name.split('/').includes('..'))).toBe(true);
      expect(members.every((m) => m.type === 'file')).toBe(true);
      // Each member is what its name says: the config as pushed, layers hashing to their diff_ids.
      for (const m of members.filter((m) => m.name.startsWith('blobs/'))) expect(m.sha256).toBe(`sha256:${m.name.split('/')[2]}`);

      const manifest = memberJson<DockerManifestEntry[]>(members, 'manifest.json');
      expect(manifest).toEqual([{ Config: blob(app.config.digest), RepoTags: [`${berth.host}/team/app:1.0`], Layers: [blob(base), blob(top)] }]);
      expect(memberJson(members, 'repositories')).toEqual({ [`${berth.host}/team/app`]: { '1.0': hexOf(top) } });
      expect(memberJson(members, 'oci-layout')).toEqual({ imageLayoutVersion: '1.0.0' });
      const index = memberJson<OciIndexDoc>(members, 'index.json');
      expect(index.manifests).toHaveLength(1);
      expect(index.manifests[0]).toMatchObject({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        platform: { os: 'linux', architecture: 'amd64' },
        annotations: { 'io.containerd.image.name': `${berth.host}/team/app:1.0`, 'org.opencontainers.image.ref.name': '1.0' },
      });
      const ociManifest = memberJson<{ config: { digest: string }; layers: { mediaType: string; digest: string; size: number }[] }>(members, blob(index.manifests[0].digest));
      expect(ociManifest.config.digest).toBe(app.config.digest);
      expect(ociManifest.layers.map((l) => [l.mediaType, l.digest, l.size])).toEqual(
        [base, top].map((d) => ['application/vnd.oci.image.layer.v1.tar', d, members.find((m) => m.name === blob(d))!.size]),
      );
    });

    it('lists the same members with tar -tf', async () => {
      const { stdout } = await run('tar', ['-tf', archive]);
      expect(stdout.toString('utf8').trim().split('\n')).toEqual(members.map((m) => m.name));
    });

    it('is read by skopeo copy docker-archive: as the pushed image (config digest, diff_ids, files)', async () => {
      const out = dir();
      await fromArchive(`docker-archive:${archive}`, out);
      await expectSameImage(out, app);
    });

    it('is also an OCI layout skopeo reads (what Docker 25+ and containerd use)', async () => {
      const out = dir();
      await fromArchive(`oci-archive:${archive}:1.0`, out);
      await expectSameImage(out, app);
    });

    it('by digest: no tags to load under, named after the digest', async () => {
      const target = file();
      const res = await download(archiveUrl('team/app', app.digest), target, { headers: ADMIN });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="team_app_sha256-${hexOf(app.digest).slice(0, 12)}.tar"`);
      const manifest = memberJson<DockerManifestEntry[]>(await tarMembers(target), 'manifest.json');
      expect(manifest[0].RepoTags).toEqual([]);
      const out = dir();
      await fromArchive(`docker-archive:${target}`, out);
      await expectSameImage(out, app);
    });

    it('registry_host=false names the image <project>/<repository>:<tag>', async () => {
      const target = file();
      expect((await download(archiveUrl('team/app', '1.0', '?registry_host=false'), target, { headers: ADMIN })).status).toBe(200);
      expect(memberJson<DockerManifestEntry[]>(await tarMembers(target), 'manifest.json')[0].RepoTags).toEqual(['team/app:1.0']);
    });

    it('decompresses zstd layers', async () => {
      const target = file();
      expect((await download(archiveUrl('team/zstd', '1.0'), target, { headers: ADMIN })).status).toBe(200);
      const out = dir();
      await fromArchive(`docker-archive:${target}`, out);
      await expectSameImage(out, zstd);
    });

    it('is byte-for-byte the same archive when exported again', async () => {
      const again = await download(archiveUrl('team/app', '1.0'), file(), { headers: ADMIN });
      expect(again.sha256).toBe(got.sha256);
    });

    it('stores each layer\'s uncompressed size once it has counted it, and uses the stored size from then on', async () => {
      const db = berth.running.dataSource;
      const digests = app.manifest.layers.map((l) => l.digest);
      const stored = async () => {
        const rows: { digest: string; size: number | null }[] = await db.query('SELECT digest, uncompressed_size::float8 AS size FROM blob WHERE digest = ANY($1::text[])', [digests]);
        return digests.map((d) => rows.find((r) => r.digest === d)?.size ?? null);
      };
      // Pushed, not imported: nobody knew the sizes before the first export counted them (written after the count, so wait a little).
      const expected = app.config.diffIds.map((d) => members.find((m) => m.name === blob(d))!.size);
      const deadline = Date.now() + 5000;
      while (JSON.stringify(await stored()) !== JSON.stringify(expected) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await stored()).toEqual(expected);

      // Trusted, not counted again: a wrong stored size makes the layer's tar header wrong, and the export is cut off.
      await db.query('UPDATE blob SET uncompressed_size = uncompressed_size + 512 WHERE digest = $1', [digests[0]]);
      try {
        const res = await fetch(archiveUrl('team/app', '1.0'), { headers: ADMIN });
        expect(res.status).toBe(200);
        await expect(res.arrayBuffer()).rejects.toThrow();
      } finally {
        await db.query('UPDATE blob SET uncompressed_size = $2 WHERE digest = $1', [digests[0], expected[0]]);
      }
      expect((await download(archiveUrl('team/app', '1.0'), file(), { headers: ADMIN })).sha256).toBe(got.sha256);
    });
  });

  describe('image indexes and platforms', () => {
    it('exports one platform of an index as docker, and says which platforms there are when none is given', async () => {
      const target = file();
      const res = await download(archiveUrl('team/multi', '1.0', '?format=docker&platform=linux/arm64'), target, { headers: ADMIN });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-berth-archive-format')).toBe('docker');
      expect(memberJson<DockerManifestEntry[]>(await tarMembers(target), 'manifest.json')[0].RepoTags).toEqual([`${berth.host}/team/multi:1.0`]);
      const out = dir();
      await fromArchive(`docker-archive:${target}`, out);
      await expectSameImage(out, arm);

      const missing = await download(archiveUrl('team/multi', '1.0', '?format=docker'), file(), { headers: ADMIN });
      expect(missing.status).toBe(409);
      const body = JSON.parse(missing.text!);
      expect(body).toMatchObject({ code: 'CONFLICT', details: { platforms: ['linux/amd64', 'linux/arm64'] } });
      expect(body.message).toContain('platform=');
      expect(body.message).toContain('linux/amd64, linux/arm64');

      const absent = await download(archiveUrl('team/multi', '1.0', '?platform=linux/s390x'), file(), { headers: ADMIN });
      expect(absent.status).toBe(409);
      expect(JSON.parse(absent.text!).message).toContain('no linux/s390x image');
      const malformed = await download(archiveUrl('team/multi', '1.0', '?platform=linux'), file(), { headers: ADMIN });
      expect(malformed.status).toBe(400);
      const wrong = await download(archiveUrl('team/app', '1.0', '?platform=linux/arm64'), file(), { headers: ADMIN });
      expect(wrong.status).toBe(409);
      expect(JSON.parse(wrong.text!).message).toContain('linux/amd64 image, not linux/arm64');
    });

    it('exports a whole index as an OCI layout (the default without a platform), every platform with its blobs as stored, with Content-Length', async () => {
      const target = file();
      const res = await download(archiveUrl('team/multi', '1.0'), target, { headers: ADMIN });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-berth-archive-format')).toBe('oci');
      expect(Number(res.headers.get('content-length'))).toBe(res.bytes);
      const members = await tarMembers(target);
      expect(members.slice(0, 2).map((m) => m.name)).toEqual(['oci-layout', 'index.json']);
      const index = memberJson<OciIndexDoc>(members, 'index.json');
      expect(index.manifests).toEqual([
        {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          digest: multi.digest,
          size: multi.bytes.length,
          annotations: { 'io.containerd.image.name': `${berth.host}/team/multi:1.0`, 'org.opencontainers.image.ref.name': `${berth.host}/team/multi:1.0` },
        },
      ]);
      // Blobs as stored: the index, both manifests, their configs and (compressed) layers, each once.
      const expected = [multi.digest, amd.digest, amd.config.digest, ...amd.manifest.layers.map((l) => l.digest), arm.digest, arm.config.digest, ...arm.manifest.layers.map((l) => l.digest)];
      expect(members.slice(2).map((m) => m.name)).toEqual(expected.map(blob));
      for (const m of members.slice(2)) expect(m.sha256).toBe(`sha256:${m.name.split('/')[2]}`);

      const out = dir();
      await fromArchive(`oci-archive:${target}:${berth.host}/team/multi:1.0`, out, '--all');
      expect(sha256(await fs.readFile(path.join(out, 'manifest.json')))).toBe(multi.digest);
      for (const built of [amd, arm]) await expectSameImage(await childDir(out, built.digest), built);
    });

    it('exports one platform of an index as OCI', async () => {
      const target = file();
      expect((await download(archiveUrl('team/multi', '1.0', '?format=oci&platform=linux/amd64'), target, { headers: ADMIN })).status).toBe(200);
      const members = await tarMembers(target);
      const index = memberJson<OciIndexDoc>(members, 'index.json');
      expect(index.manifests.map((m) => [m.digest, m.platform])).toEqual([[amd.digest, { architecture: 'amd64', os: 'linux' }]]);
      expect(members.some((m) => m.name === blob(arm.digest))).toBe(false);
      const out = dir();
      await fromArchive(`oci-archive:${target}`, out);
      await expectSameImage(out, amd);
    });
  });

  describe('several images in one archive', () => {
    const references = () => ['team/app:1.0', 'team/app:latest', 'team/app2:1.0', 'pub/app:1.0', `team/multi@${multi.digest}`];

    it('POST /exports: one manifest.json entry per image, tags of one image together, shared layers written once; skopeo reads each by name', async () => {
      const target = file('many');
      const res = await download(api('/exports'), target, {
        method: 'POST',
        headers: { ...ADMIN, 'Content-Type': 'application/json' },
        body: JSON.stringify({ references: references(), platform: 'linux/arm64' }),
      });
      // app and app2 are amd64 images: a platform that is not theirs is refused rather than ignored.
      expect(res.status).toBe(409);

      const ok = await download(api('/exports'), target, {
        method: 'POST',
        headers: { ...ADMIN, 'Content-Type': 'application/json' },
        body: JSON.stringify({ references: references().slice(0, 4) }),
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-disposition')).toBe('attachment; filename="berth-export_4-images.tar"');
      const members = await tarMembers(target);
      const manifest = memberJson<DockerManifestEntry[]>(members, 'manifest.json');
      const h = berth.host;
      expect(manifest.map((e) => [e.Config, e.RepoTags])).toEqual([
        [blob(app.config.digest), [`${h}/team/app:1.0`, `${h}/team/app:latest`, `${h}/pub/app:1.0`]],
        [blob(app2.config.digest), [`${h}/team/app2:1.0`]],
      ]);
      const names = members.map((m) => m.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.filter((name) => app2.config.diffIds.map(blob).includes(name))).toHaveLength(3);
      expect(manifest[1].Layers).toEqual(app2.config.diffIds.map(blob));

      for (const [name, image] of [
        [`${h}/team/app:latest`, app],
        [`${h}/pub/app:1.0`, app],
        [`${h}/team/app2:1.0`, app2],
      ] as const) {
        const out = dir();
        await fromArchive(`docker-archive:${target}:${name}`, out);
        await expectSameImage(out, image);
      }
      // By position too (skopeo's @N), for untagged entries.
      const out = dir();
      await fromArchive(`docker-archive:${target}:@1`, out);
      await expectSameImage(out, app2);
    });

    it('GET /exports?ref=…&ref=… gives the same archive, for a browser download link; OCI holds every image in one index', async () => {
      const body = { references: references().slice(0, 4) };
      const posted = await download(api('/exports'), file(), { method: 'POST', headers: { ...ADMIN, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const query = body.references.map((r) => `ref=${encodeURIComponent(r)}`).join('&');
      const linked = await download(api(`/exports?${query}`), file(), { headers: ADMIN });
      expect(linked.status).toBe(200);
      expect(linked.sha256).toBe(posted.sha256);

      const target = file();
      const oci = await download(api(`/exports?${query}&ref=${encodeURIComponent(`team/multi@${multi.digest}`)}&format=oci`), target, { headers: ADMIN });
      expect(oci.status).toBe(200);
      const index = memberJson<OciIndexDoc>(await tarMembers(target), 'index.json');
      expect(index.manifests.map((m) => [m.digest, m.annotations?.['org.opencontainers.image.ref.name'] ?? null])).toEqual([
        [app.digest, `${berth.host}/team/app:1.0`],
        [app.digest, `${berth.host}/team/app:latest`],
        [app.digest, `${berth.host}/pub/app:1.0`],
        [app2.digest, `${berth.host}/team/app2:1.0`],
        [multi.digest, null],
      ]);
      const out = dir();
      await fromArchive(`oci-archive:${target}:${berth.host}/team/app2:1.0`, out);
      await expectSameImage(out, app2);
    });

    it('refuses bad references before sending anything', async () => {
      const post = (references: unknown) =>
        fetch(api('/exports'), { method: 'POST', headers: { ...ADMIN, 'Content-Type': 'application/json' }, body: JSON.stringify({ references }) });
      expect((await post([])).status).toBe(400);
      expect((await post(['team/app'])).status).toBe(400); // no tag or digest
      expect((await post(['app:1.0'])).status).toBe(400); // no project
      expect((await post(['team/app:nope'])).status).toBe(404);
      expect((await post(['team/app:1.0', 'team/none:1.0'])).status).toBe(404);
      // This Berth's own host may lead the reference.
      const own = await post([`${berth.host}/team/app:1.0`]);
      expect(own.status).toBe(200);
      await own.arrayBuffer();
    });
  });

  describe('permissions', () => {

    it('hides private projects from outsiders and anonymous callers (404, nothing sent), lets a guest export, and anyone export a public project', async () => {
      const outsider = await download(archiveUrl('team/app', '1.0'), file(), { headers: as('olga', 'olga-password-1') });
      expect(outsider.status).toBe(404);
      expect(JSON.parse(outsider.text!)).toMatchObject({ code: 'NOT_FOUND', message: 'project "team" not found' });
      expect((await download(archiveUrl('team/app', '1.0'), file())).status).toBe(404);

      const guest = await download(archiveUrl('team/app', '1.0'), file(), { headers: as('gus', 'gus-password-1') });
      expect(guest.status).toBe(200);
      const anonymous = file();
      expect((await download(archiveUrl('pub/app', '1.0'), anonymous)).status).toBe(200);
      expect(memberJson<DockerManifestEntry[]>(await tarMembers(anonymous), 'manifest.json')[0].RepoTags).toEqual([`${berth.host}/pub/app:1.0`]);

      // Every reference is checked before the first byte: one hidden one fails the whole archive.
      const mixed = await download(api(`/exports?ref=pub/app:1.0&ref=team/app:1.0`), file(), { headers: as('olga', 'olga-password-1') });
      expect(mixed.status).toBe(404);
      expect(mixed.headers.get('content-type')).toMatch(/^application\/json/);
      const wrongPassword = await download(archiveUrl('pub/app', '1.0'), file(), { headers: as('gus', 'not-the-password') });
      expect(wrongPassword.status).toBe(401);
    });
  });

  describe('records', () => {
    it('counts an export as a pull of the tag, the manifest and an index child, and records artifact.export with the references', async () => {
      const current = async () => [await pullCounts('team/app2', app2.digest), await pullCounts('team/multi', multi.digest), await pullCounts('team/multi', arm.digest), await pullCounts('team/multi', amd.digest)];
      const settle = async (expected: number[]) => {
        const deadline = Date.now() + 5000;
        for (;;) {
          const counts = await current();
          if (JSON.stringify(counts) === JSON.stringify(expected) || Date.now() > deadline) return counts;
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      // Pulls of earlier tests are flushed every 100 ms.
      await new Promise((r) => setTimeout(r, 300));
      const before = await current();
      const [tagBefore] = await berth.running.dataSource.query(`SELECT t.pull_count::int AS n FROM tag t JOIN repository r ON r.id = t.repository_id WHERE r.name = 'team/app2' AND t.name = '1.0'`);
      expect((await download(archiveUrl('team/app2', '1.0'), file(), { headers: ADMIN })).status).toBe(200);
      expect((await download(archiveUrl('team/multi', '1.0', '?platform=linux/arm64'), file(), { headers: ADMIN })).status).toBe(200);
      const expected = [before[0] + 1, before[1] + 1, before[2] + 1, before[3]];
      expect(await settle(expected)).toEqual(expected);
      const [tagAfter] = await berth.running.dataSource.query(`SELECT t.pull_count::int AS n FROM tag t JOIN repository r ON r.id = t.repository_id WHERE r.name = 'team/app2' AND t.name = '1.0'`);
      expect(tagAfter.n).toBe(tagBefore.n + 1);

      const events = await auditEvents();
      const single = events.find((e) => e.resource === 'team/app2:1.0');
      expect(single).toMatchObject({ actor: 'admin', project: 'team', success: true, details: { references: ['team/app2:1.0'], format: 'docker' } });
      expect(single!.details.bytes).toBeGreaterThan(0);
      expect(events.find((e) => e.resource === 'team/multi:1.0' && e.details.platform === 'linux/arm64')).toBeDefined();
      expect(events.filter((e) => e.actor === 'olga')).toEqual([]);

      // An archive of two projects is recorded in each project's log, with that project's references.
      const both = await download(api('/exports?ref=team/app2:1.0&ref=pub/app:1.0&registry_host=false'), file(), { headers: as('gus', 'gus-password-1') });
      expect(both.status).toBe(200);
      const recorded = (await auditEvents()).filter((e) => e.actor === 'gus' && e.details.archiveReferences === 2);
      expect(recorded.map((e) => [e.project, e.resource, e.details.references, e.success]).sort()).toEqual([
        ['pub', 'pub/app:1.0', ['pub/app:1.0'], true],
        ['team', 'team/app2:1.0', ['team/app2:1.0'], true],
      ]);
    });
  });

  describe('a client that goes away', () => {
    let heavy: LayeredImage;

    beforeAll(async () => {
      // Incompressible, larger than the socket buffers: the server is mid-layer, waiting on the socket, when the client leaves.
      const layout = path.join(work, 'heavy');
      await initLayout(layout);
      heavy = await buildLayeredImage(layout, { ref: 'heavy', architecture: 'amd64', layers: [{ 'opt/heavy.bin': randomBytes(24 * 1024 * 1024), 'etc/heavy': 'heavy\n' }] });
      await push(`oci:${layout}:heavy`, 'team/heavy:1.0');
    }, 120_000);

    it('stops the export: the server keeps answering, no storage file stays open, the audit says it did not complete', async () => {
      const storage = path.resolve(berth.storageDir);
      const idle = await openFilesUnder(storage);
      for (let round = 0; round < 3; round++) {
        const controller = new AbortController();
        const res = await fetch(archiveUrl('team/heavy', '1.0', round === 2 ? '?format=oci' : ''), { headers: ADMIN, signal: controller.signal });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        await reader.read();
        // The server holds the layer open while it waits for this client.
        expect((await openFilesUnder(storage)).length).toBeGreaterThan(idle.length);
        controller.abort();
        await reader.read().catch(() => undefined);
      }
      // A HEAD is answered without reading storage.
      const head = await fetch(archiveUrl('team/heavy', '1.0'), { method: 'HEAD', headers: ADMIN });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-disposition')).toBe('attachment; filename="team_heavy_1.0.tar"');

      const deadline = Date.now() + 5000;
      while ((await openFilesUnder(storage)).length > idle.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await openFilesUnder(storage)).toEqual(idle);
      const target = file();
      const again = await download(archiveUrl('team/heavy', '1.0'), target, { headers: ADMIN });
      expect(again.status).toBe(200);
      const out = dir();
      await fromArchive(`docker-archive:${target}`, out);
      await expectSameImage(out, heavy);
      const events = (await auditEvents()).filter((e) => e.resource === 'team/heavy:1.0');
      expect(events.map((e) => [e.success, e.details.error ?? null])).toEqual([
        [true, null],
        ...Array.from({ length: 3 }, () => [false, 'the client disconnected before the end']),
      ]);
    });
  });

  describe('other kinds of artifacts', () => {
    it('exports a Docker schema 2 image (docker media types) like an OCI one', async () => {
      await push(`oci:${path.join(work, 'source')}:app2`, 'team/schema2:1.0', '--format', 'v2s2');
      const target = file();
      expect((await download(archiveUrl('team/schema2', '1.0'), target, { headers: ADMIN })).status).toBe(200);
      const out = dir();
      await fromArchive(`docker-archive:${target}`, out);
      await expectSameImage(out, app2);
    });

    it('exports a non-image artifact (a Helm chart) as OCI by default, and refuses it as docker', async () => {
      const registry = new RegistryClient(berth.url);
      const config = await registry.pushBlob('team/chart', JSON.stringify({ name: 'chart', version: '0.1.0' }), 'application/vnd.cncf.helm.config.v1+json');
      const chart = await registry.pushBlob('team/chart', randomBytes(512), 'application/vnd.cncf.helm.chart.content.v1.tar+gzip');
      const pushed = await registry.pushManifest('team/chart', '0.1.0', ociImage({ config, layers: [chart] }));

      const target = file();
      const res = await download(archiveUrl('team/chart', '0.1.0'), target, { headers: ADMIN });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-berth-archive-format')).toBe('oci');
      const members = await tarMembers(target);
      expect(members.map((m) => m.name)).toEqual(['oci-layout', 'index.json', blob(pushed.digest), blob(config.digest), blob(chart.digest)]);
      expect(memberJson<OciIndexDoc>(members, 'index.json').manifests.map((m) => m.digest)).toEqual([pushed.digest]);

      const refused = await download(archiveUrl('team/chart', '0.1.0', '?format=docker'), file(), { headers: ADMIN });
      expect(refused.status).toBe(409);
      expect(JSON.parse(refused.text!).message).toBe('team/chart:0.1.0 is not a container image (its config is application/vnd.cncf.helm.config.v1+json); export it with format=oci');
    });
  });

  describe('storage that fails the export', () => {
    let lost: LayeredImage;
    let corrupt: LayeredImage;
    const stored = (digest: string) => path.join(berth.storageDir, 'blobs', 'sha256', hexOf(digest).slice(0, 2), hexOf(digest), 'data');

    beforeAll(async () => {
      const layout = path.join(work, 'broken');
      await initLayout(layout);
      lost = await buildLayeredImage(layout, { ref: 'lost', architecture: 'amd64', layers: [{ 'etc/lost': 'a layer storage will lose\n' }] });
      corrupt = await buildLayeredImage(layout, { ref: 'corrupt', architecture: 'amd64', layers: [{ 'etc/corrupt': 'x'.repeat(300_000) }] });
      await push(`oci:${layout}:lost`, 'team/lost:1.0');
      await push(`oci:${layout}:corrupt`, 'team/corrupt:1.0');
    }, 120_000);

    it('a blob missing from storage is a 409 before any byte, naming it', async () => {
      await fs.rm(stored(lost.manifest.layers[0].digest));
      for (const format of ['docker', 'oci']) {
        const res = await download(archiveUrl('team/lost', '1.0', `?format=${format}`), file(), { headers: ADMIN });
        expect(res.status).toBe(409);
        expect(JSON.parse(res.text!).message).toBe(`layer 1 of team/lost:1.0 ${lost.manifest.layers[0].digest} is recorded but missing from storage`);
      }
    });

    it('a layer that cannot be inflated cuts the download short (never a complete-looking archive), and the audit says so', async () => {
      // Same size, garbage in the middle of the deflate stream: found only while streaming.
      const file_ = stored(corrupt.manifest.layers[0].digest);
      const bytes = await fs.readFile(file_);
      bytes.fill(0x55, 100, bytes.length - 100);
      await fs.writeFile(file_, bytes);
      const res = await fetch(archiveUrl('team/corrupt', '1.0'), { headers: ADMIN });
      expect(res.status).toBe(200);
      await expect(res.arrayBuffer()).rejects.toThrow();
      const failed = (await auditEvents()).filter((e) => e.resource === 'team/corrupt:1.0');
      expect(failed.map((e) => [e.success, e.details.error])).toEqual([[false, 'the archive could not be completed']]);
      // The server goes on serving.
      expect((await download(archiveUrl('team/app', '1.0'), file(), { headers: ADMIN })).status).toBe(200);
    });
  });

  /** skopeo's dir: for an index with --all keeps child manifests as <hex>.manifest.json beside the index's manifest.json. */
  async function childDir(out: string, digest: string): Promise<string> {
    const child = path.join(work, `child-${hexOf(digest).slice(0, 12)}-${++n}`);
    await fs.mkdir(child);
    await fs.copyFile(path.join(out, `${hexOf(digest)}.manifest.json`), path.join(child, 'manifest.json'));
    for (const name of await fs.readdir(out)) if (/^[0-9a-f]{64}$/.test(name)) await fs.symlink(path.join(out, name), path.join(child, name));
    return child;
  }
});
