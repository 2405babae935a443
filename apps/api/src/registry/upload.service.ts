import { createHash, Hash, randomUUID } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isRegistryError, OciErrors, parseDigest } from '@berth/oci';
import { PathNotFoundError, StorageDriver, StorageFullError } from '@berth/storage';
import { KeyedMutex } from '../common/keyed-mutex';
import { BERTH_CONFIG, BerthConfig } from '../config/config';
import { STORAGE_DRIVER } from '../storage/storage.module';
import { BlobLayout } from './blob-layout';
import { BlobRepository } from './blob.repository';
import { CatalogRepository } from './catalog.repository';
import { ByteRange } from './http/ranges';
import { ProjectQuota } from './project-quota';
import { UploadReservation } from './upload-reservation';
import { UploadRepository } from './upload.repository';

export interface UploadState {
  id: string;
  name: string;
  /** Bytes received so far. */
  size: number;
}

export interface UploadBody {
  stream: Readable;
  /** From Content-Length when the client sent one. */
  length?: number;
}

export interface CommittedBlob {
  digest: string;
  size: number;
}

/** Running sha256 of an upload, valid while `offset` equals the bytes in storage. */
interface HashState {
  hash: Hash;
  offset: number;
}

/**
 * Blob upload sessions: chunks are streamed to storage while hashed, and a blob becomes visible
 * only after its digest is verified (verify -> move into place -> record the link -> drop the session).
 */
@Injectable()
export class UploadService {
  private readonly hashes = new Map<string, HashState>();
  private readonly locks = new KeyedMutex();

  constructor(
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly dataSource: DataSource,
    private readonly uploads: UploadRepository,
    private readonly blobs: BlobRepository,
    private readonly catalog: CatalogRepository,
    private readonly quota: ProjectQuota,
  ) {}

  async start(name: string): Promise<UploadState> {
    const id = randomUUID();
    await this.uploads.create(id, name);
    return { id, name, size: 0 };
  }

  /**
   * Cross-repository mount: links the blob when `from` can already read it, otherwise opens a normal
   * upload (also when garbage collection is deleting it at this moment: the client uploads it again).
   */
  async mountOrStart(name: string, digest: string, from: string | undefined): Promise<CommittedBlob | UploadState> {
    if (from) {
      const source = await this.blobs.findLinked(from, digest);
      if (source) {
        const mounted = await this.dataSource.transaction(async (tx) => {
          await this.quota.checkBlob(name, digest, source.size, tx);
          // The repository row before the blob's, as upload completion and manifest PUT lock them: the
          // other order deadlocks with a PUT into this repository that references the same blob.
          const repository = await this.catalog.ensure(name, tx);
          if (!(await this.blobs.touchActive(digest, tx))) return false;
          await this.blobs.link(repository.id, digest, tx);
          return true;
        });
        if (mounted) return { digest: source.digest, size: source.size };
      }
    }
    return this.start(name);
  }

  async status(name: string, id: string): Promise<UploadState> {
    await this.requireSession(name, id);
    return { id, name, size: await this.storedSize(id) };
  }

  /** PATCH: appends one chunk; a Content-Range that does not start at the current size is refused with 416. */
  async append(name: string, id: string, body: UploadBody, range?: ByteRange): Promise<UploadState> {
    await this.requireSession(name, id);
    return this.locks.run(id, async () => {
      const size = await this.storedSize(id);
      if (range) {
        if (range.start !== size) {
          throw OciErrors.rangeInvalid(`chunk starts at ${range.start} but the upload holds ${size} bytes`, { size });
        }
        if (body.length !== undefined && body.length !== range.end - range.start + 1) {
          throw OciErrors.blobUploadInvalid('Content-Length does not match Content-Range');
        }
      }
      const newSize = await this.dropWhenFull(id, () => this.write(name, id, size, body, false));
      return { id, name, size: newSize };
    });
  }

  /** PUT ?digest=: takes the last chunk if any, verifies digest and size, and commits the blob. */
  async complete(name: string, id: string, digest: string, body?: UploadBody): Promise<CommittedBlob> {
    const expected = parseDigest(digest);
    await this.requireSession(name, id);
    return this.locks.run(id, () => this.dropWhenFull(id, () => this.completeLocked(name, id, expected, body)));
  }

