import { Injectable } from '@nestjs/common';
import type { ManifestRow } from './manifest.repository';
import { ChangeListener, RegistryChangeFeed } from './registry-change-feed';

const MAX_ENTRIES = 10_000;
const MAX_BYTES = 64 * 1024 * 1024;
/** A safety net only: invalidation comes from the change feed. */
const TTL_MS = 60_000;

interface Entry {
  row: ManifestRow;
  repository: string;
  expires: number;
}

/**
 * Manifest lookups by (repository, tag or digest), with content, so repeated pulls skip the database.
 * Entries are dropped when the repository changes on any replica (RegistryChangeFeed); a lookup that
 * raced with a change is not stored (per-repository generation check), and nothing is served while the
 * feed is down.
 */
@Injectable()
export class ManifestCache implements ChangeListener {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  /** Bumped on reset, so lookups that straddled an outage of the feed are never stored. */
  private epoch = 0;
  private bytes = 0;

  constructor(private readonly feed: RegistryChangeFeed) {
    feed.subscribe(this);
  }

  /** The repository's generation, to hand back to `set` after the database read. */
  generation(repository: string): string {
    return `${this.epoch}/${this.generations.get(repository) ?? 0}`;
  }

  get(repository: string, reference: string): ManifestRow | undefined {
    if (!this.feed.connected) return undefined;
    const key = cacheKey(repository, reference);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      this.drop(key, entry);
      return undefined;
    }
    return entry.row;
  }

  set(repository: string, reference: string, row: ManifestRow, generation: string): void {
    if (!this.feed.connected || !row.content || generation !== this.generation(repository)) return;
    const key = cacheKey(repository, reference);
    const existing = this.entries.get(key);
    if (existing) this.drop(key, existing);
    this.entries.set(key, { row, repository, expires: Date.now() + TTL_MS });
    this.bytes += row.content.length;
    // Map iteration is insertion order: the oldest entries go first.
    for (const [oldKey, old] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES && this.bytes <= MAX_BYTES) break;
      this.drop(oldKey, old);
    }
  }

  repositoryChanged(name: string): void {
    this.generations.set(name, (this.generations.get(name) ?? 0) + 1);
    for (const [key, entry] of this.entries) if (entry.repository === name) this.drop(key, entry);
  }

  reset(): void {
    this.epoch += 1;
    this.generations.clear();
    this.entries.clear();
    this.bytes = 0;
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.row.content?.length ?? 0;
  }
}

function cacheKey(repository: string, reference: string): string {
  return `${repository}\n${reference}`;
}
