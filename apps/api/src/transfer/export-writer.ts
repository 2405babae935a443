import { Inject, Injectable, Logger } from '@nestjs/common';
import { Readable, type Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Pack } from 'tar-stream';
import {
  EXPORT_TAR_END_BYTES,
  ExportMembers,
  exportDockerManifestJson,
  exportDockerRepositories,
  exportOciIndex,
  exportOciLayout,
  exportTarMemberBytes,
  exportUncompressedManifest,
  layoutBlobPath,
  sniffContent,
  type ExportName,
  type OciExportEntry,
  type Platform,
} from '@berth/oci';
import { PathNotFoundError, type StorageDriver } from '@berth/storage';
import { DomainError } from '../common/domain-error';
import { BlobLayout } from '../registry/blob-layout';
import { BlobRepository } from '../registry/blob.repository';
import { STORAGE_DRIVER } from '../storage/storage.module';
import { createDecompressor } from './compression';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

/** A blob in storage, with the size its manifest gives it. */
export interface StoredBlob {
  digest: string;
  size: number;
}

/** A blob of an OCI export: in storage, or in memory (manifests: the database holds their bytes). */
export interface PlannedBlob extends StoredBlob {
  content?: Buffer;
}

export interface PlannedLayer {
  stored: StoredBlob;
  compression: LayerCompression;
  /** The config's diff_id for it: the sha256 of the uncompressed bytes, and its name in the archive. */
  diffId: string;
  /** Its size once decompressed, when known (blob.uncompressed_size); else the writer counts it. */
  uncompressedSize?: number;
}

export interface DockerPlanImage {
  config: StoredBlob;
  layers: PlannedLayer[];
  names: ExportName[];
  platform?: Platform;
}

/** Everything an archive holds, settled (and checked against storage) before its first byte is sent. */
export type ExportPlan = { format: 'docker'; images: DockerPlanImage[] } | { format: 'oci'; index: Buffer; blobs: PlannedBlob[] };

/** Bytes per read of a stored blob and per chunk of an inflated layer: large enough that per-chunk costs vanish, small enough to stay out of the RSS. */
const CHUNK = 256 * 1024;
const EPOCH = new Date(0);

/**
 * Writes an export plan as a tar stream, as it is produced. Storage is read in chunks through
 * tar-stream's pack into the response, so back-pressure from the socket reaches the file reads and no
 * layer is ever held in memory. A docker archive holds layers uncompressed, and a tar header needs the
 * size before the content. Sizes are stored (`blob.uncompressed_size`) for layers an import read; any
 * other compressed layer is inflated once to count it (in zlib's thread pool, one layer ahead of the one
 * being sent) and once to send it, and the count is stored, so every later export of it, from any replica,
 * inflates it once. Measured on a 256 MiB layer: the counting pass costs ~300 ms, inflating into a temp
 * file ~470 ms plus ~80 ms to read it back, so a temp file saves little, needs disk as large as the layer
 * per concurrent export, and leaves files to clean up after a crash; counting needs nothing. (A gzip
 * trailer's ISIZE is not the size: it is modulo 4 GiB and covers only the last member of a multi-member
 * stream.)
 */
@Injectable()
export class ExportWriter {
  private readonly logger = new Logger(ExportWriter.name);

  constructor(
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly blobs: BlobRepository,
  ) {}

  /** How the layer is compressed, from its first bytes (media types lie more often than magic numbers); CONFLICT when storage lacks it. */
  async inspectLayer(blob: StoredBlob, what: string): Promise<LayerCompression> {
    const file = await this.open(blob, what);
    try {
      const head = Buffer.alloc(4);
      const kind = sniffContent(head.subarray(0, await file.read(head, 0)));
      return kind === 'gzip' || kind === 'zstd' ? kind : 'none';
    } finally {
      await file.close().catch(() => undefined);
    }
  }

  /** Whether storage holds the blob; an error when it holds it with a size other than its descriptor's. */
  async isStored(blob: StoredBlob, what: string): Promise<boolean> {
    let size: number;
    try {
      ({ size } = await this.storage.stat(BlobLayout.blobData(blob.digest)));
    } catch (err) {
      if (err instanceof PathNotFoundError) return false;
      throw err;
    }
    if (size !== blob.size) throw wrongSize(blob, size, what);
    return true;
  }

  /** CONFLICT unless storage holds the blob with the size its descriptor gives. */
  async checkStored(blob: StoredBlob, what: string): Promise<void> {
    if (!(await this.isStored(blob, what))) throw missing(blob, what);
  }

