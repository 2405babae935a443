import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { StorageDriver } from '@berth/storage';
import { STORAGE_DRIVER } from '../storage/storage.module';

/** Liveness says the process answers; readiness says it can serve: database and storage both respond. */
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
  ) {}

  @Get('healthz')
  live(@Res() res: Response): void {
    res.locals.route = '/healthz';
    res.status(200).json({ status: 'ok' });
  }

  @Get('readyz')
  async ready(@Res() res: Response): Promise<void> {
    res.locals.route = '/readyz';
    const [database, storage] = await Promise.all([
      check(() => this.dataSource.query('SELECT 1')),
      check(() => this.storage.putContent('/_health/probe', Buffer.from(new Date().toISOString()))),
    ]);
    const ok = database === 'ok' && storage === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: { database, storage } });
  }
}

async function check(probe: () => Promise<unknown>): Promise<string> {
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2000).unref())]);
    return 'ok';
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
}
