import { createHash, createHmac, createPublicKey, createSign, generateKeyPairSync, JsonWebKey } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { NewSigningKey, SigningKeyRepository, SigningKeyRow } from './signing-key.repository';
import { TokenService, TokenServiceOptions, VerifiedToken } from './token.service';

/** The repository's contract in memory; every method is real, so nothing can be called unstubbed. */
class FakeSigningKeyRepository {
  readonly rows: SigningKeyRow[] = [];
  readonly calls: string[] = [];
  private tick = 0;

  async findAll(): Promise<SigningKeyRow[]> {
    this.calls.push('findAll');
    return [...this.rows];
  }

  async insertFirst(candidate: NewSigningKey): Promise<SigningKeyRow> {
    this.calls.push('insertFirst');
    // No await before the check: in-process this is as atomic as the advisory lock is in PostgreSQL.
    if (this.rows.length === 0) this.add(candidate);
    return this.rows[0];
  }

  /** What another replica's write looks like from here. */
  add(key: NewSigningKey): void {
    this.rows.push({ ...key, createdAt: new Date(Date.UTC(2025, 0, 1) + this.tick++) });
  }

  asRepository(): SigningKeyRepository {
    return this as unknown as SigningKeyRepository;
  }
}

/** A clock tests can move; starts at the real time so jose's own checks stay meaningful. */
class FakeClock {
  nowMs = Date.now();
  readonly read = (): number => this.nowMs;
  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }
}

async function startService(repo: FakeSigningKeyRepository, options: TokenServiceOptions = {}): Promise<TokenService> {
  const service = new TokenService(repo.asRepository(), options);
  await service.onModuleInit();
  return service;
}

const PULL_APP = [{ type: 'repository', name: 'team/app', actions: ['pull'] }];

const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const parts = (token: string): [string, string, string] => token.split('.') as [string, string, string];

/** Claims that would pass every check, for hand-built tokens. */
function validClaims(nowMs = Date.now()): Record<string, unknown> {
  const now = Math.floor(nowMs / 1000);
  return { iss: 'berth', sub: 'mallory', aud: 'berth', iat: now, nbf: now, exp: now + 300, jti: 'x', access: [{ type: 'repository', name: 'team/app', actions: ['push'] }] };
}

