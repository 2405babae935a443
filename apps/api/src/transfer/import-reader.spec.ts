import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ArchiveError, buildImportPlan, MediaTypes } from '@berth/oci';
import { InMemoryDriver } from '@berth/storage';
import { tarHeader, ZERO_LAYER } from '../../../../test/support/tar';
import { ArchiveLimits, ArchiveReader, BOMB_GUARD_AFTER_BYTES, MAX_DECOMPRESSION_RATIO } from './import-reader';
import { MemberStager } from './import-stager';

/** The hand-built fixtures (scripts/make-archive-fixtures.mjs), made once for the whole file. */
let dir: string;
const fixture = (name: string) => fs.readFileSync(path.join(dir, name));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-archive-spec-'));
  execFileSync(process.execPath, [path.join(__dirname, '../../../../scripts/make-archive-fixtures.mjs'), dir]);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The reader and the planner over the fixtures, on an in-memory driver. */
describe('ArchiveReader + buildImportPlan', () => {
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

/** What an upload may unpack to: the decompression bomb guard, BERTH_IMPORT_MAX_BYTES and BERTH_UPLOAD_MAX_BYTES, with small numbers. */
describe('ArchiveReader limits', () => {
  const MiB = 1024 * 1024;

  /** A tar whose one member, ZERO_LAYER, is `size` zero bytes (a multiple of 512). */
  function zeroTar(size: number): Buffer {
    return Buffer.concat([tarHeader(ZERO_LAYER, size), Buffer.alloc(size + 1024)]);
  }

  /** Streams `body` (whole, in 1000-byte chunks, or a stream) through a reader with `limits`, watching what is staged. */
  async function read(body: Buffer | Readable, limits: ArchiveLimits) {
    const storage = new InMemoryDriver();
    const stager = new MemberStager(storage, '/imports/test');
    const staged = jest.spyOn(stager, 'stageBlob');
    const reader = new ArchiveReader(stager, undefined, limits);
    const source = Buffer.isBuffer(body) ? Readable.from(Array.from({ length: Math.ceil(body.length / 1000) }, (_, i) => body.subarray(i * 1000, (i + 1) * 1000))) : body;
    const outcome = await reader.read(source).then(
      (read) => ({ read, error: undefined }),
      (error: unknown) => ({ read: undefined, error: error as ArchiveError }),
    );
    if (outcome.error && !(outcome.error instanceof ArchiveError)) throw outcome.error;
    return { ...outcome, reader, staged: staged.mock.calls.map(([name]) => name) };
  }

  /** A body that sends `first` and then nothing more, without ending: an answer proves nothing further was waited for. */
  function stalled(first: Buffer): Readable {
    const body = new Readable({ read: () => undefined });
    body.push(first);
    return body;
  }

  it('exports the guard at 100:1 past 1 GiB', () => {
    expect([BOMB_GUARD_AFTER_BYTES, MAX_DECOMPRESSION_RATIO]).toEqual([1024 ** 3, 100]);
  });

  it('refuses a gzip or zstd of zeros once past the floor, at the first chunk over the ratio', async () => {
    const tar = zeroTar(8 * MiB);
    const gz = zlib.gzipSync(tar);
    const { error, reader } = await read(gz, { bombGuardAfterBytes: MiB, maxRatio: 100 });
    expect([error?.problem, error?.message]).toEqual([
      'too-large',
      expect.stringMatching(/^the archive unpacks to more than 100 times its compressed size \(1\.\d MiB from \d+(\.\d KiB| B) so far\): refusing a likely decompression bomb; if it is a real image archive, upload the tar uncompressed$/),
    ]);
    expect(reader.unpackedBytes).toBeLessThan(2 * MiB);
    const zst = execFileSync('zstd', ['-q', '-c'], { input: tar });
    expect((await read(zst, { bombGuardAfterBytes: MiB, maxRatio: 100 })).error?.message).toMatch(/^the archive unpacks to more than 100 times its compressed size/);
    // Below the floor the ratio is not held against it: the default floor is 1 GiB.
    const unguarded = await read(gz, {});
    expect([unguarded.error, unguarded.reader.unpackedBytes]).toEqual([undefined, tar.length]);
  });

  it('passes a real archive that compresses well (about 19:1) under the ratio, and refuses it at 10:1', async () => {
    const gz = zlib.gzipSync(fixture('classic.tar'));
    const passed = await read(gz, { bombGuardAfterBytes: 0, maxRatio: 100 });
    expect(passed.error).toBeUndefined();
    expect(buildImportPlan(passed.read!.contents).images).toHaveLength(2);
    expect((await read(gz, { bombGuardAfterBytes: 0, maxRatio: 10 })).error?.message).toMatch(/^the archive unpacks to more than 10 times its compressed size/);
  });

  it('BERTH_IMPORT_MAX_BYTES: a member whose declared size passes the limit fails at its header, before its bytes are read', async () => {
    const tar = zeroTar(10 * MiB);
    // Only the header and a few bytes of the member ever arrive, and the body never ends.
    const { error, staged } = await read(stalled(zlib.gzipSync(tar.subarray(0, 2048))), { maxBytes: MiB });
    expect(error?.message).toBe(
      `the archive is larger than BERTH_IMPORT_MAX_BYTES (1.0 MiB): its members declare 10.0 MiB up to "${ZERO_LAYER}" (10.0 MiB); import fewer images per archive, or ask an administrator to raise the limit`,
    );
    expect(staged).toEqual([]);
    expect((await read(zlib.gzipSync(tar), { maxBytes: tar.length })).error).toBeUndefined();
  });

  it('BERTH_IMPORT_MAX_BYTES: the tar stream itself (headers and padding too) is counted after decompression', async () => {
    const classic = fixture('classic.tar');
    // Its members declare about 11 KiB; the tar is 26 KiB.
    const { error } = await read(zlib.gzipSync(classic), { maxBytes: 20_000 });
    expect(error?.message).toMatch(/^the archive is larger than BERTH_IMPORT_MAX_BYTES \(19\.5 KiB\): its tar stream passed \d+\.\d KiB after gzip decompression; import fewer/);
    expect((await read(zlib.gzipSync(classic), { maxBytes: classic.length })).error).toBeUndefined();
  });

  it('BERTH_IMPORT_MAX_BYTES: an uncompressed upload is refused on its Content-Length at once; a compressed one is judged unpacked', async () => {
    const classic = fixture('classic.tar');
    const { error, staged } = await read(stalled(classic.subarray(0, 1000)), { maxBytes: 20_000, contentLength: classic.length });
    expect(error?.message).toBe('the archive is larger than BERTH_IMPORT_MAX_BYTES (19.5 KiB): the upload is 26.0 KiB; import fewer images per archive, or ask an administrator to raise the limit');
    expect(staged).toEqual([]);
    expect((await read(classic, { maxBytes: classic.length, contentLength: classic.length })).error).toBeUndefined();
    // Content-Length counts compressed bytes: not held against the limit, even when it is larger.
    const hybrid = fixture('hybrid.tar');
    expect((await read(zlib.gzipSync(hybrid), { maxBytes: hybrid.length, contentLength: hybrid.length + 1 })).error).toBeUndefined();
  });

  it('BERTH_UPLOAD_MAX_BYTES: a compressed layer fails before staging; uncompressed layers and JSON documents are left to the plan check', async () => {
    // hybrid.tar: a 2560-byte tar layer, a 152-byte gzip layer, a 476-byte config and a 551-byte manifest.
    const { error, staged } = await read(fixture('hybrid.tar'), { maxBlobBytes: 150 });
    expect(error?.message).toMatch(/^member "blobs\/sha256\/[0-9a-f]{64}" is 152 bytes, over this registry's limit of 150 bytes per blob \(BERTH_UPLOAD_MAX_BYTES\)$/);
    expect(staged).not.toContain(error!.message.split('"')[1]);
    // The manifest is no blob (the registry holds it to 4 MiB); the config is refused by the plan check.
    const hybrid = await read(fixture('hybrid.tar'), { maxBlobBytes: 170 });
    expect(hybrid.error).toBeUndefined();
    expect(buildImportPlan(hybrid.read!.contents).blobs.filter((b) => b.size > 170).map((b) => b.role)).toEqual(['config']);
    // classic.tar's three layers are 2560- and 3072-byte tars: staged gzip-compressed, far below the limit.
    const classic = await read(fixture('classic.tar'), { maxBlobBytes: 2000 });
    expect(classic.error).toBeUndefined();
    expect(classic.staged.filter((name) => name.endsWith('/layer.tar'))).toHaveLength(3);
    const plan = buildImportPlan(classic.read!.contents);
    expect(Math.max(...plan.blobs.map((b) => b.size))).toBeLessThanOrEqual(2000);
  });
});
