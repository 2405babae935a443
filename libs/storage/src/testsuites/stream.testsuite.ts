import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidOffsetError, PathNotFoundError, StorageError } from '../errors';
import {
  expectStorageError,
  MiB,
  readAll,
  sha256,
  sha256OfStream,
  writeChunk,
  type CurrentDriver,
} from './testsuite.helpers';

const TEXT = Buffer.from('0123456789abcdefghij');

export function describeStreams(driver: CurrentDriver): void {
  describeReader(driver);
  describeRandomAccess(driver);
  describeWriter(driver);
  describeLargeFiles(driver);
}

function describeReader(driver: CurrentDriver): void {
  describe('reader', () => {
    beforeEach(async () => {
      await driver().putContent('/r/file', TEXT);
    });

    it('reads the whole file by default', async () => {
      expect(await readAll(await driver().reader('/r/file'))).toEqual(TEXT);
    });

    it('reads from an offset to the end', async () => {
      expect((await readAll(await driver().reader('/r/file', 7))).toString()).toBe('789abcdefghij');
    });

    it('reads length bytes from an offset', async () => {
      expect((await readAll(await driver().reader('/r/file', 3, 4))).toString()).toBe('3456');
      expect((await readAll(await driver().reader('/r/file', 0, 1))).toString()).toBe('0');
    });

    it('stops at the end when length runs past it', async () => {
      expect((await readAll(await driver().reader('/r/file', 15, 100))).toString()).toBe('fghij');
    });

    it('gives an empty stream at offset == size or for length 0', async () => {
      expect((await readAll(await driver().reader('/r/file', TEXT.length))).length).toBe(0);
      expect((await readAll(await driver().reader('/r/file', 2, 0))).length).toBe(0);
      await driver().putContent('/r/empty', Buffer.alloc(0));
      expect((await readAll(await driver().reader('/r/empty'))).length).toBe(0);
    });

    it('throws InvalidOffsetError for an offset beyond the size', async () => {
      const error = await expectStorageError(driver().reader('/r/file', TEXT.length + 1), InvalidOffsetError, '/r/file');
      expect((error as InvalidOffsetError).offset).toBe(TEXT.length + 1);
    });

    it('throws InvalidOffsetError for a negative or fractional offset or length', async () => {
      const d = driver();
      await expectStorageError(d.reader('/r/file', -1), InvalidOffsetError, '/r/file');
      await expectStorageError(d.reader('/r/file', 1.5), InvalidOffsetError, '/r/file');
      await expectStorageError(d.reader('/r/file', 0, -1), InvalidOffsetError, '/r/file');
      await expectStorageError(d.reader('/r/file', 0, Number.NaN), InvalidOffsetError, '/r/file');
    });

    it('throws PathNotFoundError for a missing file or a directory', async () => {
      await expectStorageError(driver().reader('/r/missing'), PathNotFoundError, '/r/missing');
      await expectStorageError(driver().reader('/r'), PathNotFoundError, '/r');
    });
  });
}

function describeWriter(driver: CurrentDriver): void {
  describe('writer', () => {
    it('writes, commits and reports the size', async () => {
      const writer = await driver().writer('/w/new/parents/file', false);
      expect(writer.size).toBe(0);
      await writeChunk(writer, 'hello ');
      await writeChunk(writer, Buffer.from('world'));
      await writer.commit();
      expect(writer.size).toBe(11);
      expect((await driver().getContent('/w/new/parents/file')).toString()).toBe('hello world');
      expect((await driver().stat('/w/new/parents/file')).size).toBe(11);
    });

    it('continues a file across writers in append mode, counting the existing bytes', async () => {
      const first = await driver().writer('/w/upload', false);
      await writeChunk(first, 'chunk-one|');
      await first.close();
      expect(first.size).toBe(10);

      const second = await driver().writer('/w/upload', true);
      expect(second.size).toBe(10);
      await writeChunk(second, 'chunk-two');
      await second.commit();
      expect(second.size).toBe(19);
      expect((await driver().getContent('/w/upload')).toString()).toBe('chunk-one|chunk-two');
    });

    it('starts an absent file at size 0 in append mode', async () => {
      const writer = await driver().writer('/w/fresh', true);
      expect(writer.size).toBe(0);
      await writeChunk(writer, 'abc');
      await writer.commit();
      expect((await driver().getContent('/w/fresh')).toString()).toBe('abc');
    });

    it('truncates an existing file when not appending', async () => {
      await driver().putContent('/w/file', Buffer.from('old content that is long'));
      const writer = await driver().writer('/w/file', false);
      expect(writer.size).toBe(0);
      await writeChunk(writer, 'new');
      await writer.commit();
      expect((await driver().getContent('/w/file')).toString()).toBe('new');
    });

    it('removes the file on cancel, also one it was appending to', async () => {
      const writer = await driver().writer('/w/cancelled', false);
      await writeChunk(writer, 'discard me');
      await writer.cancel();
      await expectStorageError(driver().stat('/w/cancelled'), PathNotFoundError);

      await driver().putContent('/w/existing', Buffer.from('kept until cancel'));
      const appender = await driver().writer('/w/existing', true);
      await writeChunk(appender, ' more');
      await appender.cancel();
      await expectStorageError(driver().stat('/w/existing'), PathNotFoundError);
      expect(await driver().list('/w')).toEqual([]);
    });

    it('keeps the data written so far on close', async () => {
      const writer = await driver().writer('/w/partial', false);
      await writeChunk(writer, 'par');
      // Corked, so these wait in the Writable's queue and only close() can flush them.
      writer.cork();
      writer.write('t');
      writer.write('ial');
      await writer.close();
      expect(writer.size).toBe(7);
      expect((await driver().getContent('/w/partial')).toString()).toBe('partial');
    });

    it('treats a second commit as done and refuses to cancel after commit', async () => {
      const writer = await driver().writer('/w/once', false);
      await writeChunk(writer, 'x');
      await writer.commit();
      await writer.commit();
      await expectStorageError(writer.cancel(), StorageError);
      expect((await driver().getContent('/w/once')).toString()).toBe('x');
    });

    it('takes a corked burst of thousands of small chunks in one go', async () => {
      const writer = await driver().writer('/w/burst', false);
      const parts = Array.from({ length: 3000 }, (_, i) => Buffer.from(`${i},`));
      writer.cork();
      for (const part of parts) writer.write(part);
      await writer.commit();
      const expected = Buffer.concat(parts);
      expect(writer.size).toBe(expected.length);
      expect(await driver().getContent('/w/burst')).toEqual(expected);
    });

    it('works as a pipeline destination', async () => {
      const writer = await driver().writer('/w/piped', false);
      await pipeline(Readable.from([Buffer.from('a'), Buffer.from('bc'), Buffer.from('def')]), writer);
      await writer.commit();
      expect(writer.size).toBe(6);
      expect((await driver().getContent('/w/piped')).toString()).toBe('abcdef');
    });

    it('keeps what reached the file when a pipeline is interrupted, and close() still resolves', async () => {
      const writer = await driver().writer('/w/interrupted', false);
      async function* brokenSource(): AsyncGenerator<Buffer> {
        yield Buffer.from('delivered');
        throw new Error('client went away');
      }
      await expect(pipeline(brokenSource(), writer)).rejects.toThrow('client went away');
      await writer.close();
      expect(writer.size).toBe(9);
      expect((await driver().getContent('/w/interrupted')).toString()).toBe('delivered');

      const resumed = await driver().writer('/w/interrupted', true);
      expect(resumed.size).toBe(9);
      await resumed.cancel();
    });

    it('fails with StorageError onto a directory, under a file, or at the root', async () => {
      await driver().putContent('/w/dir/child', Buffer.from('x'));
      await driver().putContent('/w/file', Buffer.from('x'));
      await expectStorageError(driver().writer('/w/dir', false), StorageError, '/w/dir');
      await expectStorageError(driver().writer('/w/dir', true), StorageError, '/w/dir');
      const underFile = await expectStorageError(driver().writer('/w/file/child', false), StorageError);
      expect(underFile).not.toBeInstanceOf(PathNotFoundError);
      await expectStorageError(driver().writer('/', true), StorageError, '/');
    });
  });
}

