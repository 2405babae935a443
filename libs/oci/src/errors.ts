/** The error codes of the OCI Distribution Spec v1.1 error table; clients switch on these strings. */
export const REGISTRY_ERROR_CODES = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
  // Not in the spec's table: distribution's code for a server-side failure (answered with 500).
  'UNKNOWN',
  // Not in the spec's table either: distribution's code for a registry that cannot take the request now.
  'UNAVAILABLE',
] as const;

export type RegistryErrorCode = (typeof REGISTRY_ERROR_CODES)[number];

/** The HTTP status each code usually travels with (distribution's errcode registrations). */
export const ERROR_STATUS: Readonly<Record<RegistryErrorCode, number>> = Object.freeze({
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  UNKNOWN: 500,
  UNAVAILABLE: 503,
});

/** The spec's one-line description of each code, used when the thrower gives no message. */
export const DEFAULT_ERROR_MESSAGES: Readonly<Record<RegistryErrorCode, string>> = Object.freeze({
  BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown to registry',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  MANIFEST_BLOB_UNKNOWN: 'manifest references a manifest or blob unknown to registry',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNKNOWN: 'manifest unknown to registry',
  NAME_INVALID: 'invalid repository name',
  NAME_UNKNOWN: 'repository name not known to registry',
  SIZE_INVALID: 'provided length did not match content length',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNSUPPORTED: 'the operation is unsupported',
  TOOMANYREQUESTS: 'too many requests',
  UNKNOWN: 'unknown error',
  UNAVAILABLE: 'service unavailable',
});

export interface RegistryErrorOptions {
  detail?: unknown;
  /** Overrides the code's usual status, e.g. UNSUPPORTED as 415 for an unsupported media type. */
  status?: number;
  cause?: unknown;
}

/** A coded /v2 error; the transport turns it into the OCI envelope with `status`. */
export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly status: number;
  readonly detail?: unknown;

  constructor(code: RegistryErrorCode, message?: string, options: RegistryErrorOptions = {}) {
    super(message ?? DEFAULT_ERROR_MESSAGES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
    if (options.detail !== undefined) this.detail = options.detail;
  }

  toJSON(): ErrorEnvelopeEntry {
    return envelopeEntry(this);
  }
}

export function isRegistryError(value: unknown): value is RegistryError {
  return value instanceof RegistryError;
}

export interface ErrorEnvelopeEntry {
  code: RegistryErrorCode;
  message: string;
  detail?: unknown;
}

export interface ErrorEnvelope {
  errors: ErrorEnvelopeEntry[];
}

function envelopeEntry(error: RegistryError): ErrorEnvelopeEntry {
  const entry: ErrorEnvelopeEntry = { code: error.code, message: error.message };
  if (error.detail !== undefined) entry.detail = error.detail;
  return entry;
}

/** The body of every /v2 error response: `{"errors":[{"code","message","detail"}]}`. */
export function errorEnvelope(errors: RegistryError | readonly RegistryError[]): ErrorEnvelope {
  const list = Array.isArray(errors) ? errors : [errors as RegistryError];
  return { errors: list.map(envelopeEntry) };
}

export type RegistryErrorFactory = (message?: string, detail?: unknown, options?: { status?: number }) => RegistryError;

function factory(code: RegistryErrorCode, defaults: { status?: number; message?: string } = {}): RegistryErrorFactory {
  return (message, detail, options = {}) =>
    new RegistryError(code, message ?? defaults.message, { detail, status: options.status ?? defaults.status });
}

/**
 * One factory per spec code, plus `rangeInvalid` and `storageFull`.
 * rangeInvalid (out-of-order or overlapping chunk) answers 416 as the spec requires, but keeps the
 * envelope code BLOB_UPLOAD_INVALID: the spec has no range code and clients only know the table's codes.
 */
export const OciErrors = Object.freeze({
  blobUnknown: factory('BLOB_UNKNOWN'),
  blobUploadInvalid: factory('BLOB_UPLOAD_INVALID'),
  blobUploadUnknown: factory('BLOB_UPLOAD_UNKNOWN'),
  digestInvalid: factory('DIGEST_INVALID'),
  manifestBlobUnknown: factory('MANIFEST_BLOB_UNKNOWN'),
  manifestInvalid: factory('MANIFEST_INVALID'),
  manifestUnknown: factory('MANIFEST_UNKNOWN'),
  nameInvalid: factory('NAME_INVALID'),
  nameUnknown: factory('NAME_UNKNOWN'),
  sizeInvalid: factory('SIZE_INVALID'),
  unauthorized: factory('UNAUTHORIZED'),
  denied: factory('DENIED'),
  unsupported: factory('UNSUPPORTED'),
  tooManyRequests: factory('TOOMANYREQUESTS'),
  unknown: factory('UNKNOWN'),
  unavailable: factory('UNAVAILABLE'),
  /** The registry's storage is full: 507 Insufficient Storage (RFC 4918), which clients report like any 5xx, with the message. */
  storageFull: factory('UNAVAILABLE', {
    status: 507,
    message: 'the registry storage is full: nothing of this upload was kept; try again once an administrator has freed space',
  }),
  rangeInvalid: factory('BLOB_UPLOAD_INVALID', {
    status: 416,
    message: 'requested range not satisfiable: chunk does not start where the upload ends',
  }),
});
