import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BERTH_CONFIG, BerthConfig } from '../config/config';

interface Pending {
  count: number;
  lastAt: Date;
}

/**
 * Pull statistics without a database write on the pull path: counts accumulate in memory and are
 * added to the rows in one statement per table every few seconds (and at shutdown). Increments,
 * not overwrites, so replicas sharing the database add up.
 */
@Injectable()
export class PullRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PullRecorder.name);
  private repositories = new Map<string, Pending>();
  private manifests = new Map<string, Pending>();
  private tags = new Map<string, Pending>();
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @Inject(BERTH_CONFIG) private readonly config: BerthConfig,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.pullStatsFlushMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  record(repositoryId: string, manifestId: string, tagId?: string): void {
    const now = new Date();
    bump(this.repositories, repositoryId, now);
    bump(this.manifests, manifestId, now);
    if (tagId) bump(this.tags, tagId, now);
  }

  /** Writes what has accumulated; safe to call concurrently (flushes run one after another). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write()).catch((err) => this.logger.error(`could not record pull statistics: ${String(err)}`));
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batches: [string, Map<string, Pending>][] = [
      ['repository', this.repositories],
      ['manifest', this.manifests],
      ['tag', this.tags],
    ];
    this.repositories = new Map();
    this.manifests = new Map();
    this.tags = new Map();
    for (const [table, pending] of batches) {
      if (pending.size === 0) continue;
      const rows = [...pending].map(([id, p]) => ({ id, n: p.count, at: p.lastAt.toISOString() }));
      await this.dataSource.query(
        `UPDATE ${table} AS t SET pull_count = t.pull_count + v.n,
           last_pulled_at = GREATEST(COALESCE(t.last_pulled_at, v.at), v.at)
         FROM jsonb_to_recordset($1::jsonb) AS v(id bigint, n bigint, at timestamptz)
         WHERE t.id = v.id`,
        [JSON.stringify(rows)],
      );
    }
  }
}

function bump(map: Map<string, Pending>, id: string, at: Date): void {
  const entry = map.get(id);
  if (entry) {
    entry.count += 1;
    entry.lastAt = at;
  } else {
    map.set(id, { count: 1, lastAt: at });
  }
}
