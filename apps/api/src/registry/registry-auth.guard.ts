import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { formatScope, isValidRepositoryName, matchRegistryRoute, OciErrors, projectOf } from '@berth/oci';
import { AccessService } from '../access/access.service';
import { Principal } from '../access/principal';
import { AuditEvent } from '../audit/audit.repository';
import { actorOf, AuditService } from '../audit/audit.service';
import { CredentialService, parseBasicAuth } from '../auth/credential.service';
import { PrincipalDirectory } from '../auth/principal-directory';
import { TokenService, VerifiedToken } from '../auth/token.service';
import { BERTH_CONFIG, BerthConfig } from '../config/config';
import { publicBase } from '../config/public-url';
import { REGISTRY_CALLER, REGISTRY_ROUTE, RegistryCaller, RequiredAccess, requiredAccess } from './registry-access';
import { clientAddress } from '../common/client-address';

/**
 * Every /v2 request passes here first. A bearer token from /service/token must carry the exact action on
 * the exact repository; basic credentials (for simple clients) get the same AccessService verdict the
 * token service and the console use. Without credentials the answer is the 401 challenge that starts
 * docker's token flow. Private projects an outsider asks about answer 404, as if they did not exist.
 */
@Injectable()
export class RegistryAuthGuard implements CanActivate {
  constructor(
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
    private readonly tokens: TokenService,
    private readonly credentials: CredentialService,
    private readonly access: AccessService,
    private readonly directory: PrincipalDirectory,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & Record<symbol, unknown>>();
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const route = matchRegistryRoute(req.method, req.originalUrl);
    req[REGISTRY_ROUTE] = route;
    if (!route) return true; // the controller answers unknown paths
    res.locals.route = route.template;
    const needed = requiredAccess(route, req.method);
    const authorization = req.headers.authorization;
    if (!authorization) throw this.challenge(req, res, needed);

    if (/^Bearer\s/i.test(authorization)) {
      const verified = await this.tokens.verify(authorization.replace(/^Bearer\s+/i, '').trim());
      if (!verified) throw this.challenge(req, res, needed, 'invalid_token');
      if (!this.tokenAllows(verified, needed)) {
        const subject = verified.subject;
        this.recordDenied(req, needed, { actor: subject || 'anonymous', actorKind: !subject ? 'anonymous' : subject.startsWith('robot$') ? 'robot' : 'user' }, 'the token does not grant it');
        throw this.challenge(req, res, needed, 'insufficient_scope');
      }
      req[REGISTRY_CALLER] = this.tokenCaller(verified);
      return true;
    }

    const basic = parseBasicAuth(authorization);
    const result = basic ? await this.credentials.authenticate(basic.username, basic.secret, clientAddress(req), { cached: true }) : undefined;
    if (!result?.ok) {
      if (result?.reason === 'rate_limited') {
        res.setHeader('Retry-After', String(result.retryAfterSeconds));
        throw OciErrors.tooManyRequests('too many failed logins; try again later');
      }
      throw this.challenge(req, res, needed, 'invalid_token');
    }
    const principal = result.principal;
    if (needed.kind === 'repository') {
      const permission = needed.action;
      const verdict = await this.access.decide(principal, projectOf(needed.name), permission);
      if (verdict.outcome !== 'allow') this.recordDenied(req, needed, actorOf(principal), verdict.outcome === 'hidden' ? 'no such project, or not visible' : verdict.reason);
      if (verdict.outcome === 'hidden') {
        if (permission === 'pull') throw OciErrors.nameUnknown(`repository ${needed.name} is not known to this registry`, { name: needed.name });
        throw OciErrors.denied(`project ${projectOf(needed.name)} does not exist, or you cannot see it; create it in the console first`);
      }
      if (verdict.outcome === 'deny') throw OciErrors.denied(verdict.reason);
    }
    req[REGISTRY_CALLER] = this.principalCaller(principal);
    return true;
  }

  /** Refused pushes and deletes are audited (aggregated per minute): an attempt to write where one may not is worth knowing of. */
  private recordDenied(req: Request, needed: RequiredAccess, actor: Pick<AuditEvent, 'actor' | 'actorKind'>, reason: string): void {
    if (needed.kind !== 'repository' || needed.action === 'pull') return;
    this.audit.recordFailure({ ...actor, action: needed.action, resource: needed.name, projectName: projectOf(needed.name), address: clientAddress(req), details: { reason } });
  }

  private tokenAllows(verified: VerifiedToken, needed: RequiredAccess): boolean {
    if (needed.kind === 'any') return true;
    if (needed.kind === 'catalog') return this.tokens.allows(verified, 'registry', 'catalog', '*');
    return this.tokens.allows(verified, 'repository', needed.name, needed.action);
  }

  private tokenCaller(verified: VerifiedToken): RegistryCaller {
    let principal: Promise<Principal> | undefined;
    const subject = verified.subject;
    return {
      actor: { actor: subject || 'anonymous', actorKind: !subject ? 'anonymous' : subject.startsWith('robot$') ? 'robot' : 'user' },
      principal: () => (principal ??= this.directory.byName(subject)),
      mayPull: async (repository) => this.tokens.allows(verified, 'repository', repository, 'pull'),
    };
  }

  private principalCaller(principal: Principal): RegistryCaller {
    return {
      actor: actorOf(principal),
      principal: async () => principal,
      mayPull: async (repository) => (await this.access.decide(principal, projectOf(repository), 'pull')).outcome === 'allow',
    };
  }

  /** 401 with the WWW-Authenticate header that sends docker to the token service for exactly this scope. */
  private challenge(req: Request, res: Response, needed: RequiredAccess, error?: 'invalid_token' | 'insufficient_scope') {
    const base = publicBase(this.config, req.protocol, req.headers.host);
    const parts = [`realm="${base}/service/token"`, 'service="berth"'];
    if (needed.kind === 'repository') {
      const scopes = [formatScope({ type: 'repository', name: needed.name, actions: needed.action === 'pull' ? ['pull'] : needed.action === 'push' ? ['pull', 'push'] : ['delete'] })];
      // A mount also reads the source: without pull on it in the token the mount becomes a full re-upload (distribution asks for both).
      const from = mountSourceOf(req);
      if (from !== undefined && from !== needed.name) scopes.push(formatScope({ type: 'repository', name: from, actions: ['pull'] }));
      parts.push(`scope="${scopes.join(' ')}"`);
    }
    if (needed.kind === 'catalog') parts.push('scope="registry:catalog:*"');
    if (error) parts.push(`error="${error}"`);
    res.setHeader('WWW-Authenticate', `Bearer ${parts.join(',')}`);
    return OciErrors.unauthorized(error === 'insufficient_scope' ? 'the token does not grant this action on this repository' : 'authentication required', needed.kind === 'repository' ? [{ Type: 'repository', Name: needed.name, Action: needed.action }] : undefined);
  }
}

/** The `from` of a `POST …/blobs/uploads/?mount=&from=`, when it is a repository name. */
function mountSourceOf(req: Request): string | undefined {
  if (req.method !== 'POST' || typeof req.query.mount !== 'string' || typeof req.query.from !== 'string') return undefined;
  return isValidRepositoryName(req.query.from) ? req.query.from : undefined;
}
