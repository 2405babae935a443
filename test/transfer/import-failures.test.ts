/**
 * Bad archives: each fails its import with a message that says what is wrong, and imports nothing (no
 * manifest, no tag, no blob, no repository) and leaves no staging files. The hand-built bad archives come
 * from scripts/make-archive-fixtures.mjs; truncation and double compression are made here from good ones,
 * and the decompression bomb is generated as it is sent.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ConfigError, loadConfig } from '../../apps/api/src/config/config';
import { createProject } from '../support/access';
import { requireCommands } from '../support/images';
import { eventually } from '../support/registry-client';
import { gzipOfZeroLayer, ZERO_LAYER } from '../support/tar';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { api, gate, importArchive, settled, stagingLeft, upload, uploadInParts, uploadStream } from './import-client';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('archive import refuses bad archives and imports nothing', () => {
  let berth: TestBerth;
  let fixtures: string;
  const fixture = (name: string) => fs.readFile(path.join(fixtures, name));

  /** Everything an import could leave behind, visible or not. */
  const everything = async (on = berth) =>
    (
      await on.running.dataSource.query(`SELECT (SELECT count(*)::int FROM manifest) AS manifests, (SELECT count(*)::int FROM tag) AS tags,
        (SELECT count(*)::int FROM blob) AS blobs, (SELECT count(*)::int FROM repository) AS repositories`)
    )[0];

  /** Imports `archive`, expects the job to have failed saying `message`, and nothing to have changed. */
  async function expectRefused(archive: Buffer, message: string | RegExp, on = berth): Promise<void> {
    const before = await everything(on);
    const res = await upload(on, 'bad', archive);
    expect(res.status).toBe(202);
    const job = await settled(on, 'bad', res.body.id);
    expect(job).toMatchObject({ status: 'failed', images: [], result: null, imagesDone: 0, layersDone: 0 });
    expect(job.finishedAt).not.toBeNull();
    if (typeof message === 'string') expect(job.error).toBe(message);
    else expect(job.error).toMatch(message);
    expect(await everything(on)).toEqual(before);
    expect(await stagingLeft(on)).toEqual([]);
  }

  beforeAll(async () => {
    await requireCommands({ zstd: 'zstd' });
    fixtures = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-bad-archives-'));
    execFileSync(process.execPath, [path.join(__dirname, '../../scripts/make-archive-fixtures.mjs'), fixtures]);
    berth = await startTestBerth();
    await createProject(berth, 'bad');
  });

  afterAll(async () => {
    await berth?.close();
    if (fixtures) await fs.rm(fixtures, { recursive: true, force: true });
  });

  it('not a tar', async () => {
    await expectRefused(Buffer.from('Dear registry, please import my image.\n'.repeat(30)), 'not a tar archive: the upload starts with "Dear registry, p", not a tar header');
  });

  it('an empty upload', async () => {
    await expectRefused(Buffer.alloc(0), 'the upload is empty');
  });

  it('a truncated archive (cut inside a layer)', async () => {
    const classic = await fixture('classic.tar');
    await expectRefused(classic.subarray(0, 5000), /^the archive is truncated: it ends inside member "[0-9a-f]{64}\/layer\.tar"$/);
  });

  it('a truncated gzip stream', async () => {
    const gz = zlib.gzipSync(await fixture('classic.tar'));
    await expectRefused(gz.subarray(0, gz.length - 100), 'the archive is truncated: its gzip stream ends early');
  });

  it('a truncated zstd stream', async () => {
    const zst = execFileSync('zstd', ['-q', '-c'], { input: await fixture('classic.tar') });
    await expectRefused(zst.subarray(0, zst.length - 50), /^the archive's zstd stream is corrupt or truncated/);
  });

  it('missing blobs', async () => {
    await expectRefused(await fixture('bad-missing-blob.tar'), /^missing blob: layer 1 of image 1 of manifest\.json names "[0-9a-f]{64}\/layer\.tar", which is not in the archive$/);
  });

  it('a digest mismatch', async () => {
    await expectRefused(await fixture('bad-digest.tar'), /^digest mismatch: "blobs\/sha256\/([0-9a-f]{64})" is named after sha256:\1, but its content has digest sha256:[0-9a-f]{64}$/);
  });

  it('diff_ids that do not match the layers', async () => {
    await expectRefused(
      await fixture('bad-diffids.tar'),
      /^diff_ids mismatch: layer 1 of image 1 of manifest\.json \("[0-9a-f]{64}\/layer\.tar"\) has uncompressed digest sha256:[0-9a-f]{64}, but its config lists sha256:[0-9a-f]{64}$/,
    );
  });

  it('path traversal in a member name', async () => {
    await expectRefused(await fixture('bad-traversal.tar'), /^member "[0-9a-f]{64}\/\.\.\/\.\.\/etc\/cron\.d\/berth" contains "\.\." \(path traversal\)$/);
  });

  it('an absolute member name', async () => {
    await expectRefused(await fixture('bad-absolute.tar'), 'member "/manifest.json" is an absolute path (path traversal)');
  });

  it('answers a bad archive at once, while the client is still holding back the rest of it', async () => {
    const before = await everything();
    // The rest is sent only once the answer is in: a server that waited for it would never answer.
    const { held, release } = gate();
    const res = await uploadInParts(berth, 'bad', [await fixture('bad-absolute.tar'), Buffer.alloc(8 * MiB)], {}, () => held);
    release();
    expect([res.status, res.body.status, res.body.error]).toEqual([202, 'failed', 'member "/manifest.json" is an absolute path (path traversal)']);
    expect(await everything()).toEqual(before);
    expect(await stagingLeft(berth)).toEqual([]);
  });

  it('a symlink pointing out of the archive', async () => {
    await expectRefused(await fixture('bad-symlink.tar'), /^member "[0-9a-f]{64}\/layer\.tar" is a symbolic link to "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd", outside the archive \(path traversal\)$/);
  });

  it('a hard link member', async () => {
    await expectRefused(await fixture('bad-hardlink.tar'), /^member "blobs\/sha256\/[0-9a-f]{64}" is a hard link; only <id>\/layer\.tar of a docker save archive may link to another layer$/);
  });

  it('a device member', async () => {
    await expectRefused(await fixture('bad-device.tar'), 'member "dev-null" is a character device; archives may hold regular files only');
  });

  it('duplicate members', async () => {
    await expectRefused(await fixture('bad-duplicate.tar'), 'member "manifest.json" appears twice in the archive');
  });

  it('an archive of archives: a .tar.gz where manifest.json points at a config', async () => {
    await expectRefused(
      await fixture('bad-nested-config.tar'),
      /^archive of archives: the config of image 1 of manifest\.json should be a JSON document, but "[0-9a-f]{64}\.json" is a gzip-compressed stream; import the inner archive on its own$/,
    );
  });

  it('an archive of archives: a tar holding a docker save archive', async () => {
    await expectRefused(
      await fixture('bad-inner-archive.tar'),
      'archive of archives: member "classic.tar" is itself a tar archive; import each archive on its own (Berth does not unpack archives inside the archive)',
    );
  });

  it('an archive of archives: the whole archive compressed twice', async () => {
    const twice = zlib.gzipSync(zlib.gzipSync(await fixture('classic.tar')));
    await expectRefused(twice, 'archive of archives: the upload is gzip around a gzip-compressed stream, compressed twice; decompress it once and import the archive inside');
  });

  it('no manifest.json or index.json', async () => {
    await expectRefused(
      await fixture('bad-no-manifest.tar'),
      'the archive has no manifest.json or index.json at its top level: it is not a docker save archive or an OCI image layout',
    );
  });

  it('an upload the client abandons half-way: the job fails and its staging goes', async () => {
    const before = await everything();
    const archive = await fixture('classic.tar');
    // The client sends 4000 bytes, then goes away once the job is seen uploading.
    const { held, release } = gate();
    async function* abandoned(): AsyncGenerator<Buffer> {
      yield archive.subarray(0, 4000);
      await held;
      throw new Error('the client went away');
    }
    const [id] = await Promise.all([
      eventually(async () => {
        const [uploading] = (await api(berth, 'GET', '/projects/bad/imports?page_size=1')).body.items;
        expect(uploading?.status).toBe('uploading');
        return uploading.id as string;
      }, 30_000).finally(release),
      expect(uploadStream(berth, 'bad', abandoned(), { length: archive.length })).rejects.toThrow('the client went away'),
    ]);
    const job = await settled(berth, 'bad', id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^the upload was interrupted after \d+ bytes/);
    expect(await everything()).toEqual(before);
    expect(await stagingLeft(berth)).toEqual([]);
  });

  it('a gzip bomb: 2 MiB that unpack to a 2 GiB layer of zeros fails at 100:1 past 1 GiB, and imports nothing', async () => {
    const before = await everything();
    const bomb = gzipOfZeroLayer(2 * GiB);
    const res = await uploadStream(berth, 'bad', bomb, { contentType: 'application/gzip' });
    expect([res.status, res.body.status]).toEqual([202, 'failed']);
    const job = await settled(berth, 'bad', res.body.id);
    expect(job).toMatchObject({ status: 'failed', images: [], result: null, imagesDone: 0, layersDone: 0 });
    expect(job.error).toMatch(
      /^the archive unpacks to more than 100 times its compressed size \(1\.0 GiB from 1\.\d MiB so far\): refusing a likely decompression bomb; if it is a real image archive, upload the tar uncompressed$/,
    );
    // Refused half-way through the upload (the whole bomb is about 2 MiB), not at its end.
    expect(job.bytesRead).toBeLessThan(1.5 * MiB);
    expect(await everything()).toEqual(before);
    await expect(fs.stat(path.join(berth.storageDir, 'imports', job.id))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await stagingLeft(berth)).toEqual([]);
  });

  describe('BERTH_IMPORT_MAX_BYTES', () => {
    let small: TestBerth;
    const LIMIT = 16_000;

    beforeAll(async () => {
      small = await startTestBerth({ BERTH_IMPORT_MAX_BYTES: String(LIMIT) });
      await createProject(small, 'bad');
    });

    afterAll(async () => {
      await small?.close();
    });

    it('is read from the environment: unset is no limit, a bad value names the variable', () => {
      expect(loadConfig({}).importMaxBytes).toBeUndefined();
      expect(loadConfig({ BERTH_IMPORT_MAX_BYTES: '2147483648' }).importMaxBytes).toBe(2 * GiB);
      expect(() => loadConfig({ BERTH_IMPORT_MAX_BYTES: '0' })).toThrow(ConfigError);
      expect(() => loadConfig({ BERTH_IMPORT_MAX_BYTES: 'lots' })).toThrow(/BERTH_IMPORT_MAX_BYTES="lots"/);
    });

    it('refuses an uncompressed archive over the limit on its Content-Length, while the client is still holding back the rest', async () => {
      const classic = await fixture('classic.tar');
      const before = await everything(small);
      const { held, release } = gate();
      const res = await uploadInParts(small, 'bad', [classic.subarray(0, 2048), classic.subarray(2048)], {}, () => held);
      release();
      expect([res.status, res.body.status, res.body.error]).toEqual([
        202,
        'failed',
        'the archive is larger than BERTH_IMPORT_MAX_BYTES (15.6 KiB): the upload is 26.0 KiB; import fewer images per archive, or ask an administrator to raise the limit',
      ]);
      expect(await everything(small)).toEqual(before);
      expect(await stagingLeft(small)).toEqual([]);
    });

    it('refuses a compressed archive whose member declares more than the limit at its header, before its bytes are sent', async () => {
      const before = await everything(small);
      // The gzip header and the tar header; the member's bytes only once the answer is in.
      const { held, release } = gate();
      async function* heldAfterHeader(): AsyncGenerator<Buffer> {
        let sent = 0;
        for (const chunk of gzipOfZeroLayer(MiB)) {
          if (sent++ === 2) await held;
          yield chunk;
        }
      }
      const res = await uploadStream(small, 'bad', heldAfterHeader(), { contentType: 'application/gzip' });
      release();
      expect([res.status, res.body.status, res.body.error]).toEqual([
        202,
        'failed',
        `the archive is larger than BERTH_IMPORT_MAX_BYTES (15.6 KiB): its members declare 1.0 MiB up to "${ZERO_LAYER}" (1.0 MiB); import fewer images per archive, or ask an administrator to raise the limit`,
      ]);
      expect(await everything(small)).toEqual(before);
      expect(await stagingLeft(small)).toEqual([]);
    });

    it('refuses a compressed archive whose tar passes the limit, and imports one under it', async () => {
      await expectRefused(
        zlib.gzipSync(await fixture('classic.tar')),
        /^the archive is larger than BERTH_IMPORT_MAX_BYTES \(15\.6 KiB\): its tar stream passed \d+\.\d KiB after gzip decompression; import fewer/,
        small,
      );
      const hybrid = await fixture('hybrid.tar');
      expect(hybrid.length).toBeLessThan(LIMIT);
      expect((await importArchive(small, 'bad', hybrid)).status).toBe('succeeded');
    });
  });

  it('a body that is not an archive upload is refused before any job exists', async () => {
    const jobs = (await api(berth, 'GET', '/projects/bad/imports')).body.total;
    const json = await api(berth, 'POST', '/projects/bad/imports', { archive: 'no' });
    expect([json.status, json.body.code, json.body.message]).toEqual([400, 'INVALID', expect.stringMatching(/^send the archive as the request body with Content-Type application\/octet-stream/)]);
    const form = await upload(berth, 'bad', Buffer.from('a=b'), { contentType: 'application/x-www-form-urlencoded' });
    expect([form.status, form.body.message]).toEqual([400, 'request bodies must be JSON (Content-Type: application/json)']);
    expect((await api(berth, 'GET', '/projects/bad/imports')).body.total).toBe(jobs);
  });
});
