import { createHash, Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Transform, Writable } from 'node:stream';
import { ArchiveError, ArchiveMember, ContentKind, MAX_JSON_MEMBER_BYTES, SNIFF_BYTES, sniffContent } from '@berth/oci';
import type { FileWriter, StorageDriver } from '@berth/storage';
import { createDecompressor, createLayerGzip } from './compression';

/** Every JSON document of one archive kept in memory together (configs, manifests): far more than real archives need. */
const MAX_JSON_TOTAL_BYTES = 64 * 1024 * 1024;

/**
 * Writes the members of one archive to staging files under `dir` as they stream by, in one pass:
 * hashing every member, gzip-compressing uncompressed tars on the fly (staging only the compressed copy),
 * decompressing gzip and zstd members beside the copy to learn their uncompressed digest (the diff ID), and
 * keeping small JSON documents in memory for the plan. Nothing is read back.
 */
export class MemberStager {
  /** Member name -> its staged file. */
  readonly staged = new Map<string, string>();
  private count = 0;
  private jsonBytes = 0;

  constructor(
    private readonly storage: StorageDriver,
    private readonly dir: string,
  ) {}

  /** A member whose bytes may become a blob. */
  async stageBlob(name: string, size: number, source: Readable): Promise<ArchiveMember> {
    const path = `${this.dir}/m${++this.count}`;
    const raw = createHash('sha256');
    let keep: Buffer[] | undefined = size <= MAX_JSON_MEMBER_BYTES ? [] : undefined;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let sink: Sink | undefined;
    let content: ContentKind = 'empty';
    const open = async () => {
      const head = Buffer.concat(pending);
      content = sniffContent(head);
      if (content !== 'json') keep = undefined;
      sink = await this.openSink(content, path);
      pending = [];
      if (head.length > 0) await sink.write(head);
    };
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        raw.update(chunk);
        keep?.push(chunk);
        if (sink) {
          await sink.write(chunk);
          continue;
        }
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= SNIFF_BYTES) await open();
      }
      if (!sink) await open();
      const done = await sink!.end();
      this.staged.set(name, path);
      const member: ArchiveMember = { name, size, digest: `sha256:${raw.digest('hex')}`, content, ...done };
      if (keep) member.bytes = this.remember(Buffer.concat(keep));
      return member;
    } catch (err) {
      await sink?.abort();
      throw err;
    }
  }

  /** manifest.json, index.json, repositories, oci-layout: parsed from memory, never staged. */
  async readDocument(name: string, size: number, source: Readable): Promise<ArchiveMember> {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    for await (const chunk of source as AsyncIterable<Buffer>) {
      hash.update(chunk);
      if (size <= MAX_JSON_MEMBER_BYTES) chunks.push(chunk);
    }
    const bytes = Buffer.concat(chunks);
    const content = size <= MAX_JSON_MEMBER_BYTES ? sniffContent(bytes) : 'data';
    const member: ArchiveMember = { name, size, digest: `sha256:${hash.digest('hex')}`, content };
    if (content === 'json') member.bytes = this.remember(bytes);
    return member;
  }

  private remember(bytes: Buffer): Buffer {
    this.jsonBytes += bytes.length;
    if (this.jsonBytes > MAX_JSON_TOTAL_BYTES) {
      throw new ArchiveError('too-large', `the archive holds more than ${MAX_JSON_TOTAL_BYTES / 1024 / 1024} MiB of JSON documents (configs and manifests)`);
    }
    return bytes;
  }

  private async openSink(content: ContentKind, path: string): Promise<Sink> {
    const writer = await this.storage.writer(path, false);
    // A failed write (a full disk) is seen through `errored` at the next write or at commit; without a
    // listener its 'error' event, emitted between two writes, would be an uncaught exception.
    writer.on('error', () => undefined);
    if (content === 'tar') return new CompressingSink(writer);
    if (content === 'gzip' || content === 'zstd') return new DecompressingTapSink(writer, content);
    return new PlainSink(writer);
  }
}

