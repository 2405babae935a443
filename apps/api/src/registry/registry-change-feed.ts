import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Queryable } from '../database/queryable';

const CHANNEL = 'berth_registry_changes';

export interface ChangeListener {
  /** A repository's manifests or tags changed (here or on another replica). */
  repositoryChanged(name: string): void;
  /** Changes may have been missed (the feed was down): forget everything derived from the database. */
  reset(): void;
}

/**
 * Tells every replica when a repository's manifests or tags change, through PostgreSQL LISTEN/NOTIFY,
 * so caches of database rows can be dropped the moment the writing transaction commits.
 */
@Injectable()
export class RegistryChangeFeed implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RegistryChangeFeed.name);
  private readonly listeners: ChangeListener[] = [];
  private client?: Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  /** True while LISTEN is active; caches must not serve while it is false. */
  connected = false;

  constructor(private readonly dataSource: DataSource) {}

  subscribe(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** Queues a notification that is delivered only if and when `db`'s transaction commits. */
  async publish(repository: string, db: Queryable): Promise<void> {
    await db.query('SELECT pg_notify($1, $2)', [CHANNEL, repository]);
  }

  /** The writer's own process drops its cache at once, without waiting for the round trip. */
  changedLocally(repository: string): void {
    for (const l of this.listeners) l.repositoryChanged(repository);
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const options = this.dataSource.options as { url?: string };
    const client = new Client({ connectionString: options.url, application_name: 'berth-change-feed' });
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) for (const l of this.listeners) l.repositoryChanged(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      this.connected = true;
    } catch (err) {
      this.lost(client, err);
    }
  }

  private lost(client: Client, err?: unknown): void {
    if (this.client && this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    for (const l of this.listeners) l.reset();
    if (this.stopped) return;
    this.logger.warn(`registry change feed lost (${String(err ?? 'connection ended')}); caches are bypassed until it is back`);
    client.end().catch(() => undefined);
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), 1000);
    this.retry.unref();
  }
}
