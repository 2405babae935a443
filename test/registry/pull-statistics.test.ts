import { createProjectsFor } from '../support/access';
import { expectError, MT, ociIndex, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

describe('pull statistics', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_PULL_STATS_FLUSH_SECONDS: '0.1' });
    reg = new RegistryClient(berth.url);
    await createProjectsFor(berth, ['stats/app']);
  });
  afterAll(async () => {
    await berth.close();
  });

  interface Stats {
    repository: { n: number; at: Date | null };
    manifest: { n: number; at: Date | null };
    tag: { n: number; at: Date | null };
  }

  async function stats(name: string, digest: string, tag: string): Promise<Stats> {
    const db = berth.running.dataSource;
    const [repository] = await db.query('SELECT pull_count::int AS n, last_pulled_at AS at FROM repository WHERE name = $1', [name]);
    const [manifest] = await db.query(
      'SELECT m.pull_count::int AS n, m.last_pulled_at AS at FROM manifest m JOIN repository r ON r.id = m.repository_id WHERE r.name = $1 AND m.digest = $2',
      [name, digest],
    );
    const [tagRow] = await db.query(
      'SELECT t.pull_count::int AS n, t.last_pulled_at AS at FROM tag t JOIN repository r ON r.id = t.repository_id WHERE r.name = $1 AND t.name = $2',
      [name, tag],
    );
    return { repository, manifest, tag: tagRow };
  }

  async function settle(name: string, digest: string, tag: string, expected: { repository: number; manifest: number; tag: number }): Promise<Stats> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const s = await stats(name, digest, tag);
      const counts = { repository: s.repository.n, manifest: s.manifest.n, tag: s.tag.n };
      if (JSON.stringify(counts) === JSON.stringify(expected) || Date.now() > deadline) {
        expect(counts).toEqual(expected);
        // Give a late flush the chance to overshoot, so a count that grows past the expectation fails.
        await new Promise((r) => setTimeout(r, 300));
        const again = await stats(name, digest, tag);
        expect({ repository: again.repository.n, manifest: again.manifest.n, tag: again.tag.n }).toEqual(expected);
        return again;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('GETs by tag and by digest are counted on the repository, manifest and tag rows; HEADs are not', async () => {
    const image = await reg.pushImage('stats/app', { tag: 'v1' });
    const before = await stats('stats/app', image.digest, 'v1');
    expect(before).toEqual({ repository: { n: 0, at: null }, manifest: { n: 0, at: null }, tag: { n: 0, at: null } });
    const start = Date.now();
    for (let i = 0; i < 3; i++) expect((await reg.request('GET', '/v2/stats/app/manifests/v1')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await reg.request('GET', `/v2/stats/app/manifests/${image.digest}`)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await reg.request('HEAD', '/v2/stats/app/manifests/v1')).status).toBe(200);
    const first = await settle('stats/app', image.digest, 'v1', { repository: 5, manifest: 5, tag: 3 });
    for (const row of [first.repository, first.manifest, first.tag]) {
      expect(row.at).toBeInstanceOf(Date);
      expect(row.at!.getTime()).toBeGreaterThanOrEqual(start - 1000);
    }
    await new Promise((r) => setTimeout(r, 20));
    expect((await reg.request('GET', '/v2/stats/app/manifests/v1')).status).toBe(200);
    const second = await settle('stats/app', image.digest, 'v1', { repository: 6, manifest: 6, tag: 4 });
    expect(second.tag.at!.getTime()).toBeGreaterThan(first.tag.at!.getTime());
    expect(second.repository.at!.getTime()).toBeGreaterThan(first.repository.at!.getTime());
  });

  it('failed pulls are not counted', async () => {
    const image = await reg.pushImage('stats/miss', { tag: 'v1' });
    const child = await reg.pushImage('stats/miss', {});
    await reg.pushManifest('stats/miss', 'idx', ociIndex([child.descriptor]));
    expectError(await reg.request('GET', '/v2/stats/miss/manifests/nope'), 404, 'MANIFEST_UNKNOWN');
    expectError(await reg.request('GET', '/v2/stats/miss/manifests/idx', { headers: { accept: MT.ociManifest } }), 404, 'MANIFEST_UNKNOWN');
    expect((await reg.request('GET', '/v2/stats/miss/manifests/v1')).status).toBe(200);
    await settle('stats/miss', image.digest, 'v1', { repository: 1, manifest: 1, tag: 1 });
  });

  it('counts still in memory are written when the server stops', async () => {
    const slow = await startTestBerth();
    try {
      const client = new RegistryClient(slow.url);
      await createProjectsFor(slow, ['stats/shutdown']);
      const image = await client.pushImage('stats/shutdown', { tag: 'v1' });
      expect((await client.request('GET', '/v2/stats/shutdown/manifests/v1')).status).toBe(200);
      await slow.restart();
      const [row] = await slow.running.dataSource.query(
        'SELECT m.pull_count::int AS n FROM manifest m JOIN repository r ON r.id = m.repository_id WHERE r.name = $1 AND m.digest = $2',
        ['stats/shutdown', image.digest],
      );
      expect(row.n).toBe(1);
    } finally {
      await slow.close();
    }
  });
});
