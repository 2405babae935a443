import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import {
  ArchiveContents,
  ArchiveError,
  ArchiveLink,
  ArchiveMember,
  classifyMember,
  clip,
  describeHead,
  describeKind,
  isArchiveKind,
  MAX_JSON_MEMBER_BYTES,
  normalizeMemberName,
  resolveLinkTarget,
  SNIFF_BYTES,
  sniffContent,
  unexpectedMember,
} from '@berth/oci';
import { formatBytes } from '../common/bytes';
import { createDecompressor } from './compression';
import { MemberStager } from './import-stager';

export type ArchiveWrapping = 'none' | 'gzip' | 'zstd';

export interface ReadArchive {
  contents: ArchiveContents;
  wrapping: ArchiveWrapping;
}

/** The request body failed before its end (the client went away): not the archive's fault. */
export class UploadInterruptedError extends Error {
  constructor(readonly bytesRead: number, cause: unknown) {
    super(`the upload was interrupted after ${bytesRead} bytes (${cause instanceof Error ? cause.message : String(cause)})`);
    this.name = 'UploadInterruptedError';
  }
}

/** Far beyond any image archive (four members per layer in the classic layout), and a bound on what is kept per member. */
export const MAX_ARCHIVE_MEMBERS = 100_000;

/**
 * Decompression bomb guard: past this much unpacked tar, the upload may unpack to at most
 * MAX_DECOMPRESSION_RATIO times the compressed bytes read so far. Image archives are far below 10:1
 * (layers are compressed or hold binaries); runs of zeros reach 1000:1 with gzip and far more with zstd.
 */
export const BOMB_GUARD_AFTER_BYTES = 1024 ** 3;
export const MAX_DECOMPRESSION_RATIO = 100;

/** What one upload may unpack to. */
export interface ArchiveLimits {
  /** BERTH_IMPORT_MAX_BYTES: the largest tar accepted (after gzip/zstd), checked against Content-Length, the declared member sizes and the stream. */
  maxBytes?: number;
  /** BERTH_UPLOAD_MAX_BYTES: a compressed layer (or other member staged byte for byte) may not declare more. */
  maxBlobBytes?: number;
  /** The upload's Content-Length, when the client sent one. */
  contentLength?: number;
  /** The bomb guard's constants; tests shrink them. */
  bombGuardAfterBytes?: number;
  maxRatio?: number;
}

const TAR_TYPES: Record<string, string> = {
  'character-device': 'a character device',
  'block-device': 'a block device',
  fifo: 'a FIFO',
};

/**
 * One pass over an upload: gzip or zstd around the tar is detected by magic bytes and removed, every
 * member name is checked as it arrives, and members are staged by `stager`. What the tar may unpack to is
 * bounded as it streams (`limits`, and the decompression bomb guard). Never destroys `body`: on a bad
 * archive the request stays usable, so the caller can answer while the client is still sending.
 */
export class ArchiveReader {
  private wrapping: ArchiveWrapping = 'none';
  private readonly members: ArchiveMember[] = [];
  private readonly links: ArchiveLink[] = [];
  private readonly seen = new Set<string>();
  private current?: string;
  private last?: string;
  bytesRead = 0;
  /** Bytes of the tar stream so far, after gzip/zstd. */
  unpackedBytes = 0;
  /** What the tar headers so far declared their members hold. */
  private declaredBytes = 0;
  private readonly bombGuardAfterBytes: number;
  private readonly maxRatio: number;

  constructor(
    private readonly stager: MemberStager,
    private readonly onBytes: (bytesRead: number) => void = () => undefined,
    private readonly limits: ArchiveLimits = {},
  ) {
    this.bombGuardAfterBytes = limits.bombGuardAfterBytes ?? BOMB_GUARD_AFTER_BYTES;
    this.maxRatio = limits.maxRatio ?? MAX_DECOMPRESSION_RATIO;
  }

  async read(body: Readable): Promise<ReadArchive> {
    const extract = tar.extract();
    // The entry's own error: the pipeline may only see tar-stream's destroy, as "Premature close", before the
    // entry has failed (a full disk while staging a member did), so the failed entry is awaited and preferred.
    let entryError: unknown;
    let entryWork: Promise<void> | undefined;
    extract.on('entry', (header, stream, next) => {
      // A failed entry destroys the parser, which destroys the entry's stream with the same error: reported once, by the pipeline.
      stream.on('error', () => undefined);
      entryWork = this.entry(header, stream).then(
        () => next(),
        (err: unknown) => {
          entryError ??= err;
          stream.resume();
          next(err as Error);
        },
      );
    });
    try {
      await pipeline(this.source(body), this.unwrap.bind(this), this.measure.bind(this), this.checkTar.bind(this), extract);
    } catch (err) {
      await entryWork;
      throw this.explain(entryError ?? err);
    }
    return { contents: { members: this.members, links: this.links }, wrapping: this.wrapping };
  }

