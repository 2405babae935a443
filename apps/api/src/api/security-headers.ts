import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * The console (and the API explorer) under a Content-Security-Policy that allows no inline or foreign
 * script: everything the built console and swagger-ui load comes from this origin, as files. Styles may
 * be inline (Element Plus and swagger-ui set style attributes); images may be data: URIs (swagger-ui's
 * icons) or come over https (a README's badges). Nobody may frame Berth (clickjacking the signed-in console). No upgrade-insecure-requests and no
 * HSTS: Berth often runs on plain HTTP on an intranet, and HSTS is the TLS proxy's to send.
 */
const consoleHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'", "'unsafe-inline'"],
      // README images (badges, diagrams) are often hosted elsewhere; an image runs nothing.
      'img-src': ["'self'", 'data:', 'https:'],
      'font-src': ["'self'", 'data:'],
      'connect-src': ["'self'"],
      'object-src': ["'none'"],
      'base-uri': ["'self'"],
      'form-action': ["'self'"],
      'frame-ancestors': ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'same-origin' },
  strictTransportSecurity: false,
  crossOriginResourcePolicy: { policy: 'same-origin' },
});

/**
 * Registry content is data, never a page: whatever media type a pushed descriptor claims (`text/html`,
 * `image/svg+xml`), a browser opening it gets a sandboxed document that may load and run nothing.
 */
const registryHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"], sandbox: [] } },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
  // Registry clients are not browsers; a browser page elsewhere has no business embedding blobs either.
  crossOriginResourcePolicy: { policy: 'same-origin' },
});

/** Security headers on every response: the registry's stricter set under /v2, the console's elsewhere. */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  const registry = req.path === '/v2' || req.path.startsWith('/v2/');
  (registry ? registryHeaders : consoleHeaders)(req, res, next);
}
