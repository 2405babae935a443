import { ApiError } from './client';

type Translate = (key: string, values?: Record<string, unknown>) => string;
type Exists = (key: string) => boolean;

/** An error as the console says it: `message` in the reader's language, the server's own words under it. */
export interface ErrorText {
  message: string;
  /** What the server said (English, with names and numbers), when it adds to `message`. */
  detail?: string;
  /** The id to quote for a server fault. */
  requestId?: string;
}

/**
 * Server errors to catalogue keys: `errors.reason.<details.reason>` when the server names the case (filled
 * from `details`: tag, rule, ...), else `errors.code.<code>`, else the status. The server's message stays as
 * the detail, so nothing it said is lost in translation.
 */
export function errorText(err: unknown, t: Translate, te: Exists): ErrorText {
  if (err instanceof ApiError) {
    const body = err.body;
    const details = (body?.details ?? {}) as Record<string, unknown>;
    const reason = typeof details.reason === 'string' ? `errors.reason.${details.reason}` : undefined;
    const code = body?.code ? `errors.code.${body.code}` : undefined;
    const key = reason && te(reason) ? reason : code && te(code) ? code : undefined;
    const requestId = body?.code === 'INTERNAL' && body.requestId ? body.requestId : undefined;
    if (key) {
      const message = t(key, { ...details, status: err.status });
      // A server fault's message is only "internal server error": the request id says more.
      const detail = requestId || !body?.message || body.message === message ? undefined : body.message;
      return { message, detail, requestId };
    }
    if (body?.message) return { message: body.message, requestId };
    if (err.status === 404) return { message: t('common.error.notFound') };
    if (err.status === 403) return { message: t('common.error.forbidden') };
    if (err.status === 401) return { message: t('common.error.unauthorized') };
    return { message: t('common.error.status', { status: err.status }) };
  }
  if (err instanceof TypeError) return { message: t('common.error.network') };
  return { message: err instanceof Error ? err.message : String(err) };
}
