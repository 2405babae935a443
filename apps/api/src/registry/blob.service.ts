import { Inject, Injectable, Logger } from '@nestjs/common';
import { OciErrors } from '@berth/oci';
import { PathNotFoundError, RandomAccessFile, StorageDriver } from '@berth/storage';
import { BERTH_CONFIG, BerthConfig } from '../config/config';
import { STORAGE_DRIVER } from '../storage/storage.module';
import { BlobLayout } from './blob-layout';
import { BlobRepository } from './blob.repository';
import { bufferFile } from './http/send-file';
import { ManifestRepository } from './manifest.repository';

export interface BlobDescription {
  digest: string;
  size: number;
  /** Set when the digest names a manifest of the repository, which clients may fetch as a blob. */
  mediaType?: string;
  content?: Buffer;
}

/** Reading and unlinking blobs as seen from one repository. */
@Injectable()
export class BlobService {
  private readonly logger = new Logger(BlobService.name);

  constructor(
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly blobs: BlobRepository,
    private readonly manifests: ManifestRepository,
  ) {}

  /**
   * `existenceCheck` is a HEAD: a pushing client asks it before skipping an upload, so the blob's grace
   * window against garbage collection is renewed until its manifest arrives.
   */
  async describe(name: string, digest: string, existenceCheck = false): Promise<BlobDescription> {
    // Renewed before the lookup: a sweep that marks the blob after this finds a newer version and leaves it.
    if (existenceCheck) await this.blobs.renew(name, digest, this.config.gc.graceMs / 2);
    const blob = await this.blobs.findLinked(name, digest);
    if (blob) return blob;
    const manifest = await this.manifests.findByDigest(name, digest, true);
    if (manifest) return { digest, size: manifest.size, mediaType: manifest.mediaType, content: manifest.content };
    throw OciErrors.blobUnknown(`blob ${digest} is unknown to ${name}`, { digest });
  }

  /** The blob's bytes for positional reads; a manifest served as a blob is read from memory. */
  async open(blob: BlobDescription): Promise<RandomAccessFile> {
    if (blob.content) return bufferFile(blob.content);
    try {
      return await this.storage.openFile(BlobLayout.blobData(blob.digest));
    } catch (err) {
      if (err instanceof PathNotFoundError) {
        // The database knows the blob but storage lost it: report it missing rather than fail obscurely.
        this.logger.error(`blob ${blob.digest} is recorded but missing from storage`);
        throw OciErrors.blobUnknown(`blob ${blob.digest} is missing from storage`, { digest: blob.digest });
      }
      throw err;
    }
  }

  /** Removes the repository's link; bytes are freed by garbage collection. */
  async unlink(name: string, digest: string): Promise<void> {
    if (!(await this.blobs.unlink(name, digest))) throw OciErrors.blobUnknown(`blob ${digest} is unknown to ${name}`, { digest });
  }
}
