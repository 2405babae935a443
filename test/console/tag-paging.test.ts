import { Client } from 'pg';
import { RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

const SORTS = ['version', '-version', 'pushed_at', '-pushed_at', 'pulled_at', '-pulled_at', 'name', '-name'] as const;
const base = '/projects/team/repositories/app/-/tags';

/**
 * Keyset paging of the console's tag list: `cursor` = the previous page's `nextCursor`. Walking every
 * order page by page gives the same list as one big page, with no row twice or missing, also when
 * timestamps tie and tags arrive between two pages.
 */
describe('tag list paging by cursor', () => {
  let berth: TestBerth;
  let admin: ConsoleClient;
  let registry: RegistryClient;
  let digest: string;

  beforeAll(async () => {
    berth = await startTestBerth();
    registry = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/projects', { name: 'team' })).status).toBe(201);
    const image = await registry.pushImage('team/app', { tag: 'latest' });
    digest = image.digest;
    const names = ['1.0', '1.0-alpine', '1.1', '1.2-rc1', '2.0', '2.0-slim', 'stable', 'edge', ...Array.from({ length: 22 }, (_, i) => `3.${i}.0`)];
    for (const name of names) expect((await admin.post(`${base.replace('/tags', '')}/artifacts/${digest}/tags`, { name })).status).toBe(201);
    // Three tags were pulled (pull statistics are flushed in batches: written here), the rest never; and
    // eleven tags share one push time to the microsecond, as a bulk import gives them.
    const db = new Client({ connectionString: berth.databaseUrl });
    await db.connect();
    await db.query(`UPDATE tag SET pushed_at = '2026-01-01T00:00:00.123456Z' WHERE name LIKE '3.1%' OR name = '2.0'`);
    await db.query(`UPDATE tag SET last_pulled_at = now() - (length(name) * interval '1 minute') WHERE name IN ('1.0', '3.4.0', 'edge')`);
    await db.end();
  });

  afterAll(async () => {
    await berth?.close();
  });

  async function walk(sort: string, pageSize: number, between?: (page: number) => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 50; page++) {
      const query: string = `sort=${sort}&page_size=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await admin.get(`${base}?${query}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((t: { name: string }) => t.name));
      cursor = res.body.nextCursor;
      if (!cursor) return seen;
      expect(res.body.items).toHaveLength(pageSize);
      await between?.(page);
    }
    throw new Error('the cursor never ended');
  }

  it.each(SORTS)('walks sort=%s page by page to the same list as one page', async (sort) => {
    const whole = await admin.get(`${base}?sort=${sort}&page_size=100`);
    expect(whole.body.total).toBe(31);
    expect(whole.body.nextCursor).toBeNull();
    const all = whole.body.items.map((t: { name: string }) => t.name);
    expect(await walk(sort, 4)).toEqual(all);
  });

  it('orders never-pulled tags as the oldest pulls, and ties by name', async () => {
    const names = (await admin.get(`${base}?sort=-pulled_at&page_size=100`)).body.items.map((t: { name: string }) => t.name);
    expect(names.slice(0, 3).sort()).toEqual(['1.0', '3.4.0', 'edge']);
    const ascending = (await admin.get(`${base}?sort=pulled_at&page_size=100`)).body.items.map((t: { name: string }) => t.name);
    expect(ascending).toEqual([...names].reverse());
  });

  it('neither repeats nor skips a tag when tags are added between two pages', async () => {
    const before = (await admin.get(`${base}?sort=name&page_size=100`)).body.items.map((t: { name: string }) => t.name);
    const walked = await walk('name', 5, async (page) => {
      // "0.x" sorts before every page already read: with OFFSET the next page would repeat a tag.
      if (page === 1) expect((await admin.post(`${base.replace('/tags', '')}/artifacts/${digest}/tags`, { name: '0.9' })).status).toBe(201);
    });
    expect(walked).toEqual(before);
    expect((await admin.delete(`${base}/0.9`)).status).toBe(204);
  });

  it('starts a cursor walk from a numbered page too, and refuses a cursor it did not hand out or of another sort', async () => {
    const second = await admin.get(`${base}?sort=name&page=2&page_size=5`);
    const third = await admin.get(`${base}?sort=name&page_size=5&cursor=${encodeURIComponent(second.body.nextCursor)}`);
    expect(third.body.items.map((t: { name: string }) => t.name)).toEqual((await admin.get(`${base}?sort=name&page=3&page_size=5`)).body.items.map((t: { name: string }) => t.name));

    const other = await admin.get(`${base}?sort=-pushed_at&cursor=${encodeURIComponent(second.body.nextCursor)}`);
    expect([other.status, other.body.code]).toEqual([400, 'INVALID']);
    expect(other.body.message).toMatch(/sort order/);
    for (const bad of ['not-a-cursor', Buffer.from('["name"]').toString('base64url'), Buffer.from('["pushed_at","yesterday","x"]').toString('base64url')]) {
      const res = await admin.get(`${base}?sort=pushed_at&cursor=${bad}`);
      expect([res.status, res.body.code]).toEqual([400, 'INVALID']);
    }
  });
});
