import fs from 'node:fs/promises';
import type { EmbeddedPostgres } from '../../apps/api/src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as Record<string, unknown>).__BERTH_TEST_PG__ as { pg: EmbeddedPostgres; dir: string } | undefined;
  if (!state) return;
  await state.pg.stop();
  await fs.rm(state.dir, { recursive: true, force: true });
}
