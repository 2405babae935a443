import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorEnvelope, OciErrors, parseScopes } from '@berth/oci';
import { ANONYMOUS, Principal, principalName } from '../access/principal';
import { AuditService } from '../audit/audit.service';
import { RobotService } from '../robots/robot.service';
import { CredentialService, parseBasicAuth } from './credential.service';
import { TokenGrantService } from './token-grant.service';
import { TokenService } from './token.service';
import { clientAddress } from '../api/trusted-proxies';

/**
 * The Docker token endpoint (`realm` of the registry's challenge): basic credentials or none in,
 * a signed token for the scopes the caller may have out.
 */
@Controller('service')
export class TokenController {
  constructor(
    private readonly credentials: CredentialService,
    private readonly grants: TokenGrantService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
  ) {}

  @Get('token')
  async token(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.locals.route = '/service/token';
    res.setHeader('Cache-Control', 'no-store');
    let principal: Principal = ANONYMOUS;
    if (req.headers.authorization !== undefined) {
      const basic = parseBasicAuth(req.headers.authorization);
      const address = clientAddress(req);
      const result = basic ? await this.credentials.authenticate(basic.username, basic.secret, address) : undefined;
      const event = {
        actor: basic?.username.slice(0, 128) ?? '(malformed credentials)',
        actorKind: basic && RobotService.isRobotName(basic.username) ? ('robot' as const) : ('user' as const),
        action: 'login',
        resource: 'registry',
        address,
      };
      // Clients log in before every pull: successes are routine (once an hour per actor and address), failures aggregated per minute.
      if (result?.ok) this.audit.recordRoutine({ ...event, success: true });
      else this.audit.recordFailure({ ...event, details: { reason: result?.reason === 'rate_limited' ? 'rate_limited' : (result?.detail ?? 'malformed credentials') } });
      if (!result?.ok) {
        if (result?.reason === 'rate_limited') {
          res.setHeader('Retry-After', String(result.retryAfterSeconds));
          return void res.status(429).json(errorEnvelope(OciErrors.tooManyRequests('too many failed logins; try again later')));
        }
        res.setHeader('WWW-Authenticate', 'Basic realm="berth"');
        return void res.status(401).json(errorEnvelope(OciErrors.unauthorized('invalid username or password')));
      }
      principal = result.principal;
    }
    const requested = parseScopes(queryList(req.query.scope));
    const access = await this.grants.grant(principal, requested);
    // An anonymous token has an empty subject, so it can never be mistaken for a user named "anonymous".
    const issued = await this.tokens.issue(principal.kind === 'anonymous' ? '' : principalName(principal), access);
    res.status(200).json({ token: issued.token, access_token: issued.token, expires_in: issued.expiresIn, issued_at: issued.issuedAt });
  }
}

function queryList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}
