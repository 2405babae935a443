import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import express, { NextFunction, Request, Response } from 'express';
import { AccessRepository } from '../access/access.repository';
import { AccessService } from '../access/access.service';
import { IdentityModule } from '../identity/identity.module';
import { RobotRepository } from '../robots/robot.repository';
import { RobotService } from '../robots/robot.service';
import { CredentialService } from './credential.service';
import { PrincipalDirectory } from './principal-directory';
import { SigningKeyRepository } from './signing-key.repository';
import { TokenGrantService } from './token-grant.service';
import { TokenIssuerService, TokenRequestError } from './token-issuer.service';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';

/** Who is calling and what they may do: credentials, access verdicts, robots, and the registry token service. */
@Module({
  imports: [IdentityModule],
  controllers: [TokenController],
  providers: [AccessRepository, AccessService, RobotRepository, RobotService, SigningKeyRepository, TokenService, TokenGrantService, TokenIssuerService, CredentialService, PrincipalDirectory],
  exports: [AccessService, RobotService, TokenService, CredentialService, PrincipalDirectory],
})
export class AuthModule implements NestModule {
  /** The OAuth2 token request is a small form; no other route gets a body parser (see bootstrap). */
  configure(consumer: MiddlewareConsumer): void {
    const parse = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 });
    consumer
      .apply((req: Request, res: Response, next: NextFunction) =>
        parse(req, res, (err?: unknown) => {
          // The controller answers a body it could not read in the OAuth2 error shape.
          if (err) {
            const status = (err as { status?: number }).status === 413 ? 413 : 400;
            (req as Request & { tokenBodyError?: TokenRequestError }).tokenBodyError = new TokenRequestError(status, 'invalid_request', status === 413 ? 'the form is too large' : 'the form could not be read');
          }
          next();
        }),
      )
      .forRoutes({ path: 'service/token', method: RequestMethod.POST });
  }
}
