import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../common/domain-error';
import { toApiError } from './api-error';

/**
 * /api takes JSON bodies only. Besides keeping one parser, this is a CSRF backstop: a cross-site form can
 * send urlencoded, multipart or text/plain bodies without a preflight, but never application/json.
 */
export function requireJsonBody(req: Request, res: Response, next: NextFunction): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody || req.is('application/json') || isStreamedUpload(req)) return next();
  sendApiError(DomainError.invalid('request bodies must be JSON (Content-Type: application/json)'), req, res);
}

/**
 * Archive imports (POST /api/v1/projects/<name>/imports) stream a tar of any size, left unread here for the
 * route. Only with these types, none of which a cross-site form or a fetch without a preflight can send,
 * so the CSRF backstop above still holds.
 */
const STREAMED_UPLOAD_PATH = /^\/v1\/projects\/[^/]+\/imports\/?$/;
export const STREAMED_UPLOAD_TYPES: readonly string[] = ['application/octet-stream', 'application/x-tar', 'application/gzip', 'application/x-gzip', 'application/zstd'];

function isStreamedUpload(req: Request): boolean {
  return req.method === 'POST' && STREAMED_UPLOAD_PATH.test(req.path) && typeof req.is([...STREAMED_UPLOAD_TYPES]) === 'string';
}

/** After express.json(): malformed or oversized bodies answered in the console's error shape, not as HTML. */
export function jsonBodyErrors(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  sendApiError(err, req, res);
}

/** Outside Nest (middleware, unmatched /api paths), the same body the exception filter writes. */
export function sendApiError(err: unknown, req: Request, res: Response): void {
  const error = toApiError(err, String((req as Request & { id?: string }).id ?? ''));
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  res.status(error.status).json(error.body);
}
