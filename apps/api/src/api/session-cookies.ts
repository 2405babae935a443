import type { CookieOptions, Request, Response } from 'express';
import type { IssuedSession } from '../console-auth/console-session.service';

export const SESSION_COOKIE = 'berth_session';
export const CSRF_COOKIE = 'berth_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Secure when the request came over https: directly, or through a TLS-terminating proxy listed in
 * BERTH_TRUSTED_PROXIES that says so (X-Forwarded-Proto or Forwarded; Express's `req.secure`).
 */
function options(req: Request, httpOnly: boolean): CookieOptions {
  return { httpOnly, sameSite: 'lax', path: '/', secure: req.secure };
}

/** The session (httpOnly) and the CSRF token (readable by the console's scripts), both living until the session's hard end. */
export function setSessionCookies(req: Request, res: Response, session: IssuedSession): void {
  const maxAge = Math.max(0, session.endsAt.getTime() - Date.now());
  res.cookie(SESSION_COOKIE, session.token, { ...options(req, true), maxAge });
  res.cookie(CSRF_COOKIE, session.csrfToken, { ...options(req, false), maxAge });
}

export function clearSessionCookies(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, options(req, true));
  res.clearCookie(CSRF_COOKIE, options(req, false));
}
