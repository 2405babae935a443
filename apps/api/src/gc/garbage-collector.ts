import type { DataSource, QueryRunner } from 'typeorm';
import { PathNotFoundError, type StorageDriver } from '@berth/storage';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { formatBytes } from '../common/bytes';
import { Queryable, returnedRows } from '../database/queryable';
import { BlobLayout } from '../registry/blob-layout';

export type GcTrigger = 'manual' | 'schedule' | 'cli';
export type GcPhase = 'starting' | 'untagged' | 'mark' | 'sweep' | 'uploads' | 'orphans' | 'done';

export interface GcOptions {
  dryRun: boolean;
  /** Also delete manifests no tag and no index references (after the grace window). */
  deleteUntagged: boolean;
  workers: number;
  trigger: GcTrigger;
  triggeredBy: string | null;
}

export interface GcSettings {
  graceMs: number;
  uploadMaxAgeMs: number;
}

export interface GcLogLine {
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface StartedGc {
  runId: string;
  /** Settles when the run has ended and its row says how; never rejects. */
  done: Promise<void>;
}

/** One GC at a time across every process on the database: a session advisory lock ('BERT', 'GC'). */
const LOCK = [0x42455254, 0x4743] as const;
const BATCH = 500;
/** Candidates read per mark query. */
const MARK_PAGE = 20_000;
const FILE_DELETES_PER_BATCH = 16;
const FLUSH_MS = 500;
const MAX_LOG_LINES = 500;
/** A running run writes its row every FLUSH_MS; one silent for this long is suspect (see closeAbandoned). */
const STALE_AFTER_MS = 15_000;

interface Candidate {
  digest: string;
  size: number;
  version: string;
}

interface Untagged {
  id: string;
  digest: string;
  repositoryId: string;
  repository: string;
}

class StopRequested extends Error {}

/**
 * Mark and sweep over the database, online. The state machine is in docs/design/storage-lifecycle.md:
 * a blob is marked `deleting` only if its version is the one seen at mark time and no manifest
 * references it (checked while holding its row lock, which waits out manifest PUTs holding it FOR SHARE);
 * its file is deleted while the row is locked, and the row after. Uploads and mounts take a new version,
 * so anything that touches a blob after the mark rescues it.
 */
export class GarbageCollector {
  private readonly artifacts: ArtifactRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly storage: StorageDriver,
    private readonly settings: GcSettings,
    /** Tells the replicas' manifest caches that a repository changed (pg_notify inside the transaction). */
    private readonly publishChange: (repository: string, db: Queryable) => Promise<void>,
  ) {
    this.artifacts = new ArtifactRepository(dataSource);
  }

