import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startBerth, RunningBerth } from '../../apps/api/src/bootstrap';
import { BerthConfig, loadConfig } from '../../apps/api/src/config/config';

/** The password of `admin` in every test Berth. */
export const TEST_ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestBerth {
  url: string;
  /** host:port, for registry clients. */
  host: string;
  config: BerthConfig;
  running: RunningBerth;
  storageDir: string;
  databaseUrl: string;
  /** Stops and starts the server again on the same database and storage (and the same port). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A real Berth on a fresh database (in the run's embedded PostgreSQL) and a fresh storage directory. */
export async function startTestBerth(env: Record<string, string> = {}): Promise<TestBerth> {
  const base = process.env.BERTH_TEST_DATABASE_URL;
  if (!base) throw new Error('BERTH_TEST_DATABASE_URL is not set: run the tests through jest (global setup starts PostgreSQL)');
  const database = `berth_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${database}`;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-test-data-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: url.toString(),
    BERTH_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.BERTH_TEST_LOG_LEVEL ?? 'silent',
    BERTH_SHUTDOWN_TIMEOUT_SECONDS: '5',
    BERTH_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    ...env,
  });
  let running = await startBerth(config);
  const handle: TestBerth = {
    url: running.url,
    host: `127.0.0.1:${running.port}`,
    config,
    running,
    storageDir: config.storageDir,
    databaseUrl: url.toString(),
    async restart() {
      await running.close();
      running = await startBerth({ ...config, port: running.port });
      handle.running = running;
    },
    async close() {
      await running.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** A second Berth process-equivalent on the same database and storage, as another replica would be. */
export async function startReplica(of: TestBerth): Promise<RunningBerth> {
  return startBerth({ ...of.config, port: 0 });
}
