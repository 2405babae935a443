import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ArchiveError, buildImportPlan, MediaTypes } from '@berth/oci';
import { InMemoryDriver } from '@berth/storage';
import { ArchiveReader } from './import-reader';
import { MemberStager } from './import-stager';

/** The reader and the planner over the hand-built fixtures (scripts/make-archive-fixtures.mjs), on an in-memory driver. */
describe('ArchiveReader + buildImportPlan', () => {
  let dir: string;
  const fixture = (name: string) => fs.readFileSync(path.join(dir, name));

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-archive-spec-'));
    execFileSync(process.execPath, [path.join(__dirname, '../../../../scripts/make-archive-fixtures.mjs'), dir]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Streams `bytes` in small chunks (so headers and members straddle chunk boundaries) through the reader. */
  async function read(bytes: Buffer, chunk = 1000) {
    const storage = new InMemoryDriver();
    const stager = new MemberStager(storage, '/imports/test');
    const reader = new ArchiveReader(stager);
    const chunks = Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk));
    const result = await reader.read(Readable.from(chunks));
    return { ...result, storage, stager, reader };
  }
  const failure = async (bytes: Buffer): Promise<ArchiveError> => {
    try {
      const { contents } = await read(bytes);
      buildImportPlan(contents);
    } catch (err) {
      expect(err).toBeInstanceOf(ArchiveError);
      return err as ArchiveError;
    }
    throw new Error('the archive was accepted');
  };

  it('plans a classic docker save: two images, a linked layer, tags from RepoTags, layers gzip-compressed', async () => {
    const { contents, stager, storage, reader } = await read(fixture('classic.tar'));
    expect(reader.bytesRead).toBe(fixture('classic.tar').length);
    const plan = buildImportPlan(contents);
    const facts = JSON.parse(fixture('fixtures.json').toString())['classic.tar'];
    expect(plan.format).toBe('docker-classic');
    expect(plan.images.map((i) => i.sourceNames)).toEqual([['fixture/classic:1.0'], ['fixture/tools:1.0', 'fixture/tools:latest']]);
    expect(plan.images.map((i) => [i.kind, i.mediaType, i.platforms, i.layers])).toEqual([
      ['image', MediaTypes.DockerManifest, ['linux/amd64'], 2],
      ['image', MediaTypes.DockerManifest, ['linux/amd64'], 2],
    ]);
    // three distinct layers (the base shared through a symlink) and two configs
    expect(plan.blobs.filter((b) => b.role === 'layer')).toHaveLength(3);
    expect(plan.blobs.filter((b) => b.role === 'config').map((b) => b.digest)).toEqual(facts.map((f: { config: string }) => f.config));
    for (const blob of plan.blobs) {
      const bytes = await storage.getContent(stager.staged.get(blob.member)!);
      expect(require('node:crypto').createHash('sha256').update(bytes).digest('hex')).toBe(blob.digest.slice(7));
      if (blob.role === 'layer') expect(zlib.gunzipSync(bytes).subarray(257, 262).toString()).toBe('ustar');
    }
    const manifest = JSON.parse(plan.manifests[0].body.toString());
    expect(manifest.config.digest).toBe(facts[0].config);
    expect(manifest.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual([MediaTypes.DockerLayer, MediaTypes.DockerLayer]);
  });

  it('plans a Docker 25+ archive through manifest.json, keeping the gzip layer as it is', async () => {
    const plan = buildImportPlan((await read(fixture('hybrid.tar'))).contents);
    expect(plan.format).toBe('docker-hybrid');
    expect(plan.images.map((i) => i.sourceNames)).toEqual([['fixture/hybrid:2.0']]);
    expect(plan.blobs.filter((b) => b.role === 'layer').map((b) => b.compressed)).toEqual([true, false]);
  });

  it('rewrites an OCI manifest whose layer was an uncompressed tar, and says so', async () => {
    const plan = buildImportPlan((await read(fixture('oci-plain.tar'))).contents);
    const facts = JSON.parse(fixture('fixtures.json').toString())['oci-plain.tar'][0];
    expect(plan.format).toBe('oci');
    expect(plan.images[0].sourceNames).toEqual([]);
    expect(plan.images[0].rewrittenFrom).toBe(facts.manifest);
    expect(plan.images[0].digest).not.toBe(facts.manifest);
    const manifest = JSON.parse(plan.manifests[0].body.toString());
    expect(manifest.layers[0].mediaType).toBe(MediaTypes.OciLayerGzip);
    expect(plan.notes).toEqual([expect.stringContaining(`manifest ${facts.manifest} was rewritten`)]);
  });

  it('reads gzip and zstd around the tar', async () => {
    const gz = await read(zlib.gzipSync(fixture('classic.tar')));
    expect(gz.wrapping).toBe('gzip');
    expect(buildImportPlan(gz.contents).images).toHaveLength(2);
    const zst = execFileSync('zstd', ['-q', '-c'], { input: fixture('classic.tar') });
    const z = await read(zst);
    expect(z.wrapping).toBe('zstd');
    expect(buildImportPlan(z.contents).images).toHaveLength(2);
  });

  it.each([
    ['bad-absolute.tar', 'unsafe-name', 'member "/manifest.json" is an absolute path (path traversal)'],
    ['bad-traversal.tar', 'unsafe-name', 'contains ".." (path traversal)'],
    ['bad-symlink.tar', 'unsafe-name', 'is a symbolic link to "../../../../etc/passwd", outside the archive (path traversal)'],
    ['bad-hardlink.tar', 'link', 'is a hard link; only <id>/layer.tar of a docker save archive may link to another layer'],
    ['bad-device.tar', 'unsafe-name', 'member "dev-null" is a character device'],
    ['bad-duplicate.tar', 'duplicate', 'member "manifest.json" appears twice in the archive'],
    ['bad-missing-blob.tar', 'missing-blob', 'missing blob: layer 1 of image 1 of manifest.json names'],
    ['bad-digest.tar', 'digest-mismatch', 'digest mismatch: "blobs/sha256/'],
    ['bad-diffids.tar', 'diff-ids-mismatch', 'diff_ids mismatch: layer 1 of image 1 of manifest.json'],
    ['bad-nested-config.tar', 'nested-archive', 'archive of archives: the config of image 1 of manifest.json should be a JSON document'],
    ['bad-inner-archive.tar', 'nested-archive', 'archive of archives: member "classic.tar" is itself a tar archive'],
    ['bad-no-manifest.tar', 'no-index', 'the archive has no manifest.json or index.json'],
  ])('refuses %s (%s)', async (name, problem, message) => {
    const err = await failure(fixture(name));
    expect([err.problem, err.message]).toEqual([problem, expect.stringContaining(message)]);
  });

  it('refuses a truncated archive, a truncated gzip, a text file and an archive compressed twice', async () => {
    const classic = fixture('classic.tar');
    expect((await failure(classic.subarray(0, 5000))).message).toMatch(/^the archive is truncated: it ends inside member "[0-9a-f]{64}\/layer\.tar"$/);
    expect((await failure(zlib.gzipSync(classic).subarray(0, 900))).message).toBe('the archive is truncated: its gzip stream ends early');
    expect((await failure(Buffer.from('hello, this is not an archive at all'.repeat(20)))).message).toBe(
      'not a tar archive: the upload starts with "hello, this is n", not a tar header',
    );
    expect((await failure(Buffer.alloc(0))).message).toBe('the upload is empty');
    expect((await failure(zlib.gzipSync(zlib.gzipSync(classic)))).message).toMatch(/^archive of archives: the upload is gzip around a gzip-compressed stream, compressed twice/);
  });
});