  /** The blob's bytes, read whole (an image config); CONFLICT when storage lacks it. */
  async readBlob(blob: StoredBlob, what: string): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = await this.storage.getContent(BlobLayout.blobData(blob.digest));
    } catch (err) {
      throw err instanceof PathNotFoundError ? missing(blob, what) : err;
    }
    if (bytes.length !== blob.size) throw wrongSize(blob, bytes.length, what);
    return bytes;
  }

  /** The archive's exact length when every size is known before writing (OCI exports); undefined for docker ones. */
  contentLength(plan: ExportPlan): number | undefined {
    if (plan.format !== 'oci') return undefined;
    // tar-stream writes one 512-byte header for names up to 100 characters (sha512 blob names are longer).
    if (plan.blobs.some((b) => layoutBlobPath(b.digest).length > 100)) return undefined;
    const sizes = [exportOciLayout().length, plan.index.length, ...plan.blobs.map((b) => b.size)];
    return sizes.reduce((sum, size) => sum + exportTarMemberBytes(size), EXPORT_TAR_END_BYTES);
  }

  /**
   * Streams the archive into `out` and resolves with the bytes written once the last one is flushed.
   * Rejects when `out` closes first (the client went away) or storage fails; reads stop either way, and
   * every file opened is closed.
   */
  async write(plan: ExportPlan, out: Writable): Promise<number> {
    const archive = new TarArchive(out);
    try {
      if (plan.format === 'docker') await this.writeDocker(plan.images, archive);
      else await this.writeOci(plan, archive);
      return await archive.finish();
    } catch (err) {
      archive.abort(err as Error);
      throw err;
    }
  }

  private async writeOci(plan: Extract<ExportPlan, { format: 'oci' }>, archive: TarArchive): Promise<void> {
    await archive.addBuffer(ExportMembers.ociLayout, exportOciLayout());
    // Every size is known, so the index can lead: a streaming reader learns what follows before the blobs.
    await archive.addBuffer(ExportMembers.ociIndex, plan.index);
    for (const blob of plan.blobs) {
      if (blob.content) await archive.addBuffer(layoutBlobPath(blob.digest), blob.content);
      else await archive.addStream(layoutBlobPath(blob.digest), blob.size, () => this.storage.reader(BlobLayout.blobData(blob.digest)));
    }
  }

  private async writeDocker(images: DockerPlanImage[], archive: TarArchive): Promise<void> {
    // manifest.json and repositories name layers by diff_id only: they can lead, before any size is known.
    const byDiffId = images.map((image) => ({ ...image, layers: image.layers.map((l) => ({ digest: l.diffId, size: 0 })) }));
    await archive.addBuffer(ExportMembers.ociLayout, exportOciLayout());
    await archive.addBuffer(ExportMembers.dockerManifest, exportDockerManifestJson(byDiffId));
    await archive.addBuffer(ExportMembers.dockerRepositories, exportDockerRepositories(byDiffId));

    const written = new Set<string>();
    for (const image of images) {
      if (written.has(image.config.digest)) continue;
      written.add(image.config.digest);
      await archive.addStream(layoutBlobPath(image.config.digest), image.config.size, () => this.storage.reader(BlobLayout.blobData(image.config.digest)));
    }

    // Each layer once, however many images share it; its size is counted one layer ahead of the one being sent.
    const layers = [...new Map(images.flatMap((image) => image.layers).map((l) => [l.diffId, l])).values()].filter((l) => !written.has(l.diffId));
    const counting = new Map<string, Promise<number>>();
    const sizeOf = (layer: PlannedLayer): Promise<number> => {
      let size = counting.get(layer.diffId);
      if (!size) {
        size = this.uncompressedSize(layer, archive.signal);
        size.catch(() => undefined);
        counting.set(layer.diffId, size);
      }
      return size;
    };
    const sizes = new Map<string, number>();
    for (const [i, layer] of layers.entries()) {
      const size = await sizeOf(layer);
      if (layers[i + 1]) void sizeOf(layers[i + 1]);
      await archive.addStream(layoutBlobPath(layer.diffId), size, () => this.storage.reader(BlobLayout.blobData(layer.stored.digest)), inflater(layer.compression));
      sizes.set(layer.diffId, size);
      written.add(layer.diffId);
    }

    // The same images as an OCI layout over the uncompressed layers (what Docker 25+ writes beside manifest.json).
    const entries: OciExportEntry[] = [];
    for (const image of images) {
      const layersOf = image.layers.map((l) => ({ digest: l.diffId, size: sizes.get(l.diffId)! }));
      const manifest = exportUncompressedManifest({ config: image.config, layers: layersOf });
      if (!written.has(manifest.descriptor.digest)) {
        written.add(manifest.descriptor.digest);
        await archive.addBuffer(layoutBlobPath(manifest.descriptor.digest), manifest.content);
      }
      entries.push({ descriptor: { ...manifest.descriptor, ...(image.platform ? { platform: image.platform } : {}) }, names: image.names });
    }
    await archive.addBuffer(ExportMembers.ociIndex, exportOciIndex(entries, 'tag'));
  }

  /** Bytes of the layer once decompressed: known, else counted by inflating it (nothing is kept) and stored. */
  private async uncompressedSize(layer: PlannedLayer, signal: AbortSignal): Promise<number> {
    if (layer.compression === 'none') return layer.stored.size;
    if (layer.uncompressedSize !== undefined) return layer.uncompressedSize;
    let size = 0;
    const reader = await this.storage.reader(BlobLayout.blobData(layer.stored.digest));
    await chain(reader, inflater(layer.compression), async (chunks) => {
      for await (const chunk of chunks) size += chunk.length;
    }, signal);
    this.blobs.rememberUncompressedSize(layer.stored.digest, size).catch((err: unknown) => this.logger.warn(`could not store the uncompressed size of ${layer.stored.digest}: ${String(err)}`));
    return size;
  }

  private async open(blob: StoredBlob, what: string) {
    let file;
    try {
      file = await this.storage.openFile(BlobLayout.blobData(blob.digest));
    } catch (err) {
      throw err instanceof PathNotFoundError ? missing(blob, what) : err;
    }
    if (file.size !== blob.size) {
      await file.close().catch(() => undefined);
      throw wrongSize(blob, file.size, what);
    }
    return file;
  }
}

