import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorEnvelope, OciErrors, RegistryError } from '@berth/oci';
import { parseBasicAuth } from './credential.service';
import { TokenAnswer, TokenIssuerService, TokenRequestError } from './token-issuer.service';
import { clientAddress } from '../common/client-address';

/**
 * The Docker token endpoint (`realm` of the registry's challenge). GET: Basic credentials or none in
 * (docker), with `offline_token=true` also a refresh token. POST: the OAuth2 form of distribution's token
 * spec, `grant_type=password` or `refresh_token` (containerd, buildkit, docker with an identity token).
 */
@Controller('service')
export class TokenController {
  constructor(private readonly issuer: TokenIssuerService) {}

  @Get('token')
  async token(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.locals.route = '/service/token';
    res.setHeader('Cache-Control', 'no-store');
    const header = req.headers.authorization;
    const request = { scopes: values(req.query.scope), offline: single(req.query.offline_token) === 'true', clientId: single(req.query.client_id), address: clientAddress(req) };
    try {
      const answer = await this.issuer.basic(header === undefined ? null : parseBasicAuth(header), request);
      res.status(200).json({ token: answer.token, access_token: answer.token, expires_in: answer.expiresIn, issued_at: answer.issuedAt, ...refresh(answer) });
    } catch (err) {
      if (!(err instanceof TokenRequestError)) throw err;
      // GET keeps the registry's error envelope, which docker reads; a 401 asks for Basic credentials.
      if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      if (err.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="berth"');
      res.status(err.status).json(errorEnvelope(err.status === 429 ? OciErrors.tooManyRequests(err.message) : OciErrors.unauthorized(err.message)));
    }
  }

  @Post('token')
  async oauth(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.locals.route = '/service/token (oauth)';
    res.setHeader('Cache-Control', 'no-store');
    try {
      const answer = await this.grant(req);
      res.status(200).json({ access_token: answer.token, token: answer.token, scope: answer.scope, expires_in: answer.expiresIn, issued_at: answer.issuedAt, ...refresh(answer) });
    } catch (err) {
      if (!(err instanceof TokenRequestError)) throw err;
      if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
      res.status(err.status).json(oauthError(err));
    }
  }

  private grant(req: Request): Promise<TokenAnswer> {
    const form = formOf(req);
    const field = (name: string, required = true): string | undefined => {
      const value = form[name];
      if (Array.isArray(value)) throw new TokenRequestError(400, 'invalid_request', `${name} may be given only once`);
      if (required && (typeof value !== 'string' || value === '')) throw new TokenRequestError(400, 'invalid_request', `${name} is required`);
      return typeof value === 'string' ? value : undefined;
    };
    const grantType = field('grant_type')!;
    const clientId = field('client_id')!;
    const request = { scopes: values(form.scope), offline: field('access_type', false) === 'offline', clientId, address: clientAddress(req) };
    switch (grantType) {
      case 'password':
        return this.issuer.password(field('username')!, field('password')!, request);
      case 'refresh_token':
        return this.issuer.refresh(field('refresh_token')!, request);
      default:
        throw new TokenRequestError(400, 'unsupported_grant_type', 'grant_type must be password or refresh_token');
    }
  }
}

/** The parsed form (AuthModule parses `application/x-www-form-urlencoded` for this route only). */
function formOf(req: Request): Record<string, unknown> {
  const bodyError = (req as Request & { tokenBodyError?: TokenRequestError }).tokenBodyError;
  if (bodyError) throw bodyError;
  if (!req.is('application/x-www-form-urlencoded') || typeof req.body !== 'object' || req.body === null) {
    throw new TokenRequestError(400, 'invalid_request', 'the body must be an application/x-www-form-urlencoded form');
  }
  return req.body as Record<string, unknown>;
}

/** RFC 6749's error object, plus the registry's envelope, which docker's client reads from any error body. */
function oauthError(err: TokenRequestError): Record<string, unknown> {
  const code: RegistryError['code'] = err.status === 429 ? 'TOOMANYREQUESTS' : err.error === 'invalid_grant' ? 'UNAUTHORIZED' : 'UNSUPPORTED';
  return { error: err.error, error_description: err.message, errors: [{ code, message: err.message }] };
}

function refresh(answer: TokenAnswer): { refresh_token?: string } {
  return answer.refreshToken ? { refresh_token: answer.refreshToken } : {};
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function values(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}
