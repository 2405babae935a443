import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inTransaction } from '../database/queryable';

/** A token signing key pair as stored: JWKs, named by their RFC 7638 thumbprint. */
export interface SigningKeyRow {
  kid: string;
  algorithm: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  createdAt: Date;
}

export type NewSigningKey = Omit<SigningKeyRow, 'createdAt'>;

// Any fixed number works: it only has to be the same in every replica. ("berth" in ASCII.)
const FIRST_KEY_LOCK = 0x6265727468;

const COLUMNS = `kid, algorithm, private_jwk AS "privateJwk", public_jwk AS "publicJwk", created_at AS "createdAt"`;

/** The keys that sign and verify registry bearer tokens; shared by every replica through the database. */
@Injectable()
export class SigningKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every key, oldest first: the first one signs, all of them verify. */
  async findAll(): Promise<SigningKeyRow[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM signing_key ORDER BY created_at, kid`);
  }

  /**
   * Stores `candidate` unless a key exists already, and returns the key to sign with (the oldest).
   * Replicas booting on an empty table at once must agree on one key: each inserts under one advisory
   * lock and re-reads inside it, so the second sees the first's committed key and drops its own.
   * (An unlocked insert-then-read lets a replica that commits first read only its own key while the
   * other, whose now() started earlier, later picks itself as "oldest".)
   */
  async insertFirst(candidate: NewSigningKey): Promise<SigningKeyRow> {
    return inTransaction(this.dataSource, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [FIRST_KEY_LOCK]);
      const existing: SigningKeyRow[] = await tx.query(`SELECT ${COLUMNS} FROM signing_key ORDER BY created_at, kid LIMIT 1`);
      if (existing.length > 0) return existing[0];
      // ON CONFLICT: the kid is a thumbprint, so a row with that kid already holds this very key.
      await tx.query(
        `INSERT INTO signing_key (kid, algorithm, private_jwk, public_jwk) VALUES ($1, $2, $3, $4)
         ON CONFLICT (kid) DO NOTHING`,
        [candidate.kid, candidate.algorithm, candidate.privateJwk, candidate.publicJwk],
      );
      const rows: SigningKeyRow[] = await tx.query(`SELECT ${COLUMNS} FROM signing_key ORDER BY created_at, kid LIMIT 1`);
      return rows[0];
    });
  }
}