interface SinkResult {
  compressed?: { digest: string; size: number };
  uncompressed?: { digest: string; size: number };
  uncompressedError?: string;
}

interface Sink {
  write(chunk: Buffer): Promise<void>;
  end(): Promise<SinkResult>;
  abort(): Promise<void>;
}

/** Writes with backpressure, failing as soon as the stream has failed. */
async function feed(target: Writable, chunk: Buffer): Promise<void> {
  if (target.errored) throw target.errored;
  if (!target.write(chunk)) await once(target, 'drain');
}

/** The bytes as they are. */
class PlainSink implements Sink {
  constructor(protected readonly writer: FileWriter) {}

  write(chunk: Buffer): Promise<void> {
    return feed(this.writer, chunk);
  }

  async end(): Promise<SinkResult> {
    await this.writer.commit();
    return {};
  }

  async abort(): Promise<void> {
    await this.writer.cancel().catch(() => undefined);
  }
}

/** The bytes as they are, and beside them a decompressor whose output is only hashed: the diff ID of a compressed layer. */
class DecompressingTapSink extends PlainSink {
  private readonly decompressor: Transform;
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private failure?: string;
  private readonly drained: Promise<void>;

  constructor(writer: FileWriter, kind: 'gzip' | 'zstd') {
    super(writer);
    this.decompressor = createDecompressor(kind);
    this.decompressor.on('data', (chunk: Buffer) => {
      this.hash.update(chunk);
      this.size += chunk.length;
    });
    // A member that does not decompress is not a layer; whether that matters is the plan's call.
    this.drained = new Promise((resolve) => {
      this.decompressor.once('end', resolve);
      this.decompressor.on('error', (err: Error) => {
        this.failure ??= err.message;
        resolve();
      });
    });
  }

  override async write(chunk: Buffer): Promise<void> {
    if (this.failure === undefined && !this.decompressor.destroyed && !this.decompressor.write(chunk)) {
      // Both must keep up, but a failed decompressor must not stop the copy: its failure ends the wait too.
      await new Promise<void>((resolve) => {
        this.decompressor.once('drain', resolve);
        void this.drained.then(resolve);
      });
    }
    await feed(this.writer, chunk);
  }

  override async end(): Promise<SinkResult> {
    if (this.failure === undefined) this.decompressor.end();
    await this.drained;
    await this.writer.commit();
    if (this.failure !== undefined) return { uncompressedError: this.failure };
    return { uncompressed: { digest: `sha256:${this.hash.digest('hex')}`, size: this.size } };
  }

  override async abort(): Promise<void> {
    this.decompressor.destroy();
    await super.abort();
  }
}

/** An uncompressed tar: gzip-compressed on its way to the file, hashing the compressed bytes as they leave. */
class CompressingSink implements Sink {
  private readonly gzip = createLayerGzip();
  private readonly hash: Hash = createHash('sha256');
  private readonly piped: Promise<void>;

  constructor(private readonly writer: FileWriter) {
    this.gzip.on('data', (chunk: Buffer) => this.hash.update(chunk));
    this.piped = new Promise((resolve, reject) => {
      this.gzip.on('error', reject);
      writer.on('error', reject);
      this.gzip.on('end', resolve);
    });
    // Attached after the hashing listener, so the file gets the chunks in the same order.
    this.gzip.pipe(writer, { end: false });
    this.piped.catch(() => undefined);
  }

  write(chunk: Buffer): Promise<void> {
    if (this.writer.errored) return Promise.reject(this.writer.errored);
    return feed(this.gzip, chunk);
  }

  async end(): Promise<SinkResult> {
    this.gzip.end();
    await this.piped;
    await this.writer.commit();
    return { compressed: { digest: `sha256:${this.hash.digest('hex')}`, size: this.writer.size } };
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.writer.cancel().catch(() => undefined);
  }
}
