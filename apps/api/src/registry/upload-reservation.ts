import { Transform } from 'node:stream';
import { DataSource } from 'typeorm';
import { OciErrors, projectOf } from '@berth/oci';
import { ProjectQuota } from './project-quota';
import { UploadRepository } from './upload.repository';

/** A body of unknown length reserves this much at a time: few transactions, and little held ahead of the bytes. */
export const RESERVATION_STEP_BYTES = 64 * 1024 * 1024;

export interface ReservationDeps {
  dataSource: DataSource;
  quota: ProjectQuota;
  uploads: UploadRepository;
}

/**
 * What one request may write into an upload session of a project with a quota. Bytes are reserved before
 * they are written, under the project's row lock, against the quota less its usage and less what every
 * other open session of the project holds or has reserved: concurrent uploads together never pass the
 * quota, and a tenant cannot fill the disk with sessions it never finishes. A body with a Content-Length
 * reserves all of it up front (refused before a byte is read when it does not fit); a streamed one
 * reserves in steps as it arrives and is refused at the first byte past what is left.
 */
export class UploadReservation {
  private granted = 0;
  private passed = 0;
  /** Set for a blob the project already counts: its size, past which the upload cannot be that blob. */
  private cappedAt?: number;
  /** The quota refusal, once there was one: the caller drops the session. */
  refusal?: Error;

  private constructor(
    private readonly deps: ReservationDeps,
    private readonly repository: string,
    private readonly id: string,
    /** What the session held before this request. */
    private readonly startSize: number,
  ) {}

  /**
   * The reservation for a request writing `length` bytes (unknown: streamed) after `startSize`; undefined
   * when the project has no quota. `digest`: the blob a completing request names. When the project already
   * counts it, the upload costs nothing (as at completion) and is only held to that blob's size.
   */
  static async open(deps: ReservationDeps, repository: string, id: string, startSize: number, length?: number, digest?: string): Promise<UploadReservation | undefined> {
    // One plain query for the common case, a project without a quota; the transaction is for those with one.
    if (!(await deps.quota.hasQuota(repository, deps.dataSource))) return undefined;
    const reservation = new UploadReservation(deps, repository, id, startSize);
    const counted = digest === undefined ? undefined : await deps.quota.countedBlobSize(repository, digest, deps.dataSource);
    if (counted !== undefined) {
      reservation.cappedAt = counted;
      reservation.granted = Math.max(0, counted - startSize);
      return reservation;
    }
    const limited = length === undefined ? await reservation.extend(0, RESERVATION_STEP_BYTES) : await reservation.extend(length, length);
    return limited ? reservation : undefined;
  }

  /** Passes the body through, reserving more before any byte past the reservation goes on. */
  gate(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        const end = this.passed + chunk.length;
        if (end <= this.granted) {
          this.passed = end;
          return callback(null, chunk);
        }
        if (this.cappedAt !== undefined) {
          this.refusal = OciErrors.sizeInvalid(`the upload is larger than the ${this.cappedAt}-byte blob it names`);
          return callback(this.refusal);
        }
        this.extend(end - this.granted, Math.max(end - this.granted, RESERVATION_STEP_BYTES)).then(
          () => {
            this.passed = end;
            callback(null, chunk);
          },
          (err: Error) => callback(err),
        );
      },
    });
  }

  /**
   * Grants at least `needed` and up to `wanted` more bytes, or throws the quota refusal. False when the
   * project has no quota (any more): nothing to reserve.
   */
  private async extend(needed: number, wanted: number): Promise<boolean> {
    const { dataSource, quota, uploads } = this.deps;
    return dataSource.transaction(async (tx) => {
      const project = await quota.lockForUpload(this.repository, tx);
      if (!project || project.quota === null) {
        this.granted = Infinity;
        return false;
      }
      const held = await uploads.heldInProject(projectOf(this.repository), this.id, tx);
      const room = project.quota - project.used - held - this.startSize - this.granted;
      if (room < needed) {
        this.refusal = quota.uploadRefused(project, held, this.startSize + this.granted + needed);
        throw this.refusal;
      }
      this.granted += Math.min(wanted, room);
      await uploads.reserve(this.id, this.startSize, this.granted, tx);
      return true;
    });
  }
}
