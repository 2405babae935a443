import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { StorageDriver } from '@berth/storage';
import { EMBEDDED_DATABASE, EmbeddedPostgres } from '../database/embedded-postgres';
import { STORAGE_DRIVER } from '../storage/storage.module';

/**
 * Liveness says the process answers; readiness says it can serve: database and storage both respond.
 * With the embedded PostgreSQL, readiness also says when Berth is restarting it after it died.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    @Inject(EMBEDDED_DATABASE) private readonly embedded: Pick<EmbeddedPostgres, 'state'> | null,
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
    const embedded = this.embedded ? describeEmbedded(this.embedded) : undefined;
    const ok = database === 'ok' && storage === 'ok' && (embedded === undefined || embedded === 'ok');
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: { database, storage, ...(embedded ? { embeddedDatabase: embedded } : {}) } });
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

function describeEmbedded(embedded: Pick<EmbeddedPostgres, 'state'>): string {
  const state = embedded.state();
  if (state.status === 'running') return 'ok';
  if (state.status === 'stopped') return 'stopped';
  return `restarting since ${state.since.toISOString()} (attempt ${state.attempt}): ${state.reason}`;
}
