import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { projectOf } from '@berth/oci';
import { ChangeListener, RegistryChangeFeed } from '../registry/registry-change-feed';

/** A safety net only: invalidation comes from the change feed. */
const TTL_MS = 60_000;
const MAX_ENTRIES = 100_000;
const MAX_SETS = 1_000;

interface Entry {
  bytes: number;
  expires: number;
}

/**
 * Storage used per project, by name, and by sets of projects (statistics). Summing it reads every
 * manifest_blob row of the projects' repositories, too slow to repeat for every page of a list (a
 * thousand manifests take tens of milliseconds), so each replica keeps the sums it computed until a
 * repository of the project changes on any replica (RegistryChangeFeed); any change drops every set. A
 * sum that raced with a change is not kept, and nothing is served while the feed is down.
 */
@Injectable()
export class ProjectStorageCache implements ChangeListener {
  private readonly entries = new Map<string, Entry>();
  /** By a hash of the sorted project names. */
  private readonly sets = new Map<string, Entry>();
  /** Bumped on every change: a sum read before it may predate it. */
  private generation = 0;

  constructor(private readonly feed: RegistryChangeFeed) {
    feed.subscribe(this);
  }

  /** The bytes of each of `projects`: cached sums, and one call of `sum` for all the others. */
  async of(projects: readonly string[], sum: (missing: string[]) => Promise<Map<string, number>>): Promise<Map<string, number>> {
    const now = Date.now();
    const found = new Map<string, number>();
    const missing: string[] = [];
    for (const project of new Set(projects)) {
      const entry = this.feed.connected ? this.entries.get(project) : undefined;
      if (entry && entry.expires > now) found.set(project, entry.bytes);
      else missing.push(project);
    }
    if (missing.length === 0) return found;
    const generation = this.generation;
    const summed = await sum(missing);
    const keep = this.feed.connected && generation === this.generation;
    if (keep && this.entries.size + missing.length > MAX_ENTRIES) this.entries.clear();
    for (const project of missing) {
      const bytes = summed.get(project) ?? 0;
      found.set(project, bytes);
      if (keep) this.entries.set(project, { bytes, expires: now + TTL_MS });
    }
    return found;
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

  repositoryChanged(name: string): void {
    this.generation += 1;
    this.entries.delete(projectOf(name));
    this.sets.clear();
  }

  reset(): void {
    this.generation += 1;
    this.entries.clear();
    this.sets.clear();
  }
}
