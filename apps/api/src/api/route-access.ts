import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { Actor, ANONYMOUS, Principal, UserPrincipal } from '../access/principal';
import { clientAddress } from './trusted-proxies';

/**
 * Who may call a console route:
 * - `authenticated` (the default): a user, by session or Basic credentials; else 401;
 * - `admin`: a system administrator; 401 without credentials, 403 for other users;
 * - `public`: anyone; credentials are still read when sent (a project page looks different when logged in);
 * - `credentials-ignored`: anyone, and credentials are not even read (login and signup: a stale session
 *   or a CSRF header must not stand between a user and the login form).
 * Robot accounts are refused (403) everywhere but on routes also marked @RobotsAllowed().
 */
export type RouteAccess = 'authenticated' | 'admin' | 'public' | 'credentials-ignored';

export const ROUTE_ACCESS = 'berth:route-access';

export const Public = (options: { ignoreCredentials?: boolean } = {}) =>
  SetMetadata<string, RouteAccess>(ROUTE_ACCESS, options.ignoreCredentials ? 'credentials-ignored' : 'public');

export const AdminOnly = () => SetMetadata<string, RouteAccess>(ROUTE_ACCESS, 'admin');

export const ROBOTS_ALLOWED = 'berth:robots-allowed';

/**
 * Robot Basic credentials (`robot$project+name:secret`) are taken here too, as for a user; what the robot
 * may do is then its permissions' business (AccessService). Only for what a registry client does anyway
 * (archive import is a push, export a pull), so a robot never reaches project settings, members or users.
 */
export const RobotsAllowed = () => SetMetadata<string, boolean>(ROBOTS_ALLOWED, true);

/** What the console guard attaches to the request. */
export interface ConsoleRequest extends Request {
  id?: string;
  principal?: Principal;
  /** Set when the caller authenticated with the session cookie (not with Basic credentials). */
  consoleSessionId?: string;
}

/** The caller on a public route: a user, ANONYMOUS, or a robot on a @RobotsAllowed() route. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<ConsoleRequest>().principal ?? ANONYMOUS);

/** The caller on an authenticated route (the guard has made sure it is a user). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): UserPrincipal => {
  const principal = ctx.switchToHttp().getRequest<ConsoleRequest>().principal;
  if (principal?.kind !== 'user') throw new Error('CurrentUser on a route that does not require a user (on a @RobotsAllowed() route, use CurrentActor)');
  return principal;
});

/** The caller on an authenticated @RobotsAllowed() route: a user or a robot. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const principal = ctx.switchToHttp().getRequest<ConsoleRequest>().principal;
  if (!principal || principal.kind === 'anonymous') throw new Error('CurrentActor on a route that does not require authentication');
  return principal;
});

/** The id of the session the request came with, if it came with one. */
export const CurrentSessionId = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => ctx.switchToHttp().getRequest<ConsoleRequest>().consoleSessionId);

/** The client address, as the login limiter and the audit log see it. */
export const ClientAddress = createParamDecorator((_: unknown, ctx: ExecutionContext): string => clientAddress(ctx.switchToHttp().getRequest<Request>()));
