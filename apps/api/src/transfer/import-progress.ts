import { Logger } from '@nestjs/common';
import { ImportJobRepository, ImportProgressFields } from './import-job.repository';

/** How often progress reaches the row the console polls. */
export const PROGRESS_INTERVAL_MS = 500;
/** Written even without progress (a stalled upload), so other replicas can tell a live job from an abandoned one. */
const HEARTBEAT_MS = 10_000;
/** A job whose row has not been written for this long is abandoned (its process died); see ImportJobRepository.failAbandoned. */
export const ABANDONED_AFTER_MS = 5 * 60_000;

/** Counters of one job, written to its row every 500 ms while they change (and as a heartbeat while they do not). */
export class ImportProgress {
  /** Set while uploading only; the commit phase leaves the column as the upload left it. */
  bytesRead?: number;
  layersDone = 0;
  imagesDone = 0;
  private written = '';
  private writtenAt = 0;
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;

  constructor(
    private readonly jobs: ImportJobRepository,
    private readonly id: string,
    private readonly logger: Logger,
  ) {}

  start(): this {
    this.writtenAt = Date.now();
    this.timer = setInterval(() => this.flush(false), PROGRESS_INTERVAL_MS);
    this.timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.writing;
  }

  private flush(force: boolean): void {
    // One write at a time: with a slow database the next tick just writes the newer numbers.
    if (this.writing) return;
    const fields: ImportProgressFields = { bytesRead: this.bytesRead, layersDone: this.layersDone, imagesDone: this.imagesDone };
    const key = JSON.stringify(fields);
    if (!force && key === this.written && Date.now() - this.writtenAt < HEARTBEAT_MS) return;
    this.written = key;
    this.writtenAt = Date.now();
    this.writing = this.jobs
      .progress(this.id, fields)
      .catch((err) => this.logger.warn(`progress of import ${this.id} not written: ${String(err)}`))
      .finally(() => (this.writing = undefined));
  }
}
