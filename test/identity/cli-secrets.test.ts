import { DataSource } from 'typeorm';
import { MAX_CLI_SECRETS_PER_USER } from '../../apps/api/src/identity/cli-secret.service';
import { User } from '../../apps/api/src/identity/user.repository';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { domainError, identityServices, IdentityServices } from './identity-services';

describe('CLI secrets', () => {
  let berth: TestBerth;
  let db: DataSource;
  let id: IdentityServices;
  let owner: User;
  let other: User;
  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    id = identityServices(db);
    owner = await id.users.create({ username: 'owner', password: 'owner-password' });
    other = await id.users.create({ username: 'other', password: 'other-password' });
  });
  afterAll(async () => {
    await berth.close();
  });

  const storedRow = async (prefix: string) =>
    (await db.query('SELECT secret_hash, last_used_at FROM cli_secret WHERE prefix = $1', [prefix]))[0] as { secret_hash: string; last_used_at: Date | null };

  it('shows the token once, at creation, and stores only its argon2id hash', async () => {
    const { secret, token } = await id.cliSecrets.create(owner.id, ' laptop ');
    expect(token).toMatch(/^berth_[0-9A-Za-z]{8}_[0-9A-Za-z_-]{43}$/);
    expect(secret).toEqual({ id: expect.stringMatching(/^\d+$/), name: 'laptop', prefix: token.slice(6, 14), createdAt: expect.any(Date), lastUsedAt: null });
    const row = await storedRow(secret.prefix);
    expect(row.secret_hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(row.secret_hash).not.toBe(token);
    expect(row.secret_hash).not.toContain(token.slice(15));
    const listed = await id.cliSecrets.list(owner.id);
    expect(listed).toEqual([secret]);
    expect(JSON.stringify(listed)).not.toContain(token.slice(15));
    expect(JSON.stringify(listed)).not.toContain('argon2');
  });

  it('authenticates its owner and stamps last use at most once a minute', async () => {
    const { secret, token } = await id.cliSecrets.create(owner.id, 'ci');
    const first = await id.cliSecrets.authenticate(token);
    expect(first).toEqual({ ok: true, user: owner, secret: { ...secret, lastUsedAt: expect.any(Date) } });
    const stamped = (await storedRow(secret.prefix)).last_used_at;
    expect(stamped).toBeInstanceOf(Date);
    expect(first.ok && first.secret.lastUsedAt).toEqual(stamped);
    // Within the minute: no write.
    await db.query(`UPDATE cli_secret SET last_used_at = now() - interval '30 seconds' WHERE id = $1`, [secret.id]);
    const halfMinuteAgo = (await storedRow(secret.prefix)).last_used_at;
    expect(await id.cliSecrets.authenticate(token)).toMatchObject({ ok: true });
    expect((await storedRow(secret.prefix)).last_used_at).toEqual(halfMinuteAgo);
    // After it: written again.
    await db.query(`UPDATE cli_secret SET last_used_at = now() - interval '61 seconds' WHERE id = $1`, [secret.id]);
    const minuteAgo = (await storedRow(secret.prefix)).last_used_at!;
    expect(await id.cliSecrets.authenticate(token)).toMatchObject({ ok: true });
    expect((await storedRow(secret.prefix)).last_used_at!.getTime()).toBeGreaterThan(minuteAgo.getTime() + 60_000);
  });

  it('refuses a tampered, unknown or malformed token', async () => {
    const { token } = await id.cliSecrets.create(owner.id, 'tamper');
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(await id.cliSecrets.authenticate(token.slice(0, -1) + last)).toEqual({ ok: false, reason: 'wrong_secret' });
    const otherPrefix = token.slice(0, 6) + (token[6] === 'a' ? 'b' : 'a') + token.slice(7);
    expect(await id.cliSecrets.authenticate(otherPrefix)).toEqual({ ok: false, reason: 'unknown_secret' });
    expect(await id.cliSecrets.authenticate(token + 'x')).toEqual({ ok: false, reason: 'malformed' });
    expect(await id.cliSecrets.authenticate('owner-password')).toEqual({ ok: false, reason: 'malformed' });
    expect(await id.cliSecrets.authenticate('')).toEqual({ ok: false, reason: 'malformed' });
    expect(await id.cliSecrets.authenticate(token)).toMatchObject({ ok: true });
  });

  it('stops working once revoked; only its owner can revoke it', async () => {
    const { secret, token } = await id.cliSecrets.create(owner.id, 'to-revoke');
    await domainError(id.cliSecrets.revoke(other.id, secret.id), 'NOT_FOUND');
    expect(await id.cliSecrets.authenticate(token)).toMatchObject({ ok: true });
    await id.cliSecrets.revoke(owner.id, secret.id);
    expect(await id.cliSecrets.authenticate(token)).toEqual({ ok: false, reason: 'unknown_secret' });
    expect((await id.cliSecrets.list(owner.id)).map((s) => s.name)).not.toContain('to-revoke');
    await domainError(id.cliSecrets.revoke(owner.id, secret.id), 'NOT_FOUND');
    await domainError(id.cliSecrets.revoke(owner.id, 'nope'), 'NOT_FOUND');
  });

  it('refuses the secret of a disabled owner, and accepts it again when re-enabled', async () => {
    const dora = await id.users.create({ username: 'dora', password: 'dora-password' });
    const { token } = await id.cliSecrets.create(dora.id, 'laptop');
    await id.users.update(dora.id, { disabled: true });
    expect(await id.cliSecrets.authenticate(token)).toEqual({ ok: false, reason: 'disabled' });
    await id.users.update(dora.id, { disabled: false });
    expect(await id.cliSecrets.authenticate(token)).toMatchObject({ ok: true, user: { username: 'dora' } });
  });

  it('dies with its owner', async () => {
    const gone = await id.users.create({ username: 'gone', password: 'gone-password' });
    const { token } = await id.cliSecrets.create(gone.id, 'laptop');
    await id.users.delete(gone.id);
    expect(await id.cliSecrets.authenticate(token)).toEqual({ ok: false, reason: 'unknown_secret' });
  });

  it('names are unique per user, checked, and the count per user is capped', async () => {
    const err = await domainError(id.cliSecrets.create(owner.id, 'laptop'), 'CONFLICT');
    expect(err.details).toEqual({ field: 'name' });
    await id.cliSecrets.create(other.id, 'laptop');
    await domainError(id.cliSecrets.create(owner.id, '   '), 'INVALID');
    await domainError(id.cliSecrets.create(owner.id, 'x'.repeat(65)), 'INVALID');
    await domainError(id.cliSecrets.create(owner.id, 'line\nbreak'), 'INVALID');
    await domainError(id.cliSecrets.create('999999999', 'laptop'), 'NOT_FOUND');
    await domainError(id.cliSecrets.create('garbage', 'laptop'), 'NOT_FOUND');

    const quota = await id.users.create({ username: 'quota', password: 'quota-password' });
    for (let i = 0; i < MAX_CLI_SECRETS_PER_USER; i++) await id.cliSecrets.create(quota.id, `secret-${i}`);
    await domainError(id.cliSecrets.create(quota.id, 'one-too-many'), 'QUOTA');
    expect(await id.cliSecrets.list(quota.id)).toHaveLength(MAX_CLI_SECRETS_PER_USER);
  });
});
