/**
 * Robot accounts on the archive routes (@RobotsAllowed()): import with push, export with pull, as their
 * permissions allow and as outsiders where they do not; revoked ones refused at once; every other console
 * route still refusing robots (403); and the `berth` CLI (bin/berth.js, built into dist/) with a robot's
 * credentials. Archives come from scripts/make-archive-fixtures.mjs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { basicAuth, createProject, createRobot, robotName, setRobotDisabled } from '../support/access';
import { eventually } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { download, memberJson, tarMembers } from './export-fixtures';
import { Answer, api, berthCli, importArchive, requireBuiltCli, settled, upload } from './import-client';

const REFUSED = 'robot accounts are for docker login only, not for the console API';

interface Robot {
  name: string;
  secret: string;
  auth: string;
}

interface FixtureImage {
  config: string;
}

describe('robot accounts on archive import and export', () => {
  let berth: TestBerth;
  let work: string;
  let facts: Record<string, FixtureImage[]>;
  /** robot$robo+ci: pull and push in robo. */
  let pusher: Robot;
  /** robot$robo+reader: pull in robo. */
  let reader: Robot;
  /** robot$else+ci: pull and push, but in project else. */
  let stranger: Robot;
  /** robot$mirror: a system robot, pull and push everywhere. */
  let mirror: Robot;
  /** robot$peek: a system robot with pull only. */
  let peek: Robot;
  let unnamedTar: Buffer;

  const file = (name: string) => path.join(work, name);
  const robot = async (project: string | null, name: string, permissions: ('pull' | 'push' | 'delete')[], expiresAt?: Date): Promise<Robot> => {
    const secret = await createRobot(berth, project, name, permissions, expiresAt);
    const full = robotName(project, name);
    return { name: full, secret, auth: basicAuth(full, secret) };
  };
  const archiveUrl = (project: string, repository: string, reference: string) => `${berth.url}/api/v1/projects/${project}/repositories/${repository}/-/artifacts/${reference}/archive`;

  const tagsOf = async (project: string, repository: string): Promise<string[]> => {
    const res = await api(berth, 'GET', `/projects/${project}/repositories/${repository}/-/tags?sort=name`);
    return res.status === 404 ? [] : res.body.items.map((t: { name: string }) => t.name);
  };
  const auditOf = async (project: string, action: string): Promise<{ actor: string; actorKind: string; action: string; resource: string; success: boolean; details: Record<string, unknown> }[]> => {
    const res = await api(berth, 'GET', `/projects/${project}/audit?action=${action}&page_size=100`);
    expect(res.status).toBe(200);
    return res.body.items;
  };
  /** The config digest of the one image of a docker archive on disk. */
  const configOf = async (archive: string): Promise<string> => {
    const manifest = memberJson<{ Config: string }[]>(await tarMembers(archive), 'manifest.json');
    expect(manifest).toHaveLength(1);
    return `sha256:${path.basename(manifest[0].Config).replace(/\.json$/, '')}`;
  };
  /** Imports unnamed.tar into project/repository:tag as the admin (something to export). */
  const seed = async (project: string, repository: string, tag: string) => {
    const job = await importArchive(berth, project, unnamedTar, { query: { repository, tag } });
    expect(job.status).toBe('succeeded');
  };
  let downloads = 0;

  /** The `berth` CLI with `who`'s credentials. */
  const cliAs = (args: string[], who: { name: string; secret: string }) => berthCli(berth, args, { BERTH_USERNAME: who.name, BERTH_PASSWORD: who.secret });

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-robots-'));
    execFileSync(process.execPath, [path.join(__dirname, '../../scripts/make-archive-fixtures.mjs'), work]);
    facts = JSON.parse(await fs.readFile(file('fixtures.json'), 'utf8'));
    unnamedTar = await fs.readFile(file('unnamed.tar'));
    berth = await startTestBerth();
    await createProject(berth, 'robo');
    await createProject(berth, 'else');
    await createProject(berth, 'open', { public: true });
    pusher = await robot('robo', 'ci', ['pull', 'push']);
    reader = await robot('robo', 'reader', ['pull']);
    stranger = await robot('else', 'ci', ['pull', 'push']);
    mirror = await robot(null, 'mirror', ['pull', 'push']);
    peek = await robot(null, 'peek', ['pull']);
    await seed('robo', 'base', '1.0');
    await seed('open', 'base', '1.0');
  });

  afterAll(async () => {
    await berth?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('a project robot with push imports an archive: the job is the robot\'s, the tag exists, the audit names the robot', async () => {
    const res = await upload(berth, 'robo', unnamedTar, { authorization: pusher.auth, query: { repository: 'app', tag: '1.0' } });
    expect([res.status, res.body.createdBy, res.body.project]).toEqual([202, 'robot$robo+ci', 'robo']);
    const job = await settled(berth, 'robo', res.body.id, pusher.auth);
    expect([job.status, job.error ?? null]).toEqual(['succeeded', null]);
    expect(job.result.tags.map((t: { repository: string; tag: string }) => `${t.repository}:${t.tag}`)).toEqual(['robo/app:1.0']);
    expect(await tagsOf('robo', 'app')).toEqual(['1.0']);

    const list = await api(berth, 'GET', '/projects/robo/imports', undefined, pusher.auth);
    expect(list.status).toBe(200);
    expect(list.body.items.find((j: { id: string }) => j.id === job.id)).toMatchObject({ createdBy: 'robot$robo+ci', status: 'succeeded' });

    const recorded = (await auditOf('robo', 'archive.import')).filter((e) => e.details.import === job.id);
    expect(recorded).toEqual([
      expect.objectContaining({ actor: 'robot$robo+ci', actorKind: 'robot', action: 'archive.import', resource: 'project robo', success: true, details: expect.objectContaining({ tags: ['robo/app:1.0'] }) }),
    ]);
  });

  it('a project robot with push names an import awaiting names, which then completes', async () => {
    const res = await upload(berth, 'robo', unnamedTar, { authorization: pusher.auth });
    expect([res.status, res.body.status]).toEqual([202, 'awaiting_names']);
    const named = await api(berth, 'POST', `/projects/robo/imports/${res.body.id}/names`, { images: [{ index: 0, repository: 'named', tag: 'v1' }] }, pusher.auth);
    expect([named.status, named.body.id]).toEqual([202, res.body.id]);
    const job = await settled(berth, 'robo', res.body.id, pusher.auth);
    expect([job.status, job.createdBy]).toEqual(['succeeded', 'robot$robo+ci']);
    expect(await tagsOf('robo', 'named')).toEqual(['v1']);
  });

  it('a robot with only pull: 403 on every import route, and it exports a private project\'s image by each export route', async () => {
    const denied = 'robot robot$robo+reader may not push in project robo';
    const refused = await upload(berth, 'robo', unnamedTar, { authorization: reader.auth, query: { repository: 'nope', tag: '1' } });
    expect([refused.status, refused.body.code, refused.body.message]).toEqual([403, 'FORBIDDEN', denied]);
    const jobs = (await api(berth, 'GET', '/projects/robo/imports')).body.items as { id: string }[];
    for (const [method, route, body] of [
      ['GET', '/projects/robo/imports', undefined],
      ['GET', `/projects/robo/imports/${jobs[0].id}`, undefined],
      ['POST', `/projects/robo/imports/${jobs[0].id}/names`, { images: [{ index: 0, repository: 'a', tag: 'b' }] }],
    ] as const) {
      const res = await api(berth, method, route, body, reader.auth);
      expect({ route, status: res.status, message: res.body.message }).toEqual({ route, status: 403, message: denied });
    }
    expect(await tagsOf('robo', 'nope')).toEqual([]);

    const expected = facts['unnamed.tar'][0].config;
    const single = await download(archiveUrl('robo', 'base', '1.0'), file('single.tar'), { headers: { Authorization: reader.auth } });
    expect([single.status, single.text]).toEqual([200, undefined]);
    expect(await configOf(file('single.tar'))).toBe(expected);
    const link = await download(`${berth.url}/api/v1/exports?ref=robo/base:1.0`, file('link.tar'), { headers: { Authorization: reader.auth } });
    expect([link.status, link.text]).toEqual([200, undefined]);
    expect(await configOf(file('link.tar'))).toBe(expected);
    const posted = await download(`${berth.url}/api/v1/exports`, file('posted.tar'), {
      method: 'POST',
      headers: { Authorization: reader.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ references: ['robo/base:1.0'] }),
    });
    expect([posted.status, posted.text]).toEqual([200, undefined]);
    expect(await configOf(file('posted.tar'))).toBe(expected);

    const exportsOf = async () => (await auditOf('robo', 'artifact.export')).filter((e) => e.actor === 'robot$robo+reader');
    // Export events are written once the archive has ended, which may be just after the client read its last byte.
    const exports = await eventually(async () => {
      const events = await exportsOf();
      expect(events.length).toBeGreaterThanOrEqual(3);
      return events;
    });
    expect(exports.length).toBe(3);
    for (const event of exports) expect(event).toMatchObject({ actorKind: 'robot', resource: 'robo/base:1.0', success: true });
  });

  it('a robot of another project is an outsider: 404 on the private project for import and export; it may export a public one but not import into it', async () => {
    const notFound = 'project "robo" not found';
    const imported = await upload(berth, 'robo', unnamedTar, { authorization: stranger.auth, query: { repository: 'x', tag: '1' } });
    expect([imported.status, imported.body.code, imported.body.message]).toEqual([404, 'NOT_FOUND', notFound]);
    const listed = await api(berth, 'GET', '/projects/robo/imports', undefined, stranger.auth);
    expect([listed.status, listed.body.message]).toEqual([404, notFound]);

    const single = await download(archiveUrl('robo', 'base', '1.0'), file('stranger.tar'), { headers: { Authorization: stranger.auth } });
    expect([single.status, JSON.parse(single.text!).message]).toEqual([404, notFound]);
    const posted = await download(`${berth.url}/api/v1/exports`, file('stranger-post.tar'), {
      method: 'POST',
      headers: { Authorization: stranger.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ references: ['robo/base:1.0'] }),
    });
    expect([posted.status, JSON.parse(posted.text!).message]).toEqual([404, notFound]);

    const pub = await download(archiveUrl('open', 'base', '1.0'), file('public.tar'), { headers: { Authorization: stranger.auth } });
    expect(pub.status).toBe(200);
    expect(await configOf(file('public.tar'))).toBe(facts['unnamed.tar'][0].config);
    const intoPublic = await upload(berth, 'open', unnamedTar, { authorization: stranger.auth, query: { repository: 'x', tag: '1' } });
    expect([intoPublic.status, intoPublic.body.message]).toEqual([403, 'robot robot$else+ci may not push in project open']);
  });

  it('a system robot (no project) with push imports into any project and exports from it; one with only pull may not import', async () => {
    for (const project of ['robo', 'else']) {
      const res = await upload(berth, project, unnamedTar, { authorization: mirror.auth, query: { repository: 'mirrored', tag: '2.0' } });
      expect([project, res.status, res.body.createdBy]).toEqual([project, 202, 'robot$mirror']);
      expect((await settled(berth, project, res.body.id, mirror.auth)).status).toBe('succeeded');
      expect(await tagsOf(project, 'mirrored')).toEqual(['2.0']);
    }
    const recorded = (await auditOf('else', 'archive.import')).filter((e) => e.actor === 'robot$mirror');
    expect(recorded).toEqual([expect.objectContaining({ actorKind: 'robot', success: true, details: expect.objectContaining({ tags: ['else/mirrored:2.0'] }) })]);

    const exported = await download(archiveUrl('else', 'mirrored', '2.0'), file('system.tar'), { headers: { Authorization: peek.auth } });
    expect(exported.status).toBe(200);
    expect(await configOf(file('system.tar'))).toBe(facts['unnamed.tar'][0].config);
    const refused = await upload(berth, 'else', unnamedTar, { authorization: peek.auth, query: { repository: 'x', tag: '1' } });
    expect([refused.status, refused.body.message]).toEqual([403, 'robot robot$peek may not push in project else']);
  });

  it('disabled, expired, rotated-away and unknown robots get 401 at once, and the failed login is audited as the robot', async () => {
    const temp = await robot('robo', 'temp', ['pull', 'push']);
    const expired = await robot('robo', 'expired', ['pull', 'push'], new Date(Date.now() - 60_000));
    const works = await api(berth, 'GET', '/projects/robo/imports', undefined, temp.auth);
    expect(works.status).toBe(200);
    const exportAs = (who: Robot) => download(archiveUrl('robo', 'base', '1.0'), file(`revoked-${++downloads}.tar`), { headers: { Authorization: who.auth } });
    expect((await exportAs(temp)).status).toBe(200);

    // No cache between the two requests: the very next one fails.
    await setRobotDisabled(berth, temp.name, true);
    const [{ id }] = await berth.running.dataSource.query('SELECT id::text AS id FROM robot WHERE name = $1', [pusher.name]);
    const rotated = await api(berth, 'POST', `/projects/robo/robots/${id}/rotate`);
    expect(rotated.status).toBe(200);
    const unknown: Robot = { name: 'robot$robo+ghost', secret: 'x', auth: basicAuth('robot$robo+ghost', 'x') };
    const wrong: Robot = { ...reader, auth: basicAuth(reader.name, `${reader.secret}x`) };
    for (const who of [temp, expired, pusher, unknown, wrong]) {
      const imported = await upload(berth, 'robo', unnamedTar, { authorization: who.auth, query: { repository: 'revoked', tag: '1' } });
      expect({ who: who.name, status: imported.status, code: imported.body.code, message: imported.body.message }).toEqual({
        who: who.name,
        status: 401,
        code: 'UNAUTHORIZED',
        message: 'invalid username or password',
      });
      const listed = await api(berth, 'GET', '/projects/robo/imports', undefined, who.auth);
      expect({ who: who.name, status: listed.status }).toEqual({ who: who.name, status: 401 });
      const exported = await exportAs(who);
      expect({ who: who.name, status: exported.status }).toEqual({ who: who.name, status: 401 });
    }
    expect(await tagsOf('robo', 'revoked')).toEqual([]);
    pusher = { ...pusher, secret: rotated.body.secret, auth: basicAuth(pusher.name, rotated.body.secret) };
    expect((await api(berth, 'GET', '/projects/robo/imports', undefined, pusher.auth)).status).toBe(200);

    const failures = (await api(berth, 'GET', `/audit?action=login&actor=${encodeURIComponent(temp.name)}&page_size=100`)).body.items;
    // Repeated failures are one row per minute with a count.
    expect(failures.reduce((n: number, e: { details: { count: number } }) => n + e.details.count, 0)).toBeGreaterThanOrEqual(3);
    for (const event of failures) expect(event).toMatchObject({ actor: 'robot$robo+temp', actorKind: 'robot', resource: 'console api', success: false, details: { reason: 'robot: disabled' } });
    const expiredFailures = (await api(berth, 'GET', `/audit?action=login&actor=${encodeURIComponent(expired.name)}&page_size=100`)).body.items;
    expect(expiredFailures[0]).toMatchObject({ actorKind: 'robot', details: { reason: 'robot: expired' } });
  });

  it('robots are still refused (403) on every other console route, public ones included, whatever their secret', async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', '/me'],
      ['GET', '/projects'],
      ['GET', '/projects/robo'],
      ['POST', '/projects', { name: 'robot-made' }],
      ['GET', '/projects/robo/repositories'],
      // The artifact itself is a public route next to its archive; only the archive takes robots.
      ['GET', '/projects/robo/repositories/base/-/artifacts/1.0'],
      ['GET', '/projects/robo/repositories/base/-/tags'],
      ['GET', '/projects/robo/robots'],
      ['GET', '/projects/robo/audit'],
      ['GET', '/users'],
      ['GET', '/search?q=base'],
    ];
    for (const who of [reader, mirror, { ...reader, auth: basicAuth(reader.name, 'not-the-secret') }]) {
      for (const [method, route, body] of routes) {
        const res: Answer = await api(berth, method, route, body, who.auth);
        expect({ route, status: res.status, code: res.body.code, message: res.body.message }).toEqual({ route, status: 403, code: 'FORBIDDEN', message: REFUSED });
      }
    }
    expect((await api(berth, 'GET', '/projects/robot-made')).status).toBe(404);
  });

  describe('the berth CLI', () => {
    beforeAll(() => {
      requireBuiltCli();
    });

    it('imports with a push robot and exports with a pull robot; a pull robot\'s import and an outsider\'s export fail as they should', async () => {
      const imported = await cliAs(['import', file('unnamed.tar'), '--project', 'robo', '--repository', 'cli', '--tag', '3.0'], pusher);
      expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('succeeded') });
      expect(imported.stdout).toMatch(/^robo\/cli:3\.0 sha256:[0-9a-f]{64}\n$/);
      expect(await tagsOf('robo', 'cli')).toEqual(['3.0']);
      const job = (await api(berth, 'GET', '/projects/robo/imports')).body.items[0];
      expect(job).toMatchObject({ createdBy: 'robot$robo+ci', status: 'succeeded' });

      const exported = await cliAs(['export', 'robo/cli:3.0', '-o', file('cli.tar')], reader);
      expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('downloaded') });
      expect(await configOf(file('cli.tar'))).toBe(facts['unnamed.tar'][0].config);

      const pullOnly = await cliAs(['import', file('unnamed.tar'), '--project', 'robo', '--repository', 'cli', '--tag', '4.0'], reader);
      expect({ code: pullOnly.code, stderr: pullOnly.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/not allowed \(robot robot\$robo\+reader may not push in project robo\)/) });
      const wrong = await cliAs(['export', 'robo/cli:3.0', '-o', file('wrong.tar')], { name: reader.name, secret: 'not-the-secret' });
      expect({ code: wrong.code, stderr: wrong.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/refused the credentials/) });
      const outsider = await cliAs(['export', 'robo/cli:3.0', '-o', file('outsider.tar')], stranger);
      expect({ code: outsider.code, stderr: outsider.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/project "robo" not found/) });
      expect(await tagsOf('robo', 'cli')).toEqual(['3.0']);
      for (const name of ['wrong.tar', 'outsider.tar']) expect(existsSync(file(name))).toBe(false);
    }, 60_000);
  });
});
