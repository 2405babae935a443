import type { NextFunction, Request, Response } from 'express';
import { errorEnvelope, isRegistryError, matchRegistryRoute, OciErrors, RegistryError } from '@berth/oci';

/**
 * Express decodes route parameters before any handler runs and gives up on malformed percent-encoding
 * (`/v2/fo%zz/tags/list`) with a bare 400. For /v2 paths, answer in the OCI envelope with the code the
 * registry router gives the path; other errors pass on untouched.
 */
export function malformedRegistryPath(err: unknown, req: Request, res: Response, next: NextFunction): void {
  const path = req.originalUrl ?? '';
  if (!(err instanceof URIError) || !(path === '/v2' || path.startsWith('/v2/')) || res.headersSent) return next(err);
  let error: RegistryError;
  try {
    error = matchRegistryRoute(req.method, path)
      ? OciErrors.nameInvalid('invalid repository name: path contains malformed percent-encoding')
      : OciErrors.unsupported('no such registry endpoint', undefined, { status: 404 });
  } catch (thrown) {
    if (!isRegistryError(thrown)) return next(err);
    error = thrown;
  }
  res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
  res.status(error.status).json(errorEnvelope(error));
}
