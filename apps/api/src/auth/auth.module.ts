import { Module } from '@nestjs/common';
import { AccessRepository } from '../access/access.repository';
import { AccessService } from '../access/access.service';
import { IdentityModule } from '../identity/identity.module';
import { RobotRepository } from '../robots/robot.repository';
import { RobotService } from '../robots/robot.service';
import { CredentialService } from './credential.service';
import { PrincipalDirectory } from './principal-directory';
import { SigningKeyRepository } from './signing-key.repository';
import { TokenGrantService } from './token-grant.service';
import { TokenController } from './token.controller';
import { TokenService } from './token.service';

/** Who is calling and what they may do: credentials, access verdicts, robots, and the registry token service. */
@Module({
  imports: [IdentityModule],
  controllers: [TokenController],
  providers: [AccessRepository, AccessService, RobotRepository, RobotService, SigningKeyRepository, TokenService, TokenGrantService, CredentialService, PrincipalDirectory],
  exports: [AccessService, RobotService, TokenService, CredentialService, PrincipalDirectory],
})
export class AuthModule {}
