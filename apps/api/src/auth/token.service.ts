import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { AccessEntry } from '@berth/oci';
import {
  calculateJwkThumbprint,
  CompactJWSHeaderParameters,
  CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  JWK,
  JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose';
import { NewSigningKey, SigningKeyRepository, SigningKeyRow } from './signing-key.repository';

export const TOKEN_SERVICE_OPTIONS = Symbol('TOKEN_SERVICE_OPTIONS');

export interface TokenServiceOptions {
  /** Lifetime of issued tokens when issue() is not told otherwise; 300 s. */
  ttlSeconds?: number;
  /** The `iss` claim written and required; 'berth'. */
  issuer?: string;
  /** The `aud` claim written and required: the `service` of the token request; 'berth'. */
  audience?: string;
  /** Milliseconds since the epoch; replaceable so tests can issue from the past or the future. */
  clock?: () => number;
}

export interface IssuedToken {
  token: string;
  /** Seconds, as the token response's `expires_in`. */
  expiresIn: number;
  /** RFC 3339, as the token response's `issued_at`; equals the `iat` claim. */
  issuedAt: string;
}

export interface VerifiedToken {
  subject: string;
  access: AccessEntry[];
  expiresAt: Date;
}

const ALGORITHM = 'ES256';
const DEFAULT_TTL_SECONDS = 300;
// Replicas' clocks drift; a token minted a moment "in the future" by a peer must still work.
const CLOCK_SKEW_SECONDS = 30;
// An unknown kid costs at most one database read per interval, however many forged tokens arrive.
const KEY_RELOAD_INTERVAL_MS = 10_000;
// docker sends the same token with every request of a pull; a hit skips the ECDSA verify.
const VERIFIED_CACHE_SIZE = 4096;
const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'exp', 'nbf', 'iat', 'jti'];

interface CachedVerification {
  result: VerifiedToken;
  validUntilMs: number;
}

/**
 * Issues and verifies the registry's bearer tokens (distribution's token authentication: ES256 JWTs with
 * an `access` claim). One key pair signs; it lives in the database so every replica signs with the same
 * key and verifies the others' tokens. Verification never touches the database on the happy path.
 */
@Injectable()
export class TokenService implements OnModuleInit {
  private readonly logger = new Logger(TokenService.name);
  private readonly ttlSeconds: number;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly clock: () => number;
  private signing?: { kid: string; privateKey: CryptoKey };
  private readonly publicKeys = new Map<string, CryptoKey>();
  private readonly verified = new Map<string, CachedVerification>();
  private lastReloadMs = Number.NEGATIVE_INFINITY;
  private reloading?: Promise<void>;

  constructor(
    private readonly keys: SigningKeyRepository,
    @Optional() @Inject(TOKEN_SERVICE_OPTIONS) options: TokenServiceOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    assertTtl(this.ttlSeconds);
    this.issuer = options.issuer ?? 'berth';
    this.audience = options.audience ?? 'berth';
    this.clock = options.clock ?? Date.now;
  }

  /** Loads the shared key, or creates it when this is the first replica ever to start. */
  async onModuleInit(): Promise<void> {
    let rows = await this.keys.findAll();
    if (rows.length === 0) {
      const first = await this.keys.insertFirst(await generateSigningKey());
      // Another replica may have won the race: its key is the one returned, and the only one to trust.
      rows = [first];
    }
    this.lastReloadMs = this.clock();
    await this.remember(rows);
    const oldest = rows[0];
    if (oldest.algorithm !== ALGORITHM) {
      throw new Error(`signing key ${oldest.kid} uses ${oldest.algorithm}; this version of Berth signs with ${ALGORITHM} only`);
    }
    this.signing = { kid: oldest.kid, privateKey: (await importJWK(oldest.privateJwk as JWK, ALGORITHM)) as CryptoKey };
  }

  async issue(subject: string, access: AccessEntry[], options: { ttlSeconds?: number } = {}): Promise<IssuedToken> {
    if (this.signing === undefined) throw new Error('TokenService.issue() called before onModuleInit()');
    const ttlSeconds = options.ttlSeconds ?? this.ttlSeconds;
    assertTtl(ttlSeconds);
    const now = Math.floor(this.clock() / 1000);
    const token = await new SignJWT({ access: access.map(toClaim) })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.signing.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience(this.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.signing.privateKey);
    return { token, expiresIn: ttlSeconds, issuedAt: new Date(now * 1000).toISOString() };
  }

