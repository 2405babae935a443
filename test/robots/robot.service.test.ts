import { DataSource } from 'typeorm';
import { DomainError } from '../../apps/api/src/common/domain-error';
import { PasswordHasher } from '../../apps/api/src/identity/password-hasher';
import { RobotRepository } from '../../apps/api/src/robots/robot.repository';
import { RobotService } from '../../apps/api/src/robots/robot.service';
import { startTestBerth, TestBerth } from '../support/test-berth';

describe('robot accounts', () => {
  let berth: TestBerth;
  let db: DataSource;
  let robots: RobotService;
  let project: { id: string; name: string };

  beforeAll(async () => {
    berth = await startTestBerth();
    db = berth.running.dataSource;
    robots = new RobotService(new RobotRepository(db), new PasswordHasher());
    const rows = await db.query(`INSERT INTO project (name) VALUES ('team-a') RETURNING id::text AS id, name`);
    project = rows[0];
  });
  afterAll(async () => {
    await berth.close();
  });

  it('shows the secret once, stores only its argon2id hash, and logs in with it', async () => {
    const { robot, secret } = await robots.create({ project, name: 'ci', permissions: ['pull', 'push'], createdBy: null });
    expect(robot.name).toBe('robot$team-a+ci');
    expect(robot).not.toHaveProperty('secret');
    const [stored] = await db.query(`SELECT secret_hash FROM robot WHERE id = $1`, [robot.id]);
    expect(stored.secret_hash).toMatch(/^\$argon2id\$/);
    expect(stored.secret_hash).not.toContain(secret);
    expect(JSON.stringify(await robots.list(project.id))).not.toContain(secret);
    const principal = await robots.authenticate('robot$team-a+ci', secret);
    expect(principal).toEqual({ kind: 'robot', id: robot.id, name: 'robot$team-a+ci', projectId: project.id, permissions: ['pull', 'push'] });
  });

  it('refuses a wrong secret, an unknown robot, a disabled one and an expired one', async () => {
    const { robot, secret } = await robots.create({ project, name: 'gate', permissions: ['pull'], createdBy: null });
    expect(await robots.authenticate('robot$team-a+gate', `${secret}x`)).toBe('wrong_secret');
    expect(await robots.authenticate('robot$team-a+nobody', secret)).toBe('unknown');
    await robots.update(robot.id, { disabled: true });
    expect(await robots.authenticate('robot$team-a+gate', secret)).toBe('disabled');
    await robots.update(robot.id, { disabled: false });
    await db.query(`UPDATE robot SET expires_at = now() - interval '1 minute' WHERE id = $1`, [robot.id]);
    expect(await robots.authenticate('robot$team-a+gate', secret)).toBe('expired');
  });

  it('rotation replaces the secret at once', async () => {
    const { robot, secret } = await robots.create({ project, name: 'rotating', permissions: ['pull'], createdBy: null });
    const fresh = await robots.rotate(robot.id);
    expect(fresh).not.toBe(secret);
    expect(await robots.authenticate(robot.name, secret)).toBe('wrong_secret');
    expect(await robots.authenticate(robot.name, fresh)).toMatchObject({ kind: 'robot' });
  });

  it('names system robots without a project and validates names, permissions and expiry', async () => {
    const { robot } = await robots.create({ project: null, name: 'mirror', permissions: ['pull'], createdBy: null });
    expect(robot.name).toBe('robot$mirror');
    expect((await robots.list(null)).map((r) => r.name)).toEqual(['robot$mirror']);
    await expect(robots.create({ project, name: 'Bad Name', permissions: ['pull'], createdBy: null })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(robots.create({ project, name: 'x', permissions: [], createdBy: null })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(robots.create({ project, name: 'x', permissions: ['manage_members' as never], createdBy: null })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(robots.create({ project, name: 'x', permissions: ['pull'], expiresAt: new Date(Date.now() - 1000), createdBy: null })).rejects.toBeInstanceOf(DomainError);
    await expect(robots.create({ project, name: 'ci', permissions: ['pull'], createdBy: null })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('deletes robots, and says NOT_FOUND for unknown ones', async () => {
    const { robot, secret } = await robots.create({ project, name: 'temp', permissions: ['pull'], createdBy: null });
    await robots.delete(robot.id);
    expect(await robots.authenticate(robot.name, secret)).toBe('unknown');
    await expect(robots.delete(robot.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(robots.rotate('999999')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
