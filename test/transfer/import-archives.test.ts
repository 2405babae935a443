/**
 * Archive import with real archives: images built by umoci, turned into archives by skopeo
 * (docker-archive, oci-archive, a two-platform index with --all), plain and gzip/zstd-wrapped, and the
 * hand-built classic and Docker 25+ archives of scripts/make-archive-fixtures.mjs. Each is imported,
 * pulled back with skopeo, and compared: config digests, layers' uncompressed digests (the diff IDs),
 * the files in the layers, and the tags in the registry.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createProject } from '../support/access';
import { addImageIndex, buildImage, BuiltImage, BuiltIndex, initLayout, requireCommands, sha256, skopeo } from '../support/images';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';
import { ADMIN, api, importArchive, pull, PulledImage, registryCounts, stagingLeft } from './import-client';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';

describe('archive import of real archives', () => {
  let berth: TestBerth;
  let work: string;
  let source: string;
  let amd: BuiltImage;
  let arm: BuiltImage;
  let multi: BuiltIndex;
  let fixtures: string;
  let facts: Record<string, { config: string; diffIds: string[]; files: Record<string, string>; tags: string[]; manifest?: string }[]>;
  let pulls = 0;

  const file = (name: string) => path.join(work, name);
  const read = (name: string) => fs.readFile(file(name));
  const fixture = (name: string) => fs.readFile(path.join(fixtures, name));
  const pullTo = (reference: string, ...flags: string[]) => pull(berth, reference, file(`pulled-${++pulls}`), ...flags);
  const rawDigest = async (reference: string) =>
    sha256((await skopeo(['inspect', '--raw', '--tls-verify=false', '--creds', `admin:${TEST_ADMIN_PASSWORD}`, `docker://${berth.host}/${reference}`])).stdout);
  const tagsOf = async (repository: string) => {
    const res = await api(berth, 'GET', `/projects/${repository.split('/')[0]}/repositories/${repository.split('/').slice(1).join('/')}/-/tags?sort=name`);
    expect(res.status).toBe(200);
    return res.body.items.map((t: { name: string; digest: string }) => [t.name, t.digest]);
  };

  /** What the import stored as each layer's uncompressed size (so exports need not inflate to learn it). */
  const storedUncompressedSizes = async (pulled: PulledImage) => {
    const rows: { digest: string; size: number | null }[] = await berth.running.dataSource.query(
      `SELECT digest, uncompressed_size::float8 AS size FROM blob WHERE digest = ANY($1::text[])`,
      [pulled.manifest.layers.map((l) => l.digest)],
    );
    return pulled.manifest.layers.map((l) => rows.find((r) => r.digest === l.digest)?.size);
  };

  /** The pulled image is the built one: same config, same layer contents (diff IDs), and its file is there. */
  function expectSameImage(pulled: Awaited<ReturnType<typeof pull>>, built: BuiltImage): void {
    expect(pulled.manifest.config.digest).toBe(built.manifest.config.digest);
    expect(pulled.diffIds).toEqual(pulled.config.rootfs.diff_ids);
    expect(pulled.files.get(built.file.path)).toBe(built.file.content);
    expect([pulled.config.os, pulled.config.architecture]).toEqual(['linux', built.platform.architecture]);
  }

  beforeAll(async () => {
    await requireCommands({ skopeo: 'skopeo', umoci: 'umoci', zstd: 'zstd' });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-import-'));
    source = file('source');
    await initLayout(source);
    const spec = (architecture: string) => ({
      ref: architecture,
      architecture,
      filePath: 'etc/berth-platform',
      fileContent: `imported for linux/${architecture}\n`,
      cmd: ['/bin/sh', '-c', 'cat /etc/berth-platform'],
    });
    amd = await buildImage(source, spec('amd64'));
    arm = await buildImage(source, spec('arm64'));
    multi = await addImageIndex(source, 'multi', [amd, arm]);
    await skopeo(['copy', `oci:${source}:amd64`, `docker-archive:${file('docker.tar')}:imp/app:1.0`]);
    await skopeo(['copy', `oci:${source}:amd64`, `oci-archive:${file('oci.tar')}:imp/oci:1.0`]);
    await skopeo(['copy', '--all', `oci:${source}:multi`, `oci-archive:${file('multi.tar')}:imp/multi:1.0`]);
    fixtures = file('fixtures');
    execFileSync(process.execPath, [path.join(__dirname, '../../scripts/make-archive-fixtures.mjs'), fixtures]);
    facts = JSON.parse(await fs.readFile(path.join(fixtures, 'fixtures.json'), 'utf8'));
    berth = await startTestBerth();
    await createProject(berth, 'imp');
    await createProject(berth, 'fixture');
  }, 120_000);

  afterAll(async () => {
    await berth?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  afterEach(async () => {
    expect(await stagingLeft(berth)).toEqual([]);
  });

  it('imports a docker-archive written by skopeo as a Docker schema 2 image with gzip layers', async () => {
    const archive = await read('docker.tar');
    const job = await importArchive(berth, 'imp', archive);
    expect(job).toMatchObject({
      status: 'succeeded',
      project: 'imp',
      createdBy: 'admin',
      format: 'docker-classic',
      compression: 'none',
      bytesRead: archive.length,
      bytesTotal: archive.length,
      imagesTotal: 1,
      imagesDone: 1,
      layersTotal: 1,
      layersDone: 1,
      error: null,
    });
    expect(job.images).toEqual([
      expect.objectContaining({ index: 0, kind: 'image', mediaType: DOCKER_MANIFEST, sourceNames: ['docker.io/imp/app:1.0'], targets: [{ repository: 'imp/app', tag: '1.0' }], platforms: ['linux/amd64'], layers: 1 }),
    ]);
    expect(job.result.tags).toEqual([{ repository: 'imp/app', tag: '1.0', digest: job.images[0].digest, mediaType: DOCKER_MANIFEST }]);
    expect(await tagsOf('imp/app')).toEqual([['1.0', job.images[0].digest]]);

    const pulled = await pullTo('imp/app:1.0');
    expect(pulled.manifest.mediaType).toBe(DOCKER_MANIFEST);
    expect(pulled.manifest.layers.map((l) => l.mediaType)).toEqual([DOCKER_LAYER]);
    expectSameImage(pulled, amd);
    expect(await rawDigest('imp/app:1.0')).toBe(job.images[0].digest);
    expect(await storedUncompressedSizes(pulled)).toEqual(pulled.uncompressedSizes);
  });

  it('imports the same docker-archive wrapped in gzip, and again in zstd, to the same digest (the layer compresses the same)', async () => {
    const archive = await read('docker.tar');
    const before = await registryCounts(berth);
    const gz = await importArchive(berth, 'imp', zlib.gzipSync(archive));
    expect([gz.status, gz.compression, gz.bytesRead]).toEqual(['succeeded', 'gzip', zlib.gzipSync(archive).length]);
    const zst = await importArchive(berth, 'imp', execFileSync('zstd', ['-q', '-c', '-19'], { input: archive }), { contentType: 'application/zstd' });
    expect([zst.status, zst.compression]).toEqual(['succeeded', 'zstd']);
    expect(gz.images[0].digest).toBe(zst.images[0].digest);
    expect(await registryCounts(berth)).toEqual(before);
    expectSameImage(await pullTo('imp/app:1.0'), amd);
  });

  it('imports an oci-archive keeping the manifest byte for byte (its layers are compressed already)', async () => {
    const job = await importArchive(berth, 'imp', await read('oci.tar'));
    expect(job).toMatchObject({ status: 'succeeded', format: 'oci', compression: 'none' });
    expect(job.images[0]).toMatchObject({ digest: amd.digest, rewrittenFrom: null, mediaType: OCI_MANIFEST, sourceNames: ['imp/oci:1.0'], targets: [{ repository: 'imp/oci', tag: '1.0' }] });
    expect(await rawDigest('imp/oci:1.0')).toBe(amd.digest);
    const pulled = await pullTo('imp/oci:1.0');
    expect(pulled.manifest.layers.map((l) => l.digest)).toEqual(amd.manifest.layers.map((l) => l.digest));
    expectSameImage(pulled, amd);
    // A gzip layer kept as it came: its size was learnt by the decompressor that checked its diff ID.
    expect(await storedUncompressedSizes(pulled)).toEqual(pulled.uncompressedSizes);
  });

  it('imports a zstd-wrapped two-platform oci-archive (skopeo copy --all) as the same index, each platform intact', async () => {
    const archive = execFileSync('zstd', ['-q', '-c'], { input: await read('multi.tar') });
    const job = await importArchive(berth, 'imp', archive);
    expect(job).toMatchObject({ status: 'succeeded', format: 'oci', compression: 'zstd', imagesTotal: 1, imagesDone: 1, layersTotal: 2, layersDone: 2 });
    expect(job.images[0]).toMatchObject({ kind: 'index', mediaType: OCI_INDEX, digest: multi.digest, platforms: ['linux/amd64', 'linux/arm64'], layers: 2 });
    expect(await rawDigest('imp/multi:1.0')).toBe(multi.digest);
    expectSameImage(await pullTo('imp/multi:1.0', '--override-arch', 'amd64'), amd);
    expectSameImage(await pullTo('imp/multi:1.0', '--override-arch', 'arm64'), arm);
    // the children are stored (untagged) in the repository, as after a push with --all
    const children = await berth.running.dataSource.query(
      `SELECT m.digest FROM manifest m JOIN repository r ON r.id = m.repository_id WHERE r.name = 'imp/multi' ORDER BY m.digest`,
    );
    expect(children.map((r: { digest: string }) => r.digest)).toEqual([amd.digest, arm.digest, multi.digest].sort());
  });

  it('imports the hand-built classic docker save: two images, three tags, a layer shared through a symlink', async () => {
    const archive = await fixture('classic.tar');
    const job = await importArchive(berth, 'fixture', archive);
    expect(job).toMatchObject({ status: 'succeeded', format: 'docker-classic', imagesTotal: 2, imagesDone: 2, layersTotal: 3, layersDone: 3 });
    expect(job.images.map((i: { targets: unknown }) => i.targets)).toEqual([
      [{ repository: 'fixture/classic', tag: '1.0' }],
      [
        { repository: 'fixture/tools', tag: '1.0' },
        { repository: 'fixture/tools', tag: 'latest' },
      ],
    ]);
    expect(job.result.tags.map((t: { repository: string; tag: string }) => `${t.repository}:${t.tag}`)).toEqual(['fixture/classic:1.0', 'fixture/tools:1.0', 'fixture/tools:latest']);
    for (const [i, reference] of ['fixture/classic:1.0', 'fixture/tools:latest'].entries()) {
      const pulled = await pullTo(reference);
      const expected = facts['classic.tar'][i];
      expect(pulled.manifest.config.digest).toBe(expected.config);
      expect(pulled.diffIds).toEqual(expected.diffIds);
      expect(Object.fromEntries(pulled.files)).toEqual(expected.files);
    }
    // A second import of the same archive finds everything in place: same digests, nothing new.
    const before = await registryCounts(berth);
    const again = await importArchive(berth, 'fixture', archive);
    expect(again.images.map((i: { digest: string }) => i.digest)).toEqual(job.images.map((i: { digest: string }) => i.digest));
    expect(await registryCounts(berth)).toEqual(before);
  });

  it('imports the hand-built Docker 25+ archive through manifest.json, with one tar and one gzip layer', async () => {
    const job = await importArchive(berth, 'fixture', await fixture('hybrid.tar'));
    expect(job).toMatchObject({ status: 'succeeded', format: 'docker-hybrid', layersTotal: 2 });
    expect(job.images[0]).toMatchObject({ mediaType: DOCKER_MANIFEST, sourceNames: ['fixture/hybrid:2.0'], targets: [{ repository: 'fixture/hybrid', tag: '2.0' }] });
    const pulled = await pullTo('fixture/hybrid:2.0');
    const expected = facts['hybrid.tar'][0];
    expect(pulled.manifest.config.digest).toBe(expected.config);
    expect(pulled.diffIds).toEqual(expected.diffIds);
    expect(Object.fromEntries(pulled.files)).toEqual(expected.files);
  });

  it('compresses the uncompressed layer of an OCI layout, rewrites the manifest and says so', async () => {
    const job = await importArchive(berth, 'fixture', await fixture('oci-plain.tar'), { query: { repository: 'plain', tag: 'v1' } });
    const expected = facts['oci-plain.tar'][0];
    expect(job.status).toBe('succeeded');
    expect(job.images[0]).toMatchObject({ sourceNames: [], targets: [{ repository: 'fixture/plain', tag: 'v1' }], rewrittenFrom: expected.manifest });
    expect(job.images[0].digest).not.toBe(expected.manifest);
    expect(job.result.notes).toEqual([`manifest ${expected.manifest} was rewritten as ${job.images[0].digest}: its uncompressed layers are stored gzip-compressed, so its digest changed`]);
    const pulled = await pullTo('fixture/plain:v1');
    expect(pulled.manifest.layers.map((l) => l.mediaType)).toEqual([OCI_LAYER_GZIP]);
    expect(pulled.manifest.config.digest).toBe(expected.config);
    expect(pulled.diffIds).toEqual(expected.diffIds);
    expect(Object.fromEntries(pulled.files)).toEqual(expected.files);
  });

  it('records an archive.import audit event with the tags written', async () => {
    const res = await api(berth, 'GET', '/projects/imp/audit?action=archive.import', undefined, ADMIN);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeGreaterThanOrEqual(4);
    expect(res.body.items[res.body.items.length - 1]).toMatchObject({
      actor: 'admin',
      action: 'archive.import',
      resource: 'project imp',
      success: true,
      details: { format: 'docker-classic', tags: ['imp/app:1.0'] },
    });
  });
});