describe('TokenService', () => {
  let repo: FakeSigningKeyRepository;
  let service: TokenService;

  beforeEach(async () => {
    repo = new FakeSigningKeyRepository();
    service = await startService(repo);
  });

  describe('issue', () => {
    it('round-trips subject and access through verify', async () => {
      const access = [
        { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
        { type: 'registry', name: 'catalog', actions: ['*'] },
      ];
      const issued = await service.issue('alice', access);
      const verified = await service.verify(issued.token);
      expect(verified).toEqual({ subject: 'alice', access, expiresAt: expect.any(Date) });
      expect(verified!.expiresAt.getTime()).toBe(Date.parse(issued.issuedAt) + 300_000);
    });

    it('writes the claims and header of distribution token authentication', async () => {
      const before = Math.floor(Date.now() / 1000);
      const issued = await service.issue('alice', PULL_APP);
      const claims = decodeJwt(issued.token);
      const header = decodeProtectedHeader(issued.token);
      expect(header).toEqual({ alg: 'ES256', kid: repo.rows[0].kid, typ: 'JWT' });
      expect(claims).toEqual({
        iss: 'berth',
        sub: 'alice',
        aud: 'berth',
        iat: expect.any(Number),
        nbf: claims.iat,
        exp: claims.iat! + 300,
        jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        access: PULL_APP,
      });
      expect(claims.iat).toBeGreaterThanOrEqual(before);
      expect(issued.expiresIn).toBe(300);
      expect(issued.issuedAt).toBe(new Date(claims.iat! * 1000).toISOString());
    });

    it('gives every token its own jti', async () => {
      const ids = new Set<unknown>();
      for (let i = 0; i < 20; i++) ids.add(decodeJwt((await service.issue('alice', PULL_APP)).token).jti);
      expect(ids.size).toBe(20);
    });

    it('takes the lifetime from the call, then from the options', async () => {
      const short = await service.issue('alice', PULL_APP, { ttlSeconds: 60 });
      expect(short.expiresIn).toBe(60);
      expect(decodeJwt(short.token).exp! - decodeJwt(short.token).iat!).toBe(60);

      const configured = await startService(repo, { ttlSeconds: 900 });
      const long = await configured.issue('alice', PULL_APP);
      expect(long.expiresIn).toBe(900);
      expect(decodeJwt(long.token).exp! - decodeJwt(long.token).iat!).toBe(900);
    });

    it.each([0, -5, 1.5, Number.NaN])('refuses a lifetime of %p', async (ttlSeconds) => {
      await expect(service.issue('alice', PULL_APP, { ttlSeconds })).rejects.toThrow(/lifetime/);
      expect(() => new TokenService(repo.asRepository(), { ttlSeconds })).toThrow(/lifetime/);
    });

    it('writes only the spec fields of each access entry', async () => {
      const extra = { type: 'repository', name: 'team/app', actions: ['pull'], secret: 'do not leak' };
      const issued = await service.issue('alice', [extra, { type: 'repository', class: 'plugin', name: 'p/q', actions: ['pull'] }]);
      expect(decodeJwt(issued.token).access).toEqual([
        { type: 'repository', name: 'team/app', actions: ['pull'] },
        { type: 'repository', class: 'plugin', name: 'p/q', actions: ['pull'] },
      ]);
    });

    it('issues an empty access list for a token that grants nothing', async () => {
      const verified = await service.verify((await service.issue('', [])).token);
      expect(verified).toEqual({ subject: '', access: [], expiresAt: expect.any(Date) });
    });

    it('refuses to issue before the key is loaded', async () => {
      const cold = new TokenService(new FakeSigningKeyRepository().asRepository());
      await expect(cold.issue('alice', PULL_APP)).rejects.toThrow(/onModuleInit/);
    });
  });

  describe('verify rejects', () => {
    it('a tampered payload', async () => {
      const [header, , signature] = parts((await service.issue('alice', PULL_APP)).token);
      const forged = { ...decodeJwt((await service.issue('alice', PULL_APP)).token), access: [{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }] };
      expect(await service.verify(`${header}.${b64url(forged)}.${signature}`)).toBeUndefined();
    });

    it('a tampered signature', async () => {
      const [header, payload, signature] = parts((await service.issue('alice', PULL_APP)).token);
      // A middle character: flipping the last one may only touch base64url padding bits.
      const i = 20;
      const flipped = signature.slice(0, i) + (signature[i] === 'A' ? 'B' : 'A') + signature.slice(i + 1);
      expect(await service.verify(`${header}.${payload}.${flipped}`)).toBeUndefined();
      expect(await service.verify(`${header}.${payload}.`)).toBeUndefined();
      expect(await service.verify(`${header}.${payload}`)).toBeUndefined();
    });

    it('a token signed by another Berth (another key, unknown kid)', async () => {
      const other = await startService(new FakeSigningKeyRepository());
      const foreign = (await other.issue('alice', PULL_APP)).token;
      expect(await other.verify(foreign)).toBeDefined();
      expect(await service.verify(foreign)).toBeUndefined();
    });

    it('a token signed by another key that claims our kid', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const header = b64url({ alg: 'ES256', kid: repo.rows[0].kid, typ: 'JWT' });
      const payload = b64url(validClaims());
      const signature = createSign('sha256').update(`${header}.${payload}`).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
      expect(await service.verify(`${header}.${payload}.${signature.toString('base64url')}`)).toBeUndefined();
    });

    it('an alg: none token', async () => {
      const payload = b64url(validClaims());
      for (const header of [{ alg: 'none' }, { alg: 'none', kid: repo.rows[0].kid }, { alg: 'None', kid: repo.rows[0].kid, typ: 'JWT' }]) {
        expect(await service.verify(`${b64url(header)}.${payload}.`)).toBeUndefined();
      }
    });

    it('an HS256 token whose HMAC secret is our public key (algorithm confusion)', async () => {
      const publicKey = createPublicKey({ key: repo.rows[0].publicJwk as JsonWebKey, format: 'jwk' });
      const secrets = [
        publicKey.export({ type: 'spki', format: 'pem' }),
        publicKey.export({ type: 'spki', format: 'der' }),
        JSON.stringify(repo.rows[0].publicJwk),
      ];
      const payload = b64url(validClaims());
      for (const alg of ['HS256', 'HS384', 'HS512']) {
        const header = b64url({ alg, kid: repo.rows[0].kid, typ: 'JWT' });
        for (const secret of secrets) {
          const mac = createHmac(`sha${alg.slice(2)}`, secret).update(`${header}.${payload}`).digest('base64url');
          expect(await service.verify(`${header}.${payload}.${mac}`)).toBeUndefined();
        }
      }
    });

    it('an expired token, beyond the 30 s clock skew', async () => {
      const past = new FakeClock();
      past.advance(-300 - 31);
      const issuer = await startService(repo, { clock: past.read });
      expect(await service.verify((await issuer.issue('alice', PULL_APP)).token)).toBeUndefined();
    });

    it('a token that is not valid yet, beyond the 30 s clock skew', async () => {
      const future = new FakeClock();
      future.advance(31);
      const issuer = await startService(repo, { clock: future.read });
      expect(await service.verify((await issuer.issue('alice', PULL_APP)).token)).toBeUndefined();
    });

    it('a token for another audience', async () => {
      const issuer = await startService(repo, { audience: 'registry.example.com' });
      expect(await service.verify((await issuer.issue('alice', PULL_APP)).token)).toBeUndefined();
    });

    it('a token from another issuer', async () => {
      const issuer = await startService(repo, { issuer: 'someone-else' });
      expect(await service.verify((await issuer.issue('alice', PULL_APP)).token)).toBeUndefined();
    });

    it('a validly signed token missing a required claim', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const kid = 'test-key';
      repo.add({ kid, algorithm: 'ES256', privateJwk: {}, publicJwk: { ...createPublicKey(privateKey).export({ format: 'jwk' }) } });
      const clock = new FakeClock();
      const verifier = new TokenService(repo.asRepository(), { clock: clock.read });
      await verifier.onModuleInit();
      const sign = (claims: Record<string, unknown>): string => {
        const signingInput = `${b64url({ alg: 'ES256', kid })}.${b64url(claims)}`;
        return `${signingInput}.${createSign('sha256').update(signingInput).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
      };
      // The hand signer is right: a complete claim set passes.
      expect(await verifier.verify(sign(validClaims(clock.nowMs)))).toBeDefined();
      for (const claim of ['iss', 'aud', 'sub', 'exp', 'nbf', 'iat', 'jti']) {
        const { [claim]: _dropped, ...claims } = validClaims(clock.nowMs);
        expect(await verifier.verify(sign(claims))).toBeUndefined();
      }
      expect(await verifier.verify(sign({ ...validClaims(clock.nowMs), access: 'repository:team/app:push' }))).toBeUndefined();
      expect(await verifier.verify(sign({ ...validClaims(clock.nowMs), access: [{ type: 'repository', name: 'a', actions: 'push' }] }))).toBeUndefined();
      expect(await verifier.verify(sign({ ...validClaims(clock.nowMs), sub: 42 }))).toBeUndefined();
    });

    it.each([
      ['empty', ''],
      ['a word', 'token'],
      ['three dots', '...'],
      ['three empty-ish parts', 'a.b.c'],
      ['a Basic credential', 'Basic YWxpY2U6c2VjcmV0'],
      ['base64 of JSON, no signature', `${b64url({ alg: 'ES256' })}.${b64url({ sub: 'x' })}`],
      ['a header that is not JSON', `${b64url('not json')}.${b64url({})}.${b64url('sig')}`],
      ['a payload that is not JSON', `${b64url({ alg: 'ES256', kid: 'k' })}.${b64url('not json')}.${b64url('sig')}`],
      ['a JSON array header', `${b64url([1, 2])}.${b64url({})}.${b64url('sig')}`],
      ['invalid base64url', '!!!.@@@.###'],
      ['a JWE-shaped string', 'a.b.c.d.e'],
      ['a megabyte of dots', '.'.repeat(1 << 20)],
    ])('garbage: %s', async (_label, garbage) => {
      expect(await service.verify(garbage)).toBeUndefined();
    });

    it('values that are not strings', async () => {
      for (const value of [undefined, null, 42, {}, Buffer.from('x')]) {
        expect(await service.verify(value as unknown as string)).toBeUndefined();
      }
    });
  });

  describe('verify accepts', () => {
    it('a token expired less than 30 s ago (clock skew between replicas)', async () => {
      const past = new FakeClock();
      past.advance(-300 - 20);
      const issuer = await startService(repo, { clock: past.read });
      expect(await service.verify((await issuer.issue('alice', PULL_APP)).token)).toBeDefined();
    });

    it('a token from a clock less than 30 s ahead', async () => {
      const future = new FakeClock();
      future.advance(20);
      const issuer = await startService(repo, { clock: future.read });
      expect(await service.verify((await issuer.issue('alice', PULL_APP)).token)).toBeDefined();
    });
  });

  describe('the verified-token cache', () => {
    it('answers a repeated token without trusting it past its expiry', async () => {
      const clock = new FakeClock();
      const local = await startService(repo, { clock: clock.read });
      const { token } = await local.issue('alice', PULL_APP);
      const first = await local.verify(token);
      expect(await local.verify(token)).toBe(first);
      clock.advance(300 + 29);
      expect(await local.verify(token)).toBe(first);
      clock.advance(2);
      expect(await local.verify(token)).toBeUndefined();
    });

    it('hands out results callers cannot change', async () => {
      const verified = await service.verify((await service.issue('alice', PULL_APP)).token);
      expect(() => verified!.access[0].actions.push('push')).toThrow(TypeError);
      expect(() => verified!.access.push({ type: 'repository', name: 'x', actions: ['push'] })).toThrow(TypeError);
    });
  });

  describe('allows', () => {
    const token = (access: VerifiedToken['access']): VerifiedToken => ({ subject: 'alice', access, expiresAt: new Date() });

    it('grants exactly the listed action: pull does not imply push', () => {
      const verified = token([{ type: 'repository', name: 'team/app', actions: ['pull'] }]);
      expect(service.allows(verified, 'repository', 'team/app', 'pull')).toBe(true);
      expect(service.allows(verified, 'repository', 'team/app', 'push')).toBe(false);
      expect(service.allows(verified, 'repository', 'team/app', 'delete')).toBe(false);
    });

    it('matches the whole name, not a prefix or a parent', () => {
      const verified = token([{ type: 'repository', name: 'team/app', actions: ['pull', 'push'] }]);
      for (const name of ['team/app2', 'team', 'team/app/sub', 'team/ap', 'Team/app', 'team/app ']) {
        expect(service.allows(verified, 'repository', name, 'pull')).toBe(false);
      }
    });

    it('matches the resource type', () => {
      const verified = token([{ type: 'repository', name: 'catalog', actions: ['*'] }]);
      expect(service.allows(verified, 'registry', 'catalog', '*')).toBe(false);
    });

    it('treats * as every action, as distribution does', () => {
      const verified = token([
        { type: 'registry', name: 'catalog', actions: ['*'] },
        { type: 'repository', name: 'team/app', actions: ['*'] },
      ]);
      expect(service.allows(verified, 'registry', 'catalog', '*')).toBe(true);
      expect(service.allows(verified, 'repository', 'team/app', 'delete')).toBe(true);
      expect(service.allows(verified, 'repository', 'team/other', 'pull')).toBe(false);
    });

    it('looks through every entry', () => {
      const verified = token([
        { type: 'repository', name: 'team/base', actions: ['pull'] },
        { type: 'repository', name: 'team/app', actions: ['push'] },
      ]);
      expect(service.allows(verified, 'repository', 'team/app', 'push')).toBe(true);
      expect(service.allows(verified, 'repository', 'team/base', 'push')).toBe(false);
    });

    it('grants nothing for an empty access list', () => {
      expect(service.allows(token([]), 'repository', 'team/app', 'pull')).toBe(false);
    });

    it('works on what verify returns', async () => {
      const verified = (await service.verify((await service.issue('alice', PULL_APP)).token))!;
      expect(service.allows(verified, 'repository', 'team/app', 'pull')).toBe(true);
      expect(service.allows(verified, 'repository', 'team/app', 'push')).toBe(false);
    });
  });

  describe('keys', () => {
    it('generates one ES256 key named by its RFC 7638 thumbprint on first start', async () => {
      expect(repo.rows).toHaveLength(1);
      const [key] = repo.rows;
      expect(key.algorithm).toBe('ES256');
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key.publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: key.kid, alg: 'ES256' });
      expect(key.privateJwk).toEqual({ ...key.publicJwk, d: expect.any(String) });
      // RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
      const { crv, kty, x, y } = key.publicJwk as Record<string, string>;
      const thumbprint = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
      expect(key.kid).toBe(thumbprint);
    });

    it('reuses the stored key: a second instance signs with it and tokens verify both ways', async () => {
      const second = await startService(repo);
      expect(repo.rows).toHaveLength(1);
      const fromFirst = (await service.issue('alice', PULL_APP)).token;
      const fromSecond = (await second.issue('bob', PULL_APP)).token;
      expect(decodeProtectedHeader(fromSecond).kid).toBe(repo.rows[0].kid);
      expect((await second.verify(fromFirst))?.subject).toBe('alice');
      expect((await service.verify(fromSecond))?.subject).toBe('bob');
    });

    it('agrees on one key when two instances start on an empty store at once', async () => {
      const shared = new FakeSigningKeyRepository();
      const [a, b] = await Promise.all([startService(shared), startService(shared)]);
      // Both looked before either inserted: the race really happened.
      expect(shared.calls).toEqual(['findAll', 'findAll', 'insertFirst', 'insertFirst']);
      expect(shared.rows).toHaveLength(1);
      const fromA = (await a.issue('alice', PULL_APP)).token;
      const fromB = (await b.issue('bob', PULL_APP)).token;
      expect(decodeProtectedHeader(fromA).kid).toBe(shared.rows[0].kid);
      expect(decodeProtectedHeader(fromB).kid).toBe(shared.rows[0].kid);
      expect((await b.verify(fromA))?.subject).toBe('alice');
      expect((await a.verify(fromB))?.subject).toBe('bob');
    });

    it('signs with the oldest key when several are stored', async () => {
      const other = new FakeSigningKeyRepository();
      await startService(other);
      repo.add(other.rows[0]);
      const restarted = await startService(repo);
      expect(decodeProtectedHeader((await restarted.issue('alice', PULL_APP)).token).kid).toBe(repo.rows[0].kid);
    });

    it('picks up a key another replica stored after start, reading the store at most once per 10 s', async () => {
      const clock = new FakeClock();
      const local = await startService(repo, { clock: clock.read });
      const elsewhere = new FakeSigningKeyRepository();
      const replica = await startService(elsewhere);
      const fromReplica = (await replica.issue('carol', PULL_APP)).token;
      const reads = () => repo.calls.filter((c) => c === 'findAll').length;

      // Unknown kid within 10 s of start: no read, rejected.
      const before = reads();
      expect(await local.verify(fromReplica)).toBeUndefined();
      expect(reads()).toBe(before);

      clock.advance(10);
      repo.add(elsewhere.rows[0]);
      const verifications = await Promise.all(Array.from({ length: 20 }, () => local.verify(fromReplica)));
      expect(verifications.every((v) => v?.subject === 'carol')).toBe(true);
      expect(reads()).toBe(before + 1);
    });

    it('cannot be made to read the store by a flood of forged kids', async () => {
      const clock = new FakeClock();
      const local = await startService(repo, { clock: clock.read });
      const payload = b64url(validClaims(clock.nowMs));
      const reads = () => repo.calls.filter((c) => c === 'findAll').length;
      const before = reads();
      for (let round = 0; round < 3; round++) {
        clock.advance(10);
        // One after another, so sharing an in-flight read cannot hide a missing rate limit.
        for (let i = 0; i < 50; i++) {
          expect(await local.verify(`${b64url({ alg: 'ES256', kid: `forged-${round}-${i}` })}.${payload}.${b64url('sig')}`)).toBeUndefined();
        }
      }
      expect(reads()).toBe(before + 3);
    });

    it('keeps verifying known keys when a reload fails', async () => {
      const clock = new FakeClock();
      const local = await startService(repo, { clock: clock.read });
      const known = (await local.issue('alice', PULL_APP)).token;
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      repo.findAll = async () => {
        throw new Error('database down');
      };
      clock.advance(10);
      const forged = `${b64url({ alg: 'ES256', kid: 'forged' })}.${b64url(validClaims(clock.nowMs))}.${b64url('sig')}`;
      expect(await local.verify(forged)).toBeUndefined();
      expect((await local.verify(known))?.subject).toBe('alice');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('database down'));
      warn.mockRestore();
    });

    it('refuses to start when the signing key is not ES256', async () => {
      const odd = new FakeSigningKeyRepository();
      odd.add({ kid: 'rsa', algorithm: 'RS256', privateJwk: {}, publicJwk: {} });
      await expect(startService(odd)).rejects.toThrow(/RS256/);
    });
  });
});
