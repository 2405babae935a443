import { HttpException } from '@nestjs/common';
import { DomainErrorCode, isDomainError } from '../common/domain-error';

/** The one error body of the console API. */
export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  requestId: string;
}

export interface ApiErrorResponse {
  status: number;
  body: ApiErrorBody;
  headers: Record<string, string>;
  /** A server fault: log it in full; the client only sees a generic message and the request id. */
  internal: boolean;
}

export const STATUS_OF_CODE: Readonly<Record<DomainErrorCode, number>> = Object.freeze({
  NOT_FOUND: 404,
  CONFLICT: 409,
  FORBIDDEN: 403,
  INVALID: 400,
  PRECONDITION: 409,
  QUOTA: 413,
  UNAUTHORIZED: 401,
  TOO_MANY_REQUESTS: 429,
});

const CODE_OF_STATUS: Readonly<Record<number, DomainErrorCode>> = Object.freeze({
  400: 'INVALID',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'QUOTA',
  415: 'INVALID',
  429: 'TOO_MANY_REQUESTS',
});

/** What body-parser throws, as far as we read it. */
interface BodyParserError {
  type: string;
  status?: number;
  expose?: boolean;
}

/**
 * Maps anything thrown while serving /api to a status and the console's error body. Domain errors are
 * mapped by code (once, here); Nest's HttpExceptions and body-parser errors by status; the rest is a 500.
 */
export function toApiError(err: unknown, requestId: string): ApiErrorResponse {
  if (isDomainError(err)) {
    const details = withIssues(err.code, err.message, err.details);
    const headers: Record<string, string> = {};
    const retryAfter = err.details?.retryAfterSeconds;
    if (err.code === 'TOO_MANY_REQUESTS' && typeof retryAfter === 'number' && retryAfter > 0) headers['Retry-After'] = String(Math.ceil(retryAfter));
    return { status: STATUS_OF_CODE[err.code], body: body(err.code, err.message, details, requestId), headers, internal: false };
  }
  const parser = bodyParserError(err);
  if (parser) return parser(requestId);
  if (err instanceof HttpException && err.getStatus() < 500) {
    const status = err.getStatus();
    const code = CODE_OF_STATUS[status] ?? 'INVALID';
    return { status, body: body(code, httpMessage(err), undefined, requestId), headers: {}, internal: false };
  }
  return { status: 500, body: body('INTERNAL', 'internal server error', undefined, requestId), headers: {}, internal: true };
}

function body(code: string, message: string, details: Record<string, unknown> | undefined, requestId: string): ApiErrorBody {
  return details && Object.keys(details).length > 0 ? { code, message, details, requestId } : { code, message, requestId };
}

/** A service's INVALID names one field; forms read `issues` for schema and service errors alike. */
function withIssues(code: DomainErrorCode, message: string, details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (code !== 'INVALID' || !details || 'issues' in details || typeof details.field !== 'string') return details;
  return { ...details, issues: [{ path: details.field, message }] };
}

function httpMessage(err: HttpException): string {
  const response = err.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return err.message;
}

function bodyParserError(err: unknown): ((requestId: string) => ApiErrorResponse) | undefined {
  if (typeof err !== 'object' || err === null || typeof (err as BodyParserError).type !== 'string') return undefined;
  const e = err as BodyParserError;
  const reply = (status: number, code: DomainErrorCode, message: string) => (requestId: string) => ({
    status,
    body: body(code, message, undefined, requestId),
    headers: {},
    internal: false,
  });
  switch (e.type) {
    case 'entity.parse.failed':
      return reply(400, 'INVALID', 'the request body is not valid JSON');
    case 'entity.too.large':
      return reply(413, 'QUOTA', 'the request body is too large (at most 2 MiB)');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return reply(400, 'INVALID', 'the request body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
      return reply(400, 'INVALID', 'the request body was incomplete');
    default:
      return e.expose && e.status !== undefined && e.status < 500 ? reply(e.status, CODE_OF_STATUS[e.status] ?? 'INVALID', 'the request body could not be read') : undefined;
  }
}
