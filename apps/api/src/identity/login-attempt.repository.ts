import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Failures of one username from one address inside the window, since that pair last got in. */
export interface PairFailureCount {
  failures: number;
  /** The newest of them: the delay runs from here. */
  lastFailureAt: Date | null;
}

/** Failures from one address inside the window, across usernames. */
export interface AddressFailureCount {
  failures: number;
  /**
   * The `limit`-th most recent failure in the window, or null when there are fewer: the address is
   * blocked until this one leaves the window.
   */
  limitingFailureAt: Date | null;
}

export interface FailureStats {
  /** The database's clock: every replica judges the window by the same time. */
  now: Date;
  pair: PairFailureCount;
  address: AddressFailureCount;
}

export interface FailureQuery {
  /** The asking attempt's own row, which is not counted against it. */
  excludeId: string;
  username: string;
  address: string;
  windowMs: number;
  addressLimit: number;
}

/** What the login limiter needs from storage; the table is shared, so every replica sees every attempt. */
export interface LoginAttemptStore {
  /** Records an attempt as failed (until told otherwise) and returns its id. */
  insertFailure(username: string, address: string): Promise<string>;
  failureStats(query: FailureQuery): Promise<FailureStats>;
  markSucceeded(id: string): Promise<void>;
  delete(id: string): Promise<void>;
  deleteOlderThan(ageMs: number): Promise<number>;
}

/** Login attempts, successful or not, in `login_attempt`. */
@Injectable()
export class LoginAttemptRepository implements LoginAttemptStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A pair's failures count from the later of the window start and the pair's last successful login (a
   * user who got in is forgiven their typos from there; a success elsewhere forgives nothing here, or the
   * owner signing in would reset an attacker's delay); an address's failures are never forgiven by a
   * success, or an attacker could reset the count by logging in to an account of their own.
   */
  async failureStats(query: FailureQuery): Promise<FailureStats> {
    const rows = await this.dataSource.query(
      `WITH bounds AS (SELECT now() AS now, now() - make_interval(secs => $3::float8 / 1000) AS since),
       pair_since AS (
         SELECT greatest(b.since, (SELECT max(a.at) FROM login_attempt a WHERE lower(a.username) = lower($1) AND a.address = $2 AND a.success AND a.at > b.since)) AS since
         FROM bounds b
       ),
       pair_failures AS (
         SELECT a.at FROM login_attempt a, pair_since s WHERE lower(a.username) = lower($1) AND a.address = $2 AND NOT a.success AND a.at > s.since AND a.id <> $5
       ),
       address_failures AS (
         SELECT a.at FROM login_attempt a, bounds b WHERE a.address = $2 AND NOT a.success AND a.at > b.since AND a.id <> $5
       )
       SELECT b.now,
         (SELECT count(*)::int FROM pair_failures) AS "pairFailures",
         (SELECT max(f.at) FROM pair_failures f) AS "pairLastAt",
         (SELECT count(*)::int FROM address_failures) AS "addressFailures",
         (SELECT f.at FROM address_failures f ORDER BY f.at DESC OFFSET $4 - 1 LIMIT 1) AS "addressLimitingAt"
       FROM bounds b`,
      [query.username, query.address, query.windowMs, query.addressLimit, query.excludeId],
    );
    const r = rows[0];
    return {
      now: r.now,
      pair: { failures: r.pairFailures, lastFailureAt: r.pairLastAt ?? null },
      address: { failures: r.addressFailures, limitingFailureAt: r.addressLimitingAt ?? null },
    };
  }

  async insertFailure(username: string, address: string): Promise<string> {
    const rows = await this.dataSource.query('INSERT INTO login_attempt (username, address, success) VALUES ($1, $2, false) RETURNING id::text AS id', [
      username,
      address,
    ]);
    return rows[0].id;
  }

  async markSucceeded(id: string): Promise<void> {
    await this.dataSource.query('UPDATE login_attempt SET success = true WHERE id = $1', [id]);
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.query('DELETE FROM login_attempt WHERE id = $1', [id]);
  }

  async deleteOlderThan(ageMs: number): Promise<number> {
    const rows = await this.dataSource.query(
      `WITH gone AS (DELETE FROM login_attempt WHERE at < now() - make_interval(secs => $1::float8 / 1000) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [ageMs],
    );
    return rows[0].n;
  }
}
