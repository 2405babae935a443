import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { BERTH_CONFIG } from '../config/config';
import { CliSecretService } from './cli-secret.service';
import { IdentityModule } from './identity.module';
import { LoginLimiter } from './login-limiter';
import { UserService } from './user.service';

@Global()
@Module({
  providers: [
    { provide: BERTH_CONFIG, useValue: { loginLimits: { windowMs: 60_000, freeFailures: 2, firstDelayMs: 1_000, maxDelayMs: 8_000, maxFailuresPerAddress: 3 } } },
    // Never queried here: the test is about wiring, not SQL.
    { provide: DataSource, useValue: {} },
  ],
  exports: [BERTH_CONFIG, DataSource],
})
class FakeCoreModule {}

@Module({ imports: [FakeCoreModule, IdentityModule] })
class TestRootModule {}

describe('IdentityModule', () => {
  it('resolves its services from the global config and DataSource', async () => {
    const app = await NestFactory.createApplicationContext(TestRootModule, { logger: false });
    try {
      expect(app.get(UserService)).toBeInstanceOf(UserService);
      expect(app.get(CliSecretService)).toBeInstanceOf(CliSecretService);
      const limiter = app.get(LoginLimiter);
      expect((limiter as unknown as { limits: unknown }).limits).toEqual({ windowMs: 60_000, freeFailures: 2, firstDelayMs: 1_000, maxDelayMs: 8_000, maxFailuresPerAddress: 3 });
    } finally {
      await app.close();
    }
  });
});