  private async completeLocked(name: string, id: string, expected: { digest: string; algorithm: string }, body?: UploadBody): Promise<CommittedBlob> {
    let size = await this.storedSize(id);
    if (body) size = await this.write(name, id, size, body, true, expected.digest);
    else if (size > 0) await (await this.storage.writer(BlobLayout.uploadData(id), true)).commit();
    const actual = await this.digestOf(id, size, expected.algorithm);
    if (actual !== expected.digest) {
      await this.discard(id);
      throw OciErrors.digestInvalid(`uploaded content has digest ${actual}, not ${expected.digest}`, { expected: expected.digest, actual, size });
    }
    try {
      await this.quota.checkBlob(name, expected.digest, size, this.dataSource);
    } catch (err) {
      await this.discard(id);
      throw err;
    }
    await this.recordAndPlace(name, { digest: expected.digest, size }, BlobLayout.uploadData(id), (tx) => this.uploads.delete(id, tx));
    this.hashes.delete(id);
    await this.storage.delete(BlobLayout.uploadDir(id)).catch(ignoreNotFound);
    return { digest: expected.digest, size };
  }

  /**
   * A full disk ends the session: what it holds is removed at once (the space is what is missing, and a
   * half-written upload kept until GC would fail the next push too), and the client starts again later.
   */
  private async dropWhenFull<T>(id: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof StorageFullError) await this.discard(id);
      throw err;
    }
  }

  /**
   * Verified bytes staged elsewhere (an archive import's member) become the blob of `name`, exactly as an
   * upload completes: quota, then row, file and link in one transaction. The file at `source` is moved
   * into place, or left where it is when the blob's file is already there; the caller removes it then.
   * `uncompressedSize`: a layer's size once decompressed, when the import learnt it.
   */
  async commitStaged(name: string, blob: CommittedBlob & { uncompressedSize?: number }, source: string): Promise<void> {
    await this.quota.checkBlob(name, blob.digest, blob.size, this.dataSource);
    await this.recordAndPlace(name, blob, source);
  }

  /**
   * Row first, then the file, in one transaction: the row lock keeps a sweep of the same digest out
   * until the file is in place and linked (docs/design/storage-lifecycle.md).
   */
  private async recordAndPlace(name: string, blob: CommittedBlob & { uncompressedSize?: number }, source: string, alsoInTransaction?: (tx: EntityManager) => Promise<unknown>): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const repository = await this.catalog.ensure(name, tx);
      await this.blobs.record(blob, tx);
      await this.placeBlob(source, blob.digest, blob.size);
      await this.blobs.link(repository.id, blob.digest, tx);
      await alsoInTransaction?.(tx);
    });
  }

  /** POST ?digest=: the whole blob in one request. */
  async monolithic(name: string, digest: string, body: UploadBody): Promise<CommittedBlob> {
    parseDigest(digest);
    const upload = await this.start(name);
    try {
      return await this.complete(name, upload.id, digest, body);
    } catch (err) {
      await this.discard(upload.id);
      throw err;
    }
  }

  async cancel(name: string, id: string): Promise<void> {
    await this.requireSession(name, id);
    await this.locks.run(id, () => this.discard(id));
  }

  private async requireSession(name: string, id: string): Promise<void> {
    if (!(await this.uploads.find(id, name))) throw OciErrors.blobUploadUnknown(`upload ${id} is unknown to ${name}`);
  }

  private async storedSize(id: string): Promise<number> {
    try {
      return (await this.storage.stat(BlobLayout.uploadData(id))).size;
    } catch (err) {
      if (err instanceof PathNotFoundError) return 0;
      throw err;
    }
  }

  /**
   * Streams a body onto the upload, hashing as it goes, within what the project's quota leaves
   * (UploadReservation). On an interrupted body the bytes that reached storage stay (the client can read
   * the offset and resume) and the cached hash is dropped; a body refused for the quota drops the session.
   */
  private async write(name: string, id: string, size: number, body: UploadBody, fsync: boolean, digest?: string): Promise<number> {
    const max = this.config.uploadMaxBytes;
    const tooLarge = () => OciErrors.sizeInvalid(`blob exceeds the ${max}-byte limit of this registry`, undefined, { status: 413 });
    if (max !== undefined && size + (body.length ?? 0) > max) throw tooLarge();
    const reservation = await this.reserve(name, id, size, body.length, digest);
    const state = await this.hashAt(id, size);
    const writer = await this.storage.writer(BlobLayout.uploadData(id), true);
    body.stream.on('data', (chunk: Buffer) => state.hash.update(chunk));
    try {
      const stages: NodeJS.ReadWriteStream[] = [];
      // A body without Content-Length could not be checked above: cap it as it streams.
      if (max !== undefined && body.length === undefined) stages.push(byteLimit(max - size, tooLarge));
      if (reservation) stages.push(reservation.gate());
      await pipeline([body.stream, ...stages, writer]);
    } catch (err) {
      this.hashes.delete(id);
      await writer.close().catch(() => undefined);
      if (reservation?.refusal) await this.discard(id);
      // The body's own failure is what the client must hear; a failed bookkeeping update only over-counts until the next request.
      else await this.uploads.settle(id, writer.size).catch(() => undefined);
      throw err;
    }
    if (fsync) await writer.commit();
    else await writer.close();
    state.offset = writer.size;
    await this.uploads.settle(id, writer.size);
    if (body.length !== undefined && writer.size - size !== body.length) {
      this.hashes.delete(id);
      throw OciErrors.blobUploadInvalid(`received ${writer.size - size} bytes but Content-Length said ${body.length}`);
    }
    return writer.size;
  }

  /** Reserves the body's bytes against the project's quota; a body that cannot fit drops the session (nothing of a refused push is kept). */
  private async reserve(name: string, id: string, size: number, length?: number, digest?: string): Promise<UploadReservation | undefined> {
    try {
      return await UploadReservation.open({ dataSource: this.dataSource, quota: this.quota, uploads: this.uploads }, name, id, size, length, digest);
    } catch (err) {
      if (isRegistryError(err)) await this.discard(id);
      throw err;
    }
  }

  /** The running hash for an upload at `size`; re-read from storage after a restart or on another replica. */
  private async hashAt(id: string, size: number): Promise<HashState> {
    const cached = this.hashes.get(id);
    if (cached && cached.offset === size) return cached;
    const hash = createHash('sha256');
    if (size > 0) await pipeline(await this.storage.reader(BlobLayout.uploadData(id)), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) hash.update(chunk);
    });
    const state = { hash, offset: size };
    this.hashes.set(id, state);
    return state;
  }

  private async digestOf(id: string, size: number, algorithm: string): Promise<string> {
    if (algorithm === 'sha256') {
      const state = await this.hashAt(id, size);
      return `sha256:${state.hash.copy().digest('hex')}`;
    }
    const hash = createHash(algorithm);
    if (size > 0) for await (const chunk of await this.storage.reader(BlobLayout.uploadData(id))) hash.update(chunk as Buffer);
    return `${algorithm}:${hash.digest('hex')}`;
  }

  /**
   * Moves verified bytes to their content address; a blob already there (same digest, same bytes) wins.
   * Called with the blob row locked, so the file seen here cannot be swept before the caller commits.
   */
  private async placeBlob(source: string, digest: string, size: number): Promise<void> {
    const target = BlobLayout.blobData(digest);
    const present = await this.storage.stat(target).then(
      (info) => info.size === size,
      () => false,
    );
    if (present) return;
    if (size === 0) await this.storage.putContent(target, Buffer.alloc(0));
    else await this.storage.move(source, target);
  }

  private async discard(id: string): Promise<void> {
    this.hashes.delete(id);
    await this.uploads.delete(id);
    await this.storage.delete(BlobLayout.uploadDir(id)).catch(ignoreNotFound);
  }
}

/**
 * Passes at most `room` bytes and fails at the first byte past them: the body is not read to its end (it
 * may never end), and the connection guard answers with `Connection: close` and closes it after the error.
 */
function byteLimit(room: number, error: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > room) return callback(error());
      callback(null, chunk);
    },
  });
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof PathNotFoundError)) throw err;
}
