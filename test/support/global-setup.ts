import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgres } from '../../apps/api/src/database/embedded-postgres';

/**
 * One real PostgreSQL for the whole run (about 2 s to start); every test app gets its own database in it.
 * Tests that need another server (an external DATABASE_URL) can set BERTH_TEST_DATABASE_URL themselves.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.BERTH_TEST_DATABASE_URL) return;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-test-pg-'));
  await fs.chmod(dir, 0o755);
  const pg = await EmbeddedPostgres.start({
    dataDir: path.join(dir, 'postgres'),
    database: 'postgres',
    log: (level, message) => {
      if (level === 'warn') process.stderr.write(`[embedded-postgres] ${message}\n`);
    },
  });
  process.env.BERTH_TEST_DATABASE_URL = pg.url;
  (globalThis as Record<string, unknown>).__BERTH_TEST_PG__ = { pg, dir };
}