  private async *source(body: Readable): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        this.bytesRead += chunk.length;
        this.onBytes(this.bytesRead);
        yield chunk;
      }
    } catch (err) {
      throw new UploadInterruptedError(this.bytesRead, err);
    }
  }

  /** Removes one layer of gzip or zstd, detected by magic bytes. */
  private async *unwrap(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const { head, rest } = await takeHead(source, 6);
    const kind = sniffContent(head);
    if (kind === 'empty') throw new ArchiveError('empty', 'the upload is empty');
    if (kind === 'xz' || kind === 'bzip2' || kind === 'zip') {
      throw new ArchiveError('unsupported', `the upload is ${describeKind(kind)}; Berth reads tar archives, plain or wrapped in gzip or zstd`);
    }
    if (kind !== 'gzip' && kind !== 'zstd') {
      const { maxBytes, contentLength } = this.limits;
      if (maxBytes !== undefined && contentLength !== undefined && contentLength > maxBytes) throw this.tooLarge(`the upload is ${formatBytes(contentLength)}`);
      yield* rest;
      return;
    }
    this.wrapping = kind;
    const input = Readable.from(rest, { objectMode: false });
    const decompressor = createDecompressor(kind);
    input.on('error', (err) => decompressor.destroy(err));
    input.pipe(decompressor);
    try {
      for await (const chunk of decompressor as AsyncIterable<Buffer>) yield chunk;
    } finally {
      input.destroy();
    }
  }

  /** Counts the tar stream: BERTH_IMPORT_MAX_BYTES, and the bomb guard once past its floor. */
  private async *measure(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const { maxBytes } = this.limits;
    for await (const chunk of source) {
      this.unpackedBytes += chunk.length;
      const unpacked = this.unpackedBytes;
      if (maxBytes !== undefined && unpacked > maxBytes) {
        throw this.tooLarge(`its tar stream passed ${formatBytes(unpacked)}${this.wrapping === 'none' ? '' : ` after ${this.wrapping} decompression`}`);
      }
      if (this.wrapping !== 'none' && unpacked > this.bombGuardAfterBytes && unpacked > this.maxRatio * this.bytesRead) {
        throw new ArchiveError(
          'too-large',
          `the archive unpacks to more than ${this.maxRatio} times its compressed size (${formatBytes(unpacked)} from ${formatBytes(this.bytesRead)} so far): refusing a likely decompression bomb; if it is a real image archive, upload the tar uncompressed`,
        );
      }
      yield chunk;
    }
  }

  /** What is left must start with a tar header; compressed again means an archive of archives. */
  private async *checkTar(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const { head, rest } = await takeHead(source, SNIFF_BYTES);
    const kind = sniffContent(head);
    const after = this.wrapping === 'none' ? '' : ` (after ${this.wrapping} decompression)`;
    if (kind === 'tar') {
      yield* rest;
      return;
    }
    if (isArchiveKind(kind)) {
      throw new ArchiveError(
        'nested-archive',
        `archive of archives: the upload is ${this.wrapping} around ${describeKind(kind)}, compressed twice; decompress it once and import the archive inside`,
      );
    }
    if (kind === 'empty') throw new ArchiveError('empty', `the upload is empty${after}`);
    if (head.length < SNIFF_BYTES) throw new ArchiveError('not-tar', `not a tar archive: the upload is only ${head.length} bytes${after}, shorter than one tar header`);
    throw new ArchiveError('not-tar', `not a tar archive: the upload${after} starts with ${describeHead(head)}, not a tar header`);
  }

  private async entry(header: tar.Headers, stream: Readable): Promise<void> {
    const name = normalizeMemberName(header.name);
    this.current = name;
    this.declare(name, header.size ?? 0);
    const type = header.type ?? 'file';
    if (type === 'directory') {
      if (!classifyMember(name, 'directory')) throw unexpectedMember(`${name}/`, new Uint8Array(0));
      await drain(stream);
    } else if (type === 'symlink' || type === 'link') {
      this.claim(name);
      this.links.push({ name, target: resolveLinkTarget(name, header.linkname, type) });
      await drain(stream);
    } else if (type === 'file' || type === 'contiguous-file') {
      this.claim(name);
      await this.file(name, header.size ?? 0, stream);
    } else {
      throw new ArchiveError('unsafe-name', `member "${clip(name)}" is ${TAR_TYPES[type] ?? `of tar type ${type}`}; archives may hold regular files only`);
    }
    this.last = name;
    this.current = undefined;
  }

  private async file(name: string, size: number, stream: Readable): Promise<void> {
    const role = classifyMember(name, 'file');
    if (!role) {
      const { head } = await takeHead(stream as AsyncIterable<Buffer>, SNIFF_BYTES);
      throw unexpectedMember(name, head);
    }
    switch (role.kind) {
      case 'metadata':
        this.members.push(await this.stager.readDocument(name, size, stream));
        return;
      case 'blob':
        this.members.push(await this.stager.stageBlob(name, size, await this.withinBlobLimit(name, size, stream)));
        return;
      default:
        await drain(stream);
    }
  }

  /** BERTH_IMPORT_MAX_BYTES against the sizes the headers declare: a member that would pass it fails before its bytes are read. */
  private declare(name: string, size: number): void {
    this.declaredBytes += size;
    const max = this.limits.maxBytes;
    if (max !== undefined && this.declaredBytes > max) {
      throw this.tooLarge(`its members declare ${formatBytes(this.declaredBytes)} up to "${clip(name)}" (${formatBytes(size)})`);
    }
  }

  /**
   * BERTH_UPLOAD_MAX_BYTES before staging, for the members staged byte for byte that can be large
   * (compressed layers, other data). The service holds the plan's blobs to the same limit once the
   * archive is read, which alone can judge the rest: an uncompressed tar is staged gzip-compressed (the
   * limit is on that copy, as for a push), and a JSON document of at most 4 MiB may be a manifest (not a
   * blob) or a config.
   */
  private async withinBlobLimit(name: string, size: number, stream: Readable): Promise<Readable> {
    const max = this.limits.maxBlobBytes;
    if (max === undefined || size <= max) return stream;
    const { head, rest } = await takeHead(stream as AsyncIterable<Buffer>, SNIFF_BYTES);
    const kind = sniffContent(head);
    if (kind !== 'tar' && !(kind === 'json' && size <= MAX_JSON_MEMBER_BYTES)) {
      throw new ArchiveError('too-large', `member "${clip(name)}" is ${size} bytes, over this registry's limit of ${max} bytes per blob (BERTH_UPLOAD_MAX_BYTES)`);
    }
    return Readable.from(rest, { objectMode: false });
  }

  private tooLarge(detail: string): ArchiveError {
    const max = formatBytes(this.limits.maxBytes ?? 0);
    return new ArchiveError(
      'too-large',
      `the archive is larger than BERTH_IMPORT_MAX_BYTES (${max}): ${detail}; import fewer images per archive, or ask an administrator to raise the limit`,
    );
  }

  private claim(name: string): void {
    if (this.seen.has(name)) throw new ArchiveError('duplicate', `member "${clip(name)}" appears twice in the archive`);
    if (this.seen.size >= MAX_ARCHIVE_MEMBERS) throw new ArchiveError('too-large', `the archive has more than ${MAX_ARCHIVE_MEMBERS} members; image archives have far fewer`);
    this.seen.add(name);
  }

  /** Stream and parser errors, in the archive's terms. */
  private explain(err: unknown): unknown {
    if (err instanceof ArchiveError || err instanceof UploadInterruptedError) return err;
    const error = err as NodeJS.ErrnoException;
    const message = error?.message ?? String(err);
    if (message === 'Unexpected end of data') {
      return new ArchiveError('truncated', this.current ? `the archive is truncated: it ends inside member "${clip(this.current)}"` : 'the archive is truncated: it ends inside a tar header');
    }
    if (message.startsWith('Invalid tar header')) {
      const where = this.last ? `after member "${clip(this.last)}"` : 'at its start';
      return new ArchiveError('not-tar', `the tar archive is corrupt ${where}: the next block is not a valid tar header`);
    }
    if (error?.code === 'Z_BUF_ERROR') return new ArchiveError('truncated', 'the archive is truncated: its gzip stream ends early');
    if (typeof error?.code === 'string' && error.code.startsWith('Z_')) return new ArchiveError('not-tar', `the archive's gzip stream is corrupt: ${message}`);
    if (error?.code === 'ZSTD_ERROR' || /zstd/i.test(error?.code ?? '')) return new ArchiveError('not-tar', `the archive's zstd stream is corrupt or truncated (${message})`);
    return err;
  }
}

/** At least `bytes` bytes from the front of `source` (fewer at its end), and the whole stream again from its start. */
async function takeHead(source: AsyncIterable<Buffer>, bytes: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { head, rest: rest() };
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream as AsyncIterable<Buffer>) {
    // discarded
  }
}