function missing(blob: StoredBlob, what: string): DomainError {
  return DomainError.conflict(`${what} ${blob.digest} is recorded but missing from storage`, { digest: blob.digest });
}

/** Storage holding other bytes than the manifest says is damage, not the caller's doing: a server error. */
function wrongSize(blob: StoredBlob, size: number, what: string): Error {
  return new Error(`${what} ${blob.digest} is ${size} bytes in storage, its descriptor says ${blob.size}`);
}

function inflater(compression: LayerCompression): Transform | undefined {
  return compression === 'none' ? undefined : createDecompressor(compression);
}

/**
 * tar-stream's pack piped into the response. Each entry's content is written with back-pressure (a
 * write waits for the entry to drain, which waits for the socket); when the response closes early the
 * pack is destroyed, the waiting write fails, and the pipeline feeding it closes the storage reader.
 */
class TarArchive {
  private readonly pack: Pack = tarPack({ highWaterMark: CHUNK });
  private readonly piped: Promise<void>;
  private readonly aborter = new AbortController();
  private bytes = 0;

  constructor(out: Writable) {
    this.piped = pipeline(this.pack, out);
    this.piped.catch((err) => this.aborter.abort(err));
  }

  /** Aborted when the archive fails or the response closes: pending storage reads stop. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  async addBuffer(name: string, content: Buffer): Promise<void> {
    await this.addStream(name, content.length, async () => Readable.from([content]));
  }

  async addStream(name: string, size: number, open: () => Promise<Readable>, inflate?: Transform): Promise<void> {
    this.signal.throwIfAborted();
    let sink!: NodeJS.WritableStream & { destroy(err?: Error): void; destroyed?: boolean; destroying?: boolean };
    const done = new Promise<void>((resolve, reject) => {
      sink = this.pack.entry({ name, size, mode: 0o644, mtime: EPOCH, type: 'file' }, (err) => (err ? reject(err) : resolve())) as unknown as typeof sink;
    });
    done.catch(() => undefined);
    // Failures are reported through `done` and the pipeline; without a listener an 'error' would crash the process.
    sink.on('error', () => undefined);
    let written = 0;
    const consume = async (chunks: AsyncIterable<Buffer>) => {
      for await (const chunk of chunks) {
        written += chunk.length;
        if (written > size) throw new Error(`${name} is longer than the ${size} bytes its header announced`);
        await writeChunk(sink, chunk);
      }
    };
    try {
      await chain(await open(), inflate, consume, this.signal);
      if (written !== size) throw new Error(`${name} ended after ${written} bytes, its header announced ${size}`);
    } catch (err) {
      sink.destroy(err as Error);
      throw this.signal.aborted ? (this.signal.reason ?? err) : err;
    }
    sink.end();
    await done;
    this.bytes += exportTarMemberBytes(size);
  }

  /** Ends the archive and resolves with its length once the response has taken the last byte. */
  async finish(): Promise<number> {
    this.pack.finalize();
    await this.piped;
    return this.bytes + EXPORT_TAR_END_BYTES;
  }

  abort(err: Error): void {
    this.aborter.abort(err);
    this.pack.destroy(err);
  }
}

/** source -> [inflate] -> consume as one pipeline: any failure or the signal destroys every stage (closing the file). */
function chain(source: Readable, inflate: Transform | undefined, consume: (chunks: AsyncIterable<Buffer>) => Promise<void>, signal: AbortSignal): Promise<void> {
  // Node's typings cannot express an optional middle stage.
  const run = pipeline as unknown as (...stages: unknown[]) => Promise<void>;
  return inflate ? run(source, inflate, consume, { signal }) : run(source, consume, { signal });
}

/** One write into a tar entry; waits while the entry (and so the response) is full, fails once it is closed. */
function writeChunk(sink: NodeJS.WritableStream & { destroyed?: boolean; destroying?: boolean }, chunk: Buffer): Promise<void> {
  if (sink.destroyed || sink.destroying) return Promise.reject(new Error('the archive was closed'));
  if (sink.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (err?: Error) => {
      sink.removeListener('drain', onDrain);
      sink.removeListener('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('the archive was closed'));
    sink.on('drain', onDrain);
    sink.on('close', onClose);
  });
}
