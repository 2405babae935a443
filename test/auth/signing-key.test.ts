import { decodeProtectedHeader } from 'jose';
import { DataSource } from 'typeorm';
import { SigningKeyRepository } from '../../apps/api/src/auth/signing-key.repository';
import { TokenService, TokenServiceOptions } from '../../apps/api/src/auth/token.service';
import { createDataSource } from '../../apps/api/src/database/data-source';
import { startTestBerth, TestBerth } from '../support/test-berth';

const PULL_APP = [{ type: 'repository', name: 'team/app', actions: ['pull'] }];

/** The token signing key in the real PostgreSQL: shared by instances, agreed on by replicas starting together. */
describe('token signing keys in PostgreSQL', () => {
  let berth: TestBerth;
  // A second pool on the same database, as another replica process would have.
  let otherReplica: DataSource;

  beforeAll(async () => {
    berth = await startTestBerth();
    otherReplica = await createDataSource(berth.databaseUrl).initialize();
  });
  afterAll(async () => {
    await otherReplica?.destroy();
    await berth?.close();
  });
  beforeEach(async () => {
    await berth.running.dataSource.query('DELETE FROM signing_key');
  });

  async function start(dataSource: DataSource, options: TokenServiceOptions = {}): Promise<TokenService> {
    const service = new TokenService(new SigningKeyRepository(dataSource), options);
    await service.onModuleInit();
    return service;
  }

  const storedKeys = async (): Promise<{ kid: string; algorithm: string; private_jwk: Record<string, unknown>; public_jwk: Record<string, unknown> }[]> =>
    berth.running.dataSource.query('SELECT kid, algorithm, private_jwk, public_jwk FROM signing_key ORDER BY created_at');

  it('stores the first key as JWKs and reuses it from another instance and another pool', async () => {
    const first = await start(berth.running.dataSource);
    const keys = await storedKeys();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      algorithm: 'ES256',
      private_jwk: expect.objectContaining({ kty: 'EC', crv: 'P-256', d: expect.any(String), kid: keys[0].kid }),
      public_jwk: { kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: keys[0].kid, alg: 'ES256' },
    });

    const sameProcess = await start(berth.running.dataSource);
    const elsewhere = await start(otherReplica);
    expect(await storedKeys()).toHaveLength(1);

    const token = (await first.issue('alice', PULL_APP)).token;
    expect(decodeProtectedHeader(token).kid).toBe(keys[0].kid);
    for (const verifier of [sameProcess, elsewhere]) {
      expect(await verifier.verify(token)).toEqual({ subject: 'alice', access: PULL_APP, expiresAt: expect.any(Date) });
      const own = (await verifier.issue('bob', PULL_APP)).token;
      expect(decodeProtectedHeader(own).kid).toBe(keys[0].kid);
      expect((await first.verify(own))?.subject).toBe('bob');
    }
  });

  it('keeps the key across a restart of the whole service', async () => {
    const before = await start(berth.running.dataSource);
    const token = (await before.issue('alice', PULL_APP, { ttlSeconds: 3600 })).token;
    const after = await start(otherReplica);
    expect((await after.verify(token))?.subject).toBe('alice');
    expect(await storedKeys()).toHaveLength(1);
  });

  it.each([1, 2, 3, 4, 5])('agrees on one key when eight instances on two pools start at once (round %i)', async () => {
    const pools = [berth.running.dataSource, otherReplica];
    const services = await Promise.all(Array.from({ length: 8 }, (_, i) => start(pools[i % 2])));
    const keys = await storedKeys();
    expect(keys).toHaveLength(1);
    const tokens = await Promise.all(services.map((service, i) => service.issue(`user-${i}`, PULL_APP)));
    for (const { token } of tokens) expect(decodeProtectedHeader(token).kid).toBe(keys[0].kid);
    // Every instance verifies every other's token without a reload (the reload window has not passed).
    for (const service of services) {
      for (const [i, { token }] of tokens.entries()) expect((await service.verify(token))?.subject).toBe(`user-${i}`);
    }
  });

  it('picks up a key that appeared in the database after start, once the reload window has passed', async () => {
    let now = Date.now();
    const local = await start(berth.running.dataSource, { clock: () => now });
    // Stands in for a replica whose key we have not loaded: it writes its own key, dated later, beside ours.
    const foreignRows: { kid: string }[] = [];
    const foreign = new TokenService(
      {
        findAll: async () => [],
        insertFirst: async (candidate: Parameters<SigningKeyRepository['insertFirst']>[0]) => {
          foreignRows.push(candidate);
          await berth.running.dataSource.query(
            'INSERT INTO signing_key (kid, algorithm, private_jwk, public_jwk, created_at) VALUES ($1, $2, $3, $4, now() + interval \'1 hour\')',
            [candidate.kid, candidate.algorithm, candidate.privateJwk, candidate.publicJwk],
          );
          return { ...candidate, createdAt: new Date() };
        },
      } as unknown as SigningKeyRepository,
    );
    await foreign.onModuleInit();
    const token = (await foreign.issue('carol', PULL_APP)).token;
    expect(decodeProtectedHeader(token).kid).toBe(foreignRows[0].kid);

    expect(await local.verify(token)).toBeUndefined();
    now += 10_000;
    expect((await local.verify(token))?.subject).toBe('carol');
    // The newer key verifies but does not take over signing: the oldest key still signs.
    const keys = await storedKeys();
    expect(keys).toHaveLength(2);
    expect(decodeProtectedHeader((await local.issue('alice', PULL_APP)).token).kid).toBe(keys[0].kid);
  });
});
