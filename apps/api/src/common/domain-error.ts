/**
 * What went wrong, in the service's terms. The transport maps each code once (the console API to an
 * HTTP status and `{code, message}`, /v2 to the OCI envelope), so services never pick status codes.
 */
export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'INVALID'
  | 'PRECONDITION'
  | 'QUOTA'
  | 'UNAUTHORIZED'
  | 'TOO_MANY_REQUESTS';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Safe to show to the client: field names, limits, never secrets. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError('NOT_FOUND', message, details);
  }

  static conflict(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError('CONFLICT', message, details);
  }

  static forbidden(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError('FORBIDDEN', message, details);
  }

  static invalid(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError('INVALID', message, details);
  }

  static precondition(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError('PRECONDITION', message, details);
  }

  static quota(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError('QUOTA', message, details);
  }

  static unauthorized(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError('UNAUTHORIZED', message, details);
  }

  static tooManyRequests(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError('TOO_MANY_REQUESTS', message, details);
  }
}

export function isDomainError(err: unknown, code?: DomainErrorCode): err is DomainError {
  return err instanceof DomainError && (code === undefined || err.code === code);
}
