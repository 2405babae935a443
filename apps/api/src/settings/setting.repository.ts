import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inTransaction } from '../database/queryable';

/** `system_setting`: one JSON value per key. */
@Injectable()
export class SettingRepository {
  constructor(private readonly dataSource: DataSource) {}

  async all(): Promise<Record<string, unknown>> {
    const rows: { key: string; value: unknown }[] = await this.dataSource.query('SELECT key, value FROM system_setting');
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async get(key: string): Promise<unknown> {
    const rows = await this.dataSource.query('SELECT value FROM system_setting WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  /** Writes every entry in one transaction. */
  async setMany(values: Record<string, unknown>): Promise<void> {
    await inTransaction(this.dataSource, async (tx) => {
      for (const [key, value] of Object.entries(values)) {
        await tx.query(
          `INSERT INTO system_setting (key, value, updated_at) VALUES ($1, $2::jsonb, now())
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
          [key, JSON.stringify(value)],
        );
      }
    });
  }
}
