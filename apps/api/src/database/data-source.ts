import { DataSource } from 'typeorm';
import { RegistryCore1764201600000 } from '../../../../migrations/1764201600000-registry-core';
import { IdentityAndAccess1764288000000 } from '../../../../migrations/1764288000000-identity-and-access';
import { ConsoleSessions1764374400000 } from '../../../../migrations/1764374400000-console-sessions';
import { RepositoryDescription1764460800000 } from '../../../../migrations/1764460800000-repository-description';
import { Discovery1764547200000 } from '../../../../migrations/1764547200000-discovery';
import { SearchTrigram1764633600000 } from '../../../../migrations/1764633600000-search-trigram';
import { StorageLifecycle1764720000000 } from '../../../../migrations/1764720000000-storage-lifecycle';
import { TransferJobs1764806400000 } from '../../../../migrations/1764806400000-transfer-jobs';
import { BlobUncompressedSize1764892800000 } from '../../../../migrations/1764892800000-blob-uncompressed-size';
import { UploadQuota1765000100000 } from '../../../../migrations/1765000100000-upload-quota';
import { RefreshTokens1765000400000 } from '../../../../migrations/1765000400000-refresh-tokens';
import { TagKeysetIndexes1765000600000 } from '../../../../migrations/1765000600000-tag-keyset-indexes';

/** Migrations are listed, not globbed, so the same list works from sources (tests) and from dist. */
export const MIGRATIONS = [RegistryCore1764201600000, IdentityAndAccess1764288000000, ConsoleSessions1764374400000, RepositoryDescription1764460800000, Discovery1764547200000, SearchTrigram1764633600000, StorageLifecycle1764720000000, TransferJobs1764806400000, BlobUncompressedSize1764892800000, UploadQuota1765000100000, RefreshTokens1765000400000, TagKeysetIndexes1765000600000];

export function createDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migration',
    // A bounded connect: while the database is down or restarting, requests fail (5xx) instead of hanging.
    extra: { max: 20, application_name: 'berth', connectionTimeoutMillis: 10_000 },
  });
}

/** Replicas may boot together: an advisory lock lets exactly one of them migrate at a time. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(727274)');
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
    await runner.release();
  }
}
