import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { OciErrors } from '@berth/oci';
import { ANONYMOUS, Principal } from '../access/principal';
import { CredentialService, parseBasicAuth } from '../auth/credential.service';
import { PrincipalDirectory } from '../auth/principal-directory';
import { TokenService } from '../auth/token.service';
import { BERTH_CONFIG, BerthConfig } from '../config/config';
import { publicBase } from '../config/public-url';
import { clientAddress } from '../common/client-address';

export const SEARCH_PRINCIPAL = Symbol('berth.searchPrincipal');

/**
 * Who asks `/v1/search`: anonymous without credentials (public projects only), else the Basic credentials
 * docker sends, or a bearer token for `registry:catalog:search` (what docker asks the token service for).
 * Credentials that are sent and wrong are 401, never a silent anonymous search.
 */
@Injectable()
export class DockerSearchAuthGuard implements CanActivate {
  constructor(
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
    private readonly tokens: TokenService,
    private readonly credentials: CredentialService,
    private readonly directory: PrincipalDirectory,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & Record<symbol, Principal>>();
    const res = context.switchToHttp().getResponse<Response>();
    res.locals.route = '/v1/search';
    const authorization = req.headers.authorization;
    if (!authorization) {
      req[SEARCH_PRINCIPAL] = ANONYMOUS;
      return true;
    }
    if (/^Bearer\s/i.test(authorization)) {
      const verified = await this.tokens.verify(authorization.replace(/^Bearer\s+/i, '').trim());
      if (!verified) throw this.challenge(req, res, 'invalid_token');
      if (!this.tokens.allows(verified, 'registry', 'catalog', 'search')) throw this.challenge(req, res, 'insufficient_scope');
      req[SEARCH_PRINCIPAL] = await this.directory.byName(verified.subject);
      return true;
    }
    const basic = parseBasicAuth(authorization);
    const result = basic ? await this.credentials.authenticate(basic.username, basic.secret, clientAddress(req), { cached: true }) : undefined;
    if (result?.ok) {
      req[SEARCH_PRINCIPAL] = result.principal;
      return true;
    }
    if (result?.reason === 'rate_limited') {
      res.setHeader('Retry-After', String(result.retryAfterSeconds));
      throw OciErrors.tooManyRequests('too many failed logins; try again later');
    }
    res.setHeader('WWW-Authenticate', 'Basic realm="berth"');
    throw OciErrors.unauthorized('invalid username or password');
  }

  private challenge(req: Request, res: Response, error: 'invalid_token' | 'insufficient_scope') {
    const realm = `${publicBase(this.config, req.protocol, req.headers.host)}/service/token`;
    res.setHeader('WWW-Authenticate', `Bearer realm="${realm}",service="berth",scope="registry:catalog:search",error="${error}"`);
    return OciErrors.unauthorized(error === 'invalid_token' ? 'the token is invalid or expired' : 'the token does not grant registry:catalog:search');
  }
}
