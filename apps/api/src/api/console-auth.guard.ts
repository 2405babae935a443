import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { ANONYMOUS } from '../access/principal';
import { DomainError } from '../common/domain-error';
import { ConsoleAuthService } from '../console-auth/console-auth.service';
import { parseCookies } from './cookies';
import { ConsoleRequest, ROBOTS_ALLOWED, ROUTE_ACCESS, RouteAccess } from './route-access';
import { clearSessionCookies, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE } from './session-cookies';
import { clientAddress } from './trusted-proxies';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Resolves the caller of every console route (session cookie or Basic credentials, see
 * ConsoleAuthService) and enforces the route's access level: 401 without credentials unless the route
 * is @Public(), 403 for non-admins on @AdminOnly() routes, 403 for robots unless the route is
 * @RobotsAllowed() (ConsoleAuthService refuses them before checking their secret). Project permissions are
 * the services' job.
 */
@Injectable()
export class ConsoleAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: ConsoleAuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ConsoleRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const targets = [context.getHandler(), context.getClass()];
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, targets) ?? 'authenticated';
    const robots = this.reflector.getAllAndOverride<boolean | undefined>(ROBOTS_ALLOWED, targets) ?? false;
    if (access === 'credentials-ignored') {
      req.principal = ANONYMOUS;
      return true;
    }
    const cookies = parseCookies(req.headers.cookie);
    const csrfHeader = req.headers[CSRF_HEADER];
    const authentication = await this.auth.authenticate(
      {
        authorization: req.headers.authorization,
        sessionToken: cookies[SESSION_COOKIE],
        csrfCookie: cookies[CSRF_COOKIE],
        csrfHeader: Array.isArray(csrfHeader) ? csrfHeader[0] : csrfHeader,
        unsafe: !SAFE_METHODS.has(req.method),
        address: clientAddress(req),
      },
      { robots },
    );
    if (authentication.staleSession) clearSessionCookies(req, res);
    req.principal = authentication.principal;
    req.consoleSessionId = authentication.sessionId;
    if (access === 'public') return true;
    const principal = authentication.principal;
    if (principal.kind === 'anonymous') throw DomainError.unauthorized(authentication.staleSession ? 'the session has expired; log in again' : 'authentication required');
    if (access === 'admin' && !(principal.kind === 'user' && principal.isAdmin)) throw DomainError.forbidden('only system administrators may do this');
    return true;
  }
}
