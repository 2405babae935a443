/** Why an archive cannot be imported; the message says what is wrong in terms of the archive's own members. */
export type ArchiveProblem =
  | 'empty'
  | 'not-tar'
  | 'truncated'
  | 'unsafe-name'
  | 'link'
  | 'duplicate'
  | 'unexpected-member'
  | 'too-large'
  | 'nested-archive'
  | 'no-index'
  | 'invalid-metadata'
  | 'missing-blob'
  | 'digest-mismatch'
  | 'size-mismatch'
  | 'diff-ids-mismatch'
  | 'unsupported';

/** A bad archive. Thrown by the pure parsing and planning code and by the stream reader alike. */
export class ArchiveError extends Error {
  constructor(
    readonly problem: ArchiveProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ArchiveError';
  }
}
