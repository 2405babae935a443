import { DataSource } from 'typeorm';
import { createDataSource } from '../../apps/api/src/database/data-source';
import { ensureInitialAdmin, initialPasswordBox } from '../../apps/api/src/identity/admin-bootstrap';
import { PasswordHasher } from '../../apps/api/src/identity/password-hasher';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { identityServices } from './identity-services';

describe('initial admin', () => {
  let berth: TestBerth;
  let db: DataSource;
  let replica: DataSource;
  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    // A second connection pool on the same database, as another replica would have.
    replica = createDataSource(berth.databaseUrl);
    await replica.initialize();
  });
  afterAll(async () => {
    await replica.destroy();
    await berth.close();
  });
  // Whatever the server's own boot did, each test starts from a database without users.
  beforeEach(() => db.query('DELETE FROM app_user'));

  const admins = () => db.query(`SELECT username, is_admin AS "isAdmin", password_hash AS hash FROM app_user`) as Promise<{ username: string; isAdmin: boolean; hash: string }[]>;

  /** Hands out each hash only when all `parties` have one, so their inserts reach PostgreSQL together. */
  function barrierHasher(parties: number): PasswordHasher {
    let waiting = 0;
    let release!: () => void;
    const allArrived = new Promise<void>((resolve) => (release = resolve));
    return new (class extends PasswordHasher {
      async hash(plain: string): Promise<string> {
        const hash = await super.hash(plain);
        if (++waiting === parties) release();
        await allArrived;
        return hash;
      }
    })();
  }

  it('creates exactly one admin when replicas boot together, and prints its password exactly once', async () => {
    const printed: string[] = [];
    const print = (text: string) => void printed.push(text);
    const hasher = barrierHasher(12);
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => ensureInitialAdmin(i % 2 ? replica : db, { adminPassword: undefined }, print, hasher)),
    );
    expect(outcomes.filter((o) => o.created)).toEqual([{ created: true, passwordGenerated: true }]);
    const users = await admins();
    expect(users).toEqual([{ username: 'admin', isAdmin: true, hash: expect.stringMatching(/^\$argon2id\$/) }]);
    expect(printed).toHaveLength(1);
    const password = /initial admin password: ([0-9A-Za-z]{24})\s/.exec(printed[0])?.[1];
    expect(password).toBeDefined();
    expect(printed[0]).toMatch(/change it after logging in/i);
    expect(users[0].hash).not.toContain(password);

    const id = identityServices(db);
    expect(await id.users.authenticatePassword('admin', password!, '127.0.0.1')).toMatchObject({ ok: true, user: { username: 'admin', isAdmin: true } });

    // Later boots find users and do nothing, print nothing.
    expect(await ensureInitialAdmin(db, {}, print)).toEqual({ created: false, passwordGenerated: false });
    expect(printed).toHaveLength(1);
  });

  it('uses BERTH_ADMIN_PASSWORD when set, and prints nothing', async () => {
    const printed: string[] = [];
    expect(await ensureInitialAdmin(db, { adminPassword: 'configured-secret' }, (t) => printed.push(t))).toEqual({ created: true, passwordGenerated: false });
    expect(printed).toEqual([]);
    const [admin] = await admins();
    expect(admin.hash).toMatch(/^\$argon2id\$/);
    expect(admin.hash).not.toContain('configured-secret');
    const id = identityServices(db);
    expect(await id.users.authenticatePassword('admin', 'configured-secret', '127.0.0.1')).toMatchObject({ ok: true });
  });

  it('creates nothing when any user exists, even one not called admin', async () => {
    await identityServices(db).users.create({ username: 'someone', password: 'someone-password' });
    const printed: string[] = [];
    expect(await ensureInitialAdmin(db, {}, (t) => printed.push(t))).toEqual({ created: false, passwordGenerated: false });
    expect(printed).toEqual([]);
    expect((await admins()).map((u) => u.username)).toEqual(['someone']);
  });

  it('boxes the password so it stands out among log lines', () => {
    const box = initialPasswordBox('Abc123');
    const lines = box.trim().split('\n');
    expect(lines[0]).toMatch(/^\+-+\+$/);
    expect(lines.at(-1)).toBe(lines[0]);
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(box).toContain('initial admin password: Abc123');
  });
});