function describeLargeFiles(driver: CurrentDriver): void {
  describe('large and concurrent streams', () => {
    it('round-trips 20 MiB streamed in odd-sized chunks with a matching sha256', async () => {
      const data = randomBytes(20 * MiB);
      // Odd sizes so chunk borders never line up with the drivers' internal buffer sizes.
      function* chunks(): Generator<Buffer> {
        for (let offset = 0; offset < data.length; offset += 65_537) yield data.subarray(offset, offset + 65_537);
      }
      const writer = await driver().writer('/big/blob', false);
      await pipeline(Readable.from(chunks()), writer);
      await writer.commit();
      expect(writer.size).toBe(data.length);

      expect(await sha256OfStream(await driver().reader('/big/blob'))).toEqual({
        digest: sha256(data),
        size: data.length,
      });
      const offset = 5 * MiB + 3;
      const length = 7 * MiB + 11;
      expect(await sha256OfStream(await driver().reader('/big/blob', offset, length))).toEqual({
        digest: sha256(data.subarray(offset, offset + length)),
        size: length,
      });
    });

    it('keeps concurrent writers to different paths apart', async () => {
      const bodies = Array.from({ length: 8 }, () => randomBytes(MiB + 123));
      await Promise.all(
        bodies.map(async (body, i) => {
          const writer = await driver().writer(`/uploads/${i}/data`, false);
          for (let offset = 0; offset < body.length; offset += 64 * 1024) {
            await writeChunk(writer, body.subarray(offset, offset + 64 * 1024));
          }
          await writer.commit();
        }),
      );
      for (const [i, body] of bodies.entries()) {
        expect(sha256(await driver().getContent(`/uploads/${i}/data`))).toBe(sha256(body));
      }
    });
  });
}

function describeRandomAccess(driver: CurrentDriver): void {
  describe('openFile', () => {
    it('reads at any position into the caller\'s buffer, 0 at the end', async () => {
      const content = Buffer.from('0123456789');
      await driver().putContent('/ra/file', content);
      const file = await driver().openFile('/ra/file');
      try {
        expect(file.size).toBe(10);
        const into = Buffer.alloc(4);
        expect(await file.read(into, 3)).toBe(4);
        expect(into.toString()).toBe('3456');
        expect(await file.read(into, 8)).toBe(2);
        expect(into.subarray(0, 2).toString()).toBe('89');
        expect(await file.read(into, 10)).toBe(0);
      } finally {
        await file.close();
      }
    });

    it('keeps reading what it opened when the path is replaced', async () => {
      await driver().putContent('/ra/swap', Buffer.from('old!'));
      const file = await driver().openFile('/ra/swap');
      await driver().putContent('/ra/swap', Buffer.from('new!'));
      const into = Buffer.alloc(4);
      await file.read(into, 0);
      await file.close();
      expect(into.toString()).toBe('old!');
    });

    it('throws PathNotFoundError for a missing file or a directory', async () => {
      await expectStorageError(driver().openFile('/ra/missing'), PathNotFoundError, '/ra/missing');
      await driver().putContent('/ra/dir/child', Buffer.from('x'));
      await expectStorageError(driver().openFile('/ra/dir'), PathNotFoundError, '/ra/dir');
    });
  });
}
