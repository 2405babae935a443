import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** The scheme and Host a request came to. */
export interface RequestOrigin {
  protocol: string;
  host: string | undefined;
}

/**
 * `req.protocol` and the Host header, as the registry's token realm reads them (registry-auth.guard.ts):
 * X-Forwarded-Proto counts only where Express is told to trust the proxy.
 */
export const CurrentOrigin = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestOrigin => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return { protocol: req.protocol, host: req.headers.host };
});
