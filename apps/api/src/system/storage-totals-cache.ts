import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ChangeListener, RegistryChangeFeed } from '../registry/registry-change-feed';

/** A safety net only: invalidation comes from the change feed. */
const TTL_MS = 60_000;
const MAX_SETS = 1_000;

interface Entry {
  bytes: number;
  expires: number;
}

/**
 * Storage of sets of projects (statistics: the distinct blobs of every project a caller can see, a blob
 * two of them share counted once). Per project, usage is a column kept by triggers; a union over
 * projects is not, and summing it reads every referenced blob, so each replica keeps the sums it
 * computed until any repository changes on any replica (RegistryChangeFeed). A sum that raced with a
 * change is not kept, and nothing is served while the feed is down.
 */
@Injectable()
export class StorageTotalsCache implements ChangeListener {
  /** By a hash of the sorted project names. */
  private readonly sets = new Map<string, Entry>();
  /** Bumped on every change: a sum read before it may predate it. */
  private generation = 0;

  constructor(private readonly feed: RegistryChangeFeed) {
    feed.subscribe(this);
  }

  /** The bytes of the distinct blobs of all of `projects` together (a blob two of them share counts once). */
  async ofSet(projects: readonly string[], sum: () => Promise<number>): Promise<number> {
    const now = Date.now();
    const key = createHash('sha256').update([...new Set(projects)].sort().join('\n')).digest('base64');
    const entry = this.feed.connected ? this.sets.get(key) : undefined;
    if (entry && entry.expires > now) return entry.bytes;
    const generation = this.generation;
    const bytes = await sum();
    if (this.feed.connected && generation === this.generation) {
      this.sets.delete(key);
      this.sets.set(key, { bytes, expires: now + TTL_MS });
      // Map iteration is insertion order: the oldest sets go first.
      for (const oldest of this.sets.keys()) {
        if (this.sets.size <= MAX_SETS) break;
        this.sets.delete(oldest);
      }
    }
    return bytes;
  }

  repositoryChanged(): void {
    this.generation += 1;
    this.sets.clear();
  }

  reset(): void {
    this.generation += 1;
    this.sets.clear();
  }
}