  /** Undefined when another GC holds the lock (in this process or another). */
  async start(options: GcOptions): Promise<StartedGc | undefined> {
    const lockHolder = this.dataSource.createQueryRunner();
    await lockHolder.connect();
    try {
      const [{ locked }] = await lockHolder.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [...LOCK]);
      if (!locked) {
        await lockHolder.release();
        return undefined;
      }
      await closeInterrupted(this.dataSource);
      const [{ id }] = await this.dataSource.query(
        `INSERT INTO gc_run (trigger, triggered_by, dry_run, delete_untagged, workers, status, phase)
         VALUES ($1, $2, $3, $4, $5, 'running', 'starting') RETURNING id::text AS id`,
        [options.trigger, options.triggeredBy, options.dryRun, options.deleteUntagged, options.workers],
      );
      const done = this.execute(id, options).finally(() => unlock(lockHolder));
      return { runId: id, done };
    } catch (err) {
      await unlock(lockHolder);
      throw err;
    }
  }

  /**
   * A run whose row has not moved for a while may belong to a process that died: if no process holds the
   * lock, close it as failed now rather than when the next run starts (the console would show it running).
   */
  async closeAbandoned(): Promise<void> {
    const [{ stale }] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM gc_run WHERE status = 'running' AND heartbeat_at < now() - make_interval(secs => $1)) AS stale`,
      [STALE_AFTER_MS / 1000],
    );
    if (!stale) return;
    const holder = this.dataSource.createQueryRunner();
    await holder.connect();
    let locked = false;
    try {
      [{ locked }] = await holder.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [...LOCK]);
      if (locked) await closeInterrupted(this.dataSource);
    } finally {
      // Never back to the pool holding the lock: every later start would answer 409.
      if (locked) await unlock(holder);
      else await holder.release();
    }
  }

  private async execute(id: string, options: GcOptions): Promise<void> {
    const run = new RunProgress(id, this.dataSource);
    run.log('info', `${options.dryRun ? 'dry run' : 'run'} started (${options.workers} workers, grace ${this.settings.graceMs / 1000} s${options.deleteUntagged ? ', deleting untagged manifests' : ''})`);
    let status: 'succeeded' | 'failed' | 'stopped' = 'succeeded';
    let error: string | null = null;
    try {
      const untagged = options.deleteUntagged ? await this.untagged(run, options) : [];
      await this.markAndSweep(run, options, options.dryRun ? untagged : []);
      await this.uploads(run, options);
      await this.orphans(run, options);
    } catch (err) {
      if (err instanceof StopRequested) {
        status = 'stopped';
        run.log('warn', 'stopped on request');
      } else {
        status = 'failed';
        error = err instanceof Error ? err.message : String(err);
        run.log('error', `failed: ${error}`);
      }
    }
    run.log('info', `${status}: ${run.summary()}`);
    await run.finish(status, error).catch(() => undefined);
  }

  /** Manifests no tag and no index references, pushed before the grace window (an index's children arrive untagged, before it). */
  private async untagged(run: RunProgress, options: GcOptions): Promise<string[]> {
    await run.phase('untagged', 0);
    const rows: Untagged[] = await this.dataSource.query(`${UNTAGGED} ORDER BY r.name, m.id`, [this.settings.graceMs / 1000]);
    await run.phase('untagged', rows.length);
    const byRepository = new Map<string, Untagged[]>();
    for (const row of rows) byRepository.set(row.repositoryId, [...(byRepository.get(row.repositoryId) ?? []), row]);
    const removed: string[] = [];
    for (const [repositoryId, roots] of byRepository) {
      await run.checkpoint();
      const ids = await this.dataSource.transaction(async (tx) => {
        if (!options.dryRun) await this.artifacts.lockRepository(repositoryId, tx);
        // Re-read under the lock: a tag may have been pushed onto one since the list was made.
        const still: Untagged[] = await tx.query(`${UNTAGGED} AND m.repository_id = $2 AND m.id = ANY($3::bigint[])`, [
          this.settings.graceMs / 1000,
          repositoryId,
          roots.map((r) => r.id),
        ]);
        const set = new Map<string, string>();
        // A tagged referrer (an SBOM someone tagged) stays, subject or not, and with it what refers to it.
        for (const root of still) {
          for (const m of await this.artifacts.deletionSet(repositoryId, root, tx, { keepTaggedReferrers: true })) set.set(m.id, m.digest);
        }
        if (set.size > 0 && !options.dryRun) {
          await this.artifacts.deleteManifests([...set.keys()], tx);
          await this.publishChange(roots[0].repository, tx);
        }
        return [...set.keys()];
      });
      removed.push(...ids);
      run.counters.manifests += ids.length;
      run.advance(roots.length);
      if (ids.length) run.log('info', `${options.dryRun ? 'would delete' : 'deleted'} ${ids.length} untagged manifests in ${roots[0].repository}`);
    }
    return removed;
  }

  /**
   * Mark: blobs no manifest references, untouched for the grace window, and those a crashed run left
   * `deleting` (a dry run that would delete untagged manifests counts the blobs only those reference as
   * well). Counted first for progress, then read and swept a page at a time in digest order, so memory
   * stays flat however many there are.
   */
  private async markAndSweep(run: RunProgress, options: GcOptions, alsoUnreferencedBy: string[]): Promise<void> {
    await run.phase('mark', 0);
    const params = [this.settings.graceMs / 1000, alsoUnreferencedBy];
    const [marked] = await this.dataSource.query(`SELECT count(*)::int AS n, COALESCE(sum(b.size), 0)::float8 AS bytes FROM blob b WHERE ${UNREFERENCED}`, params);
    run.log('info', `marked ${marked.n} unreferenced blobs (${formatBytes(marked.bytes)})`);
    await run.phase('sweep', marked.n);
    let after = '';
    for (;;) {
      const page: Candidate[] = await this.dataSource.query(
        `SELECT b.digest, b.size::float8 AS size, b.version::text AS version FROM blob b
         WHERE ${UNREFERENCED} AND b.digest > $3 ORDER BY b.digest LIMIT ${MARK_PAGE}`,
        [...params, after],
      );
      if (page.length === 0) break;
      after = page[page.length - 1].digest;
      await this.sweep(run, page, options);
    }
    if (run.counters.rescued > 0) run.log('info', `${run.counters.rescued} blobs were referenced or uploaded again while GC ran, and kept`);
  }

  private async sweep(run: RunProgress, candidates: Candidate[], options: GcOptions): Promise<void> {
    const batches: Candidate[][] = [];
    for (let i = 0; i < candidates.length; i += BATCH) batches.push(candidates.slice(i, i + BATCH));
    await inParallel(batches, options.workers, async (batch) => {
      await run.checkpoint();
      if (options.dryRun) {
        run.counters.blobs += batch.length;
        run.counters.bytes += batch.reduce((n, c) => n + c.size, 0);
      } else {
        const marked = await this.markDeleting(batch);
        run.counters.rescued += batch.length - marked.length;
        const freed = await this.deleteMarked(marked);
        run.counters.blobs += freed.count;
        run.counters.bytes += freed.bytes;
      }
      run.advance(batch.length);
    });
  }

  /**
   * Step 1: active -> deleting, in one transaction per batch. The rows are locked first (skipping any a
   * manifest PUT or upload holds: they are in use, so kept), then the conditions are checked by a new
   * statement, which sees every reference committed before the locks were granted.
   */
  private async markDeleting(batch: Candidate[]): Promise<string[]> {
    return this.dataSource.transaction(async (tx) => {
      const locked: { digest: string }[] = await tx.query(
        `SELECT digest FROM blob WHERE digest = ANY($1::text[]) ORDER BY digest FOR UPDATE SKIP LOCKED`,
        [batch.map((c) => c.digest)],
      );
      if (locked.length === 0) return [];
      const lockedSet = new Set(locked.map((l) => l.digest));
      const mine = batch.filter((c) => lockedSet.has(c.digest));
      const result = await tx.query(
        `UPDATE blob b SET state = 'deleting'
         FROM unnest($1::text[], $2::bigint[]) AS seen(digest, version)
         WHERE b.digest = seen.digest
           AND (b.state = 'deleting' OR (b.version = seen.version AND b.touched_at < now() - make_interval(secs => $3)))
           AND NOT EXISTS (SELECT 1 FROM manifest_blob mb WHERE mb.digest = b.digest)
         RETURNING b.digest`,
        [mine.map((c) => c.digest), mine.map((c) => c.version), this.settings.graceMs / 1000],
      );
      return returnedRows<{ digest: string }>(result).map((r) => r.digest);
    });
  }

  /**
   * Step 2: the files go while the rows are locked, then the rows (their repository links cascade). An
   * upload of the same digest waits on the row and then writes the file again. A crash here rolls the
   * rows back to `deleting` with some files gone: nothing active points at a missing file, and the next
   * run finishes them.
   */
  private async deleteMarked(digests: string[]): Promise<{ count: number; bytes: number }> {
    if (digests.length === 0) return { count: 0, bytes: 0 };
    return this.dataSource.transaction(async (tx) => {
      const rows: { digest: string; size: number }[] = await tx.query(
        `SELECT digest, size::float8 AS size FROM blob WHERE digest = ANY($1::text[]) AND state = 'deleting' ORDER BY digest FOR UPDATE`,
        [digests],
      );
      await inParallel(rows, FILE_DELETES_PER_BATCH, (row) => this.storage.delete(BlobLayout.blobDir(row.digest)).catch(ignoreNotFound));
      await tx.query(`DELETE FROM blob WHERE digest = ANY($1::text[]) AND state = 'deleting'`, [rows.map((r) => r.digest)]);
      return { count: rows.length, bytes: rows.reduce((n, r) => n + r.size, 0) };
    });
  }

  /** Upload sessions idle for longer than the configured age, and upload directories no session owns. */
  private async uploads(run: RunProgress, options: GcOptions): Promise<void> {
    await run.phase('uploads', 0);
    const ageSecs = this.settings.uploadMaxAgeMs / 1000;
    const stale: { id: string }[] = options.dryRun
      ? await this.dataSource.query(`SELECT id::text AS id FROM upload WHERE updated_at < now() - make_interval(secs => $1)`, [ageSecs])
      : returnedRows(await this.dataSource.query(`DELETE FROM upload WHERE updated_at < now() - make_interval(secs => $1) RETURNING id::text AS id`, [ageSecs]));
    const directories = await listOrEmpty(this.storage, '/uploads');
    await run.phase('uploads', directories.length);
    const staleIds = new Set(stale.map((s) => s.id));
    const ids = directories.map((d) => d.slice(d.lastIndexOf('/') + 1));
    const known = new Set<string>(
      (await this.dataSource.query(`SELECT id::text AS id FROM upload WHERE id::text = ANY($1::text[])`, [ids])).map((r: { id: string }) => r.id),
    );
    const cutoff = Date.now() - this.settings.uploadMaxAgeMs;
    for (const id of ids) {
      await run.checkpoint();
      const path = BlobLayout.uploadDir(id);
      const abandoned = staleIds.has(id) || (!known.has(id) && (await modifiedBefore(this.storage, path, cutoff)));
      if (abandoned) {
        if (!options.dryRun) await this.storage.delete(path).catch(ignoreNotFound);
        run.counters.uploads += 1;
      }
      run.advance(1);
    }
    // Sessions whose directory never existed (nothing was written yet) count too.
    run.counters.uploads += [...staleIds].filter((id) => !ids.includes(id)).length;
    if (run.counters.uploads) run.log('info', `${options.dryRun ? 'would delete' : 'deleted'} ${run.counters.uploads} abandoned uploads`);
  }

  /**
   * Files under /blobs the database does not know, older than the grace window (a crash between moving
   * an upload into place and committing its row leaves one). Directory names are compared with the rows
   * a prefix directory at a time (no stat for the known ones: with 100,000 blobs a stat per file was most
   * of the run); only unknown ones are looked at. Claimed with a `deleting` row first, so an upload of the
   * same digest that commits meanwhile wins, exactly as for blobs.
   */
  private async orphans(run: RunProgress, options: GcOptions): Promise<void> {
    const prefixes: string[] = [];
    for (const algorithm of await listOrEmpty(this.storage, '/blobs')) prefixes.push(...(await listOrEmpty(this.storage, algorithm)));
    await run.phase('orphans', prefixes.length);
    const cutoff = Date.now() - this.settings.graceMs;
    await inParallel(prefixes, options.workers, async (prefix) => {
      await run.checkpoint();
      const digests = (await listOrEmpty(this.storage, prefix)).map((dir) => digestOfBlobPath(`${dir}/data`)).filter((d): d is string => d !== undefined);
      for (let i = 0; i < digests.length; i += BATCH) {
        const batch = digests.slice(i, i + BATCH);
        const known = new Set<string>(
          (await this.dataSource.query(`SELECT digest FROM blob WHERE digest = ANY($1::text[])`, [batch])).map((r: { digest: string }) => r.digest),
        );
        const orphans: { digest: string; size: number }[] = [];
        for (const digest of batch.filter((d) => !known.has(d))) {
          const info = await this.storage.stat(BlobLayout.blobData(digest)).catch(ignoreNotFound);
          if (info && info.modTime.getTime() < cutoff) orphans.push({ digest, size: info.size });
        }
        if (orphans.length > 0) await this.deleteOrphans(run, orphans, options);
      }
      run.advance(1);
    });
    if (run.counters.orphans) {
      run.log('info', `${options.dryRun ? 'found' : 'deleted'} ${run.counters.orphans} files in storage the database does not know (${formatBytes(run.counters.orphanBytes)})`);
    }
  }

  private async deleteOrphans(run: RunProgress, orphans: { digest: string; size: number }[], options: GcOptions): Promise<void> {
    if (options.dryRun) {
      run.counters.orphans += orphans.length;
      run.counters.orphanBytes += orphans.reduce((s, o) => s + o.size, 0);
      return;
    }
    const claimed = returnedRows<{ digest: string }>(
      await this.dataSource.query(
        `INSERT INTO blob (digest, size, state) SELECT o.digest, o.size, 'deleting' FROM unnest($1::text[], $2::bigint[]) AS o(digest, size)
         ON CONFLICT (digest) DO NOTHING RETURNING digest`,
        [orphans.map((o) => o.digest), orphans.map((o) => o.size)],
      ),
    ).map((r) => r.digest);
    const freed = await this.deleteMarked(claimed);
    run.counters.orphans += freed.count;
    run.counters.orphanBytes += freed.bytes;
  }
}

/** `/blobs/sha256/ab/<hex>/data` -> `sha256:<hex>`; undefined for anything else. */
export function digestOfBlobPath(path: string): string | undefined {
  const match = /^\/blobs\/([a-z0-9]+)\/([0-9a-f]{2})\/([0-9a-f]{32,128})\/data$/.exec(path);
  if (!match || !match[3].startsWith(match[2])) return undefined;
  return `${match[1]}:${match[3]}`;
}

/** Over `b` (blob); $1 the grace window in seconds, $2 manifest ids to disregard (a dry run's untagged ones). */
const UNREFERENCED = `(b.state = 'deleting' OR b.touched_at < now() - make_interval(secs => $1))
  AND NOT EXISTS (SELECT 1 FROM manifest_blob mb WHERE mb.digest = b.digest AND NOT (mb.manifest_id = ANY($2::bigint[])))`;

const UNTAGGED = `SELECT m.id::text AS id, m.digest, m.repository_id::text AS "repositoryId", r.name AS repository
  FROM manifest m JOIN repository r ON r.id = m.repository_id
  WHERE m.subject_digest IS NULL AND m.pushed_at < now() - make_interval(secs => $1)
    AND NOT EXISTS (SELECT 1 FROM tag t WHERE t.manifest_id = m.id)
    AND NOT EXISTS (SELECT 1 FROM manifest_child c JOIN manifest p ON p.id = c.parent_id
                    WHERE p.repository_id = m.repository_id AND c.child_digest = m.digest)`;

/** The run's row, written every half second: phase, counts, log; and the stop flag read back. */
class RunProgress {
  readonly counters = { blobs: 0, bytes: 0, manifests: 0, uploads: 0, orphans: 0, orphanBytes: 0, rescued: 0 };
  private current: GcPhase = 'starting';
  private done = 0;
  private total = 0;
  private readonly lines: GcLogLine[] = [];
  private lastFlush = 0;
  private flushing: Promise<void> | undefined;
  private stopRequested = false;

  constructor(
    private readonly id: string,
    private readonly db: Queryable,
  ) {}

  log(level: GcLogLine['level'], message: string): void {
    this.lines.push({ at: new Date().toISOString(), level, message });
    if (this.lines.length > MAX_LOG_LINES) this.lines.splice(1, 1);
  }

  async phase(phase: GcPhase, total: number): Promise<void> {
    this.current = phase;
    this.done = 0;
    this.total = total;
    // A worker's write may be in flight (with the old phase): wait for it, so the new phase is written now.
    await this.flushing?.catch(() => undefined);
    await this.flush();
  }

  /** `total` is counted as a phase starts; the sweep may meet blobs unreferenced since, so it grows rather than show more than 100%. */
  advance(items: number): void {
    this.done += items;
    if (this.done > this.total) this.total = this.done;
  }

  /** Writes progress when due and throws once a stop was asked for (by any replica, through the row). */
  async checkpoint(): Promise<void> {
    if (Date.now() - this.lastFlush >= FLUSH_MS) await this.flush();
    if (this.stopRequested) throw new StopRequested();
  }

  summary(): string {
    const c = this.counters;
    return `${c.blobs} blobs (${formatBytes(c.bytes)}), ${c.manifests} manifests, ${c.uploads} uploads, ${c.orphans} orphan files (${formatBytes(c.orphanBytes)}), ${c.rescued} rescued`;
  }

  async finish(status: string, error: string | null): Promise<void> {
    this.current = 'done';
    if (this.flushing) await this.flushing.catch(() => undefined);
    await this.write(`, status = $12, error = $13, finished_at = now()`, [status, error]);
  }

  private async flush(): Promise<void> {
    // Workers share one run: one write at a time, the others go on.
    if (this.flushing) return;
    this.lastFlush = Date.now();
    this.flushing = this.write('', []).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async write(extra: string, extraParams: unknown[]): Promise<void> {
    const c = this.counters;
    const rows = await this.db.query(
      `UPDATE gc_run SET phase = $2, done = $3, total = $4, bytes_freed = $5, blobs_deleted = $6, manifests_deleted = $7,
         uploads_deleted = $8, orphans_deleted = $9, rescued = $10, log = $11::jsonb, heartbeat_at = now()${extra}
       WHERE id = $1 RETURNING stop_requested AS "stopRequested"`,
      [this.id, this.current, this.done, this.total, c.bytes + c.orphanBytes, c.blobs, c.manifests, c.uploads, c.orphans, c.rescued, JSON.stringify(this.lines), ...extraParams],
    );
    if (returnedRows<{ stopRequested: boolean }>(rows)[0]?.stopRequested) this.stopRequested = true;
  }
}

/** Only called while holding the lock: no run can really be running, so a row saying so was left by a process that died. */
async function closeInterrupted(db: Queryable): Promise<void> {
  await db.query(
    `UPDATE gc_run SET status = 'failed', error = 'interrupted: the process running it stopped', finished_at = heartbeat_at, phase = 'done'
     WHERE status = 'running'`,
  );
}

async function inParallel<T>(items: T[], workers: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(workers, items.length)) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

async function listOrEmpty(storage: StorageDriver, path: string): Promise<string[]> {
  try {
    return await storage.list(path);
  } catch (err) {
    if (err instanceof PathNotFoundError) return [];
    throw err;
  }
}

async function modifiedBefore(storage: StorageDriver, path: string, cutoff: number): Promise<boolean> {
  try {
    return (await storage.stat(path)).modTime.getTime() < cutoff;
  } catch (err) {
    if (err instanceof PathNotFoundError) return false;
    throw err;
  }
}

async function unlock(holder: QueryRunner): Promise<void> {
  try {
    await holder.query('SELECT pg_advisory_unlock($1, $2)', [...LOCK]);
  } finally {
    await holder.release();
  }
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof PathNotFoundError)) throw err;
}
