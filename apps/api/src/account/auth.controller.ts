import { HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '../access/principal';
import { ApiDoc } from '../api/api-doc';
import { ConsoleController } from '../api/console-controller';
import { ClientAddress, CurrentPrincipal, CurrentSessionId, Public } from '../api/route-access';
import { clearSessionCookies, setSessionCookies } from '../api/session-cookies';
import { ValidBody } from '../api/zod-validation.pipe';
import { ConsoleAuthService } from '../console-auth/console-auth.service';
import { Profile } from '../console-auth/profile';
import { LoginBody, LoginResult, SignupBody } from './account.dto';
import { AccountService } from './account.service';

/** Console login, logout and self-registration. The cookies are set here: they are HTTP, not rules. */
@ConsoleController('auth')
export class AuthController {
  constructor(
    private readonly auth: ConsoleAuthService,
    private readonly account: AccountService,
  ) {}

  @Post('login')
  @ApiDoc({ summary: 'Log in: sets the session and CSRF cookies', response: LoginResult })
  @HttpCode(200)
  @Public({ ignoreCredentials: true })
  async login(
    @ValidBody(LoginBody) body: LoginBody,
    @ClientAddress() address: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<LoginResult> {
    const { user, session } = await this.auth.login(body.username, body.password, { address, userAgent: req.headers['user-agent'] });
    setSessionCookies(req, res, session);
    return { user, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
  }

  @Post('logout')
  @ApiDoc({ summary: 'Log out: ends the session and clears its cookies' })
  @HttpCode(204)
  @Public()
  async logout(
    @CurrentPrincipal() principal: Principal,
    @CurrentSessionId() sessionId: string | undefined,
    @ClientAddress() address: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    await this.auth.logout(principal, sessionId, address);
    clearSessionCookies(req, res);
  }

  @Post('signup')
  @ApiDoc({ summary: 'Create an account (when self-registration is on)', response: Profile })
  @Public({ ignoreCredentials: true })
  signup(@ValidBody(SignupBody) body: SignupBody, @ClientAddress() address: string): Promise<Profile> {
    return this.account.signup(body, address);
  }
}