  /** The token's subject and grants, or undefined for any token this registry should not honour. */
  async verify(token: string): Promise<VerifiedToken | undefined> {
    if (typeof token !== 'string' || token.length === 0) return undefined;
    const nowMs = this.clock();
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      if (nowMs < cached.validUntilMs) return cached.result;
      this.verified.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keyFor, {
        // Only ES256: rejects `none` and HS256 signed with the public key (algorithm confusion).
        algorithms: [ALGORITHM],
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: CLOCK_SKEW_SECONDS,
        requiredClaims: REQUIRED_CLAIMS,
        currentDate: new Date(nowMs),
      }));
    } catch {
      return undefined;
    }
    const result = toVerifiedToken(payload);
    if (result === undefined) return undefined;
    this.rememberVerified(token, { result, validUntilMs: (payload.exp! + CLOCK_SKEW_SECONDS) * 1000 });
    return result;
  }

  /** True when the token grants `action` on exactly this resource; `*` grants every action, as in distribution. */
  allows(verified: VerifiedToken, type: string, name: string, action: string): boolean {
    return verified.access.some(
      (entry) => entry.type === type && entry.name === name && (entry.actions.includes(action) || entry.actions.includes('*')),
    );
  }

  private readonly keyFor = async (header: CompactJWSHeaderParameters): Promise<CryptoKey> => {
    if (typeof header.kid !== 'string') throw new Error('token has no kid');
    let key = this.publicKeys.get(header.kid);
    if (key === undefined) {
      await this.reloadKeys();
      key = this.publicKeys.get(header.kid);
    }
    if (key === undefined) throw new Error('unknown kid');
    return key;
  };

  /** Picks up keys other replicas stored since this one started; concurrent callers share one read. */
  private async reloadKeys(): Promise<void> {
    if (this.reloading !== undefined) return this.reloading;
    if (this.clock() - this.lastReloadMs < KEY_RELOAD_INTERVAL_MS) return;
    this.lastReloadMs = this.clock();
    this.reloading = this.keys
      .findAll()
      .then((rows) => this.remember(rows))
      .catch((error: unknown) => this.logger.warn(`could not reload token signing keys: ${String(error)}`))
      .finally(() => {
        this.reloading = undefined;
      });
    return this.reloading;
  }

  private async remember(rows: SigningKeyRow[]): Promise<void> {
    for (const row of rows) {
      if (row.algorithm !== ALGORITHM || this.publicKeys.has(row.kid)) continue;
      this.publicKeys.set(row.kid, (await importJWK(row.publicJwk as JWK, ALGORITHM)) as CryptoKey);
    }
  }

  private rememberVerified(token: string, entry: CachedVerification): void {
    // Oldest first out: Map iterates in insertion order, and old entries are the ones closest to expiry.
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, entry);
  }
}

/** A fresh ES256 pair as JWKs, named by the RFC 7638 thumbprint of its public half. */
async function generateSigningKey(): Promise<NewSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    algorithm: ALGORITHM,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM },
    publicJwk: { ...publicJwk, kid, alg: ALGORITHM },
  };
}

function assertTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error(`token lifetime must be a positive whole number of seconds (got ${ttlSeconds})`);
}

/** The claim form of an entry: only the spec's fields, so callers' extra properties never leak into tokens. */
function toClaim(entry: AccessEntry): AccessEntry {
  const claim: AccessEntry = { type: entry.type, name: entry.name, actions: [...entry.actions] };
  if (entry.class !== undefined) claim.class = entry.class;
  return claim;
}

/** Reads the claims jose does not type-check; anything unexpected means the token is not one of ours. */
function toVerifiedToken(payload: JWTPayload): VerifiedToken | undefined {
  if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return undefined;
  const claim = payload.access ?? [];
  if (!Array.isArray(claim)) return undefined;
  const access: AccessEntry[] = [];
  for (const raw of claim as unknown[]) {
    if (typeof raw !== 'object' || raw === null) return undefined;
    const { type, class: resourceClass, name, actions } = raw as Record<string, unknown>;
    if (typeof type !== 'string' || typeof name !== 'string') return undefined;
    if (!Array.isArray(actions) || !actions.every((a) => typeof a === 'string')) return undefined;
    if (resourceClass !== undefined && typeof resourceClass !== 'string') return undefined;
    const entry: AccessEntry = { type, name, actions: Object.freeze([...actions]) as string[] };
    if (resourceClass !== undefined) entry.class = resourceClass;
    access.push(Object.freeze(entry));
  }
  // Frozen because cached results are shared between requests.
  return Object.freeze({ subject: payload.sub, access: Object.freeze(access) as AccessEntry[], expiresAt: new Date(payload.exp * 1000) });
}
