import { DataSource } from 'typeorm';
import { JobScheduleRepository } from '../../apps/api/src/jobs/job-schedule.repository';
import { JobScheduler, JobTargetGone } from '../../apps/api/src/jobs/job-scheduler';
import { addMember, createUser } from '../support/access';
import { JsonSchema, validate } from '../support/json-schema';
import { eventually, MT, ociIndex, PushedImage, PushedManifest, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

/** Tag retention through /api/v1/projects/:name/retention: the policy, its schedule, dry and real runs after real pushes. */
describe('tag retention', () => {
  let berth: TestBerth;
  let registry: RegistryClient;
  let admin: ConsoleClient;
  let maintainer: ConsoleClient;
  let developer: ConsoleClient;
  let guest: ConsoleClient;
  let outsider: ConsoleClient;
  let anonymous: ConsoleClient;

  // keep/app: v1 (immutable) v2 v3 v4, release-1, dev-1 and an untagged image, pushed in that order.
  // keep/multi: an index v9 (two untagged children), images v10 and v11, an index v12 (two untagged children).
  const app: Record<string, PushedImage> = {};
  const multi: Record<string, PushedManifest> = {};

  /** Keep the 2 latest pushed `v*`, and every `release-*`; everything else in the project goes. */
  const POLICY = [
    { tags: { include: ['v*'] }, action: { kind: 'latest_pushed', count: 2 } },
    { repositories: { include: ['**'], exclude: [] }, tags: { include: ['release-*'] }, action: { kind: 'always' } },
  ];

  beforeAll(async () => {
    // The scheduler polls every 100 ms here (30 s by default).
    process.env.BERTH_SCHEDULER_INTERVAL_MS = '100';
    // No grace window: what was pushed a moment ago is judged by the rules alone (see the grace test below).
    berth = await startTestBerth({ BERTH_GC_GRACE_SECONDS: '0' });
    registry = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    for (const project of ['keep', 'sched', 'empty']) expect((await admin.post('/projects', { name: project })).status).toBe(201);
    for (const [username, role] of [
      ['mia', 'maintainer'],
      ['dev', 'developer'],
      ['gus', 'guest'],
    ] as const) {
      await createUser(berth, username, `${username}-password`);
      await addMember(berth, 'keep', username, role);
    }
    await createUser(berth, 'oscar', 'oscar-password');
    maintainer = await ConsoleClient.session(berth, 'mia', 'mia-password');
    developer = await ConsoleClient.session(berth, 'dev', 'dev-password');
    guest = await ConsoleClient.session(berth, 'gus', 'gus-password');
    outsider = await ConsoleClient.session(berth, 'oscar', 'oscar-password');
    anonymous = ConsoleClient.anonymous(berth);

    for (const tag of ['v1', 'v2', 'v3', 'v4', 'release-1', 'dev-1']) app[tag] = await registry.pushImage('keep/app', { tag });
    app.untagged = await registry.pushImage('keep/app');

    const index = async (tag: string, children: string[]) => {
      for (const child of children) multi[child] = await registry.pushImage('keep/multi', { platform: { os: 'linux', architecture: child } });
      multi[tag] = await registry.pushManifest('keep/multi', tag, ociIndex(children.map((c) => multi[c].descriptor)), MT.ociIndex);
    };
    await index('v9', ['386', 'arm']);
    multi.v10 = await registry.pushImage('keep/multi', { tag: 'v10' });
    multi.v11 = await registry.pushImage('keep/multi', { tag: 'v11' });
    await index('v12', ['amd64', 'arm64']);

    expect((await maintainer.post('/projects/keep/immutable-rules', { tags: { include: ['v1'] } })).status).toBe(201);
  });

  afterAll(async () => {
    await berth?.close();
    delete process.env.BERTH_SCHEDULER_INTERVAL_MS;
  });

  /** Polls the run until it is no longer running. */
  async function finished(project: string, id: string): Promise<any> {
    return eventually(async () => {
      const res = await admin.get(`/projects/${project}/retention/runs/${id}`);
      expect(res.status).toBe(200);
      expect(res.body.status).not.toBe('running');
      return res.body;
    }, 15_000);
  }

  const tagsOf = async (repository: string): Promise<string[]> =>
    (await admin.get(`/projects/keep/repositories/${repository}/-/tags?page_size=100`)).body.items.map((t: { name: string }) => t.name).sort();
  const registryTagsOf = async (repository: string): Promise<string[]> => ((await registry.request('GET', `/v2/keep/${repository}/tags/list`)).json().tags ?? []).sort();
  const digests = (...manifests: PushedManifest[]) => manifests.map((m) => m.digest).sort();

  /** What the policy above deletes, by repository. */
  function expectDoomed(run: any): void {
    expect(run.repositories.map((r: { repository: string }) => r.repository)).toEqual(['keep/app', 'keep/multi']);
    const [inApp, inMulti] = run.repositories;
    expect(inApp.artifacts.map((a: { digest: string }) => a.digest).sort()).toEqual(digests(app.v2, app['dev-1'], app.untagged));
    expect(inMulti.artifacts.map((a: { digest: string }) => a.digest).sort()).toEqual(digests(multi.v9, multi['386'], multi.arm, multi.v10));
    expect(inApp.artifacts.find((a: { digest: string }) => a.digest === app.v2.digest)).toEqual({ digest: app.v2.digest, tags: ['v2'], pushedAt: expect.any(String), pulledAt: null });
    expect(inApp.bytesFreed).toBeGreaterThan(0);
    expect(inMulti.bytesFreed).toBeGreaterThan(0);
    // No grace window here: nothing is spared for being recent.
    expect([inApp.spared, inMulti.spared]).toEqual([[], []]);
    expect(run).toMatchObject({ status: 'succeeded', artifactsDeleted: 7, tagsDeleted: 4, bytesFreed: inApp.bytesFreed + inMulti.bytesFreed, errors: [] });
  }

  describe('the policy', () => {
    it('is empty until saved', async () => {
      const res = await guest.get('/projects/keep/retention');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ rules: [], schedule: null, nextRunAt: null, updatedAt: null, updatedBy: null });
    });

    it('is saved with defaults filled in, and a schedule with its next run', async () => {
      const res = await maintainer.put('/projects/keep/retention', { rules: POLICY, schedule: '0 3 * * *' });
      expect(res.status).toBe(200);
      const now = new Date();
      let next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 3);
      if (next <= now.getTime()) next += 86_400_000;
      expect(res.body).toEqual({
        rules: [
          { repositories: { include: ['**'], exclude: [] }, tags: { include: ['v*'], exclude: [], untagged: false }, action: { kind: 'latest_pushed', count: 2 }, disabled: false },
          { repositories: { include: ['**'], exclude: [] }, tags: { include: ['release-*'], exclude: [], untagged: false }, action: { kind: 'always' }, disabled: false },
        ],
        schedule: '0 3 * * *',
        nextRunAt: new Date(next).toISOString(),
        updatedAt: expect.any(String),
        updatedBy: 'mia',
      });
      expect((await guest.get('/projects/keep/retention')).body).toEqual(res.body);
      const [schedule] = await berth.running.dataSource.query(`SELECT cron, updated_by FROM job_schedule WHERE key = (SELECT 'retention:' || id FROM project WHERE name = 'keep')`);
      expect(schedule).toEqual({ cron: '0 3 * * *', updated_by: 'mia' });

      const cleared = await maintainer.put('/projects/keep/retention', { rules: POLICY, schedule: null });
      expect(cleared.body).toMatchObject({ schedule: null, nextRunAt: null });
      expect(await berth.running.dataSource.query(`SELECT key FROM job_schedule WHERE key LIKE 'retention:%'`)).toEqual([]);
    });

    it('refuses invalid policies with 400 naming the field, and keeps the saved one', async () => {
      const rule = POLICY[0];
      const cases: [unknown, string][] = [
        [{ rules: POLICY, schedule: '61 * * * *' }, 'schedule'],
        [{ rules: POLICY, schedule: 'every day' }, 'schedule'],
        [{ rules: POLICY, schedule: '0 0 31 2 *' }, 'schedule'],
        [{ rules: POLICY, schedule: '*/5 * * * * *' }, 'schedule'],
        [{ rules: POLICY }, 'schedule'],
        [{ rules: Array.from({ length: 51 }, () => rule), schedule: null }, 'rules'],
        [{ rules: [{ ...rule, action: { kind: 'latest_pushed', count: 0 } }], schedule: null }, 'rules.0.action.count'],
        [{ rules: [{ ...rule, action: { kind: 'forever' } }], schedule: null }, 'rules.0.action.kind'],
        [{ rules: [{ ...rule, action: { kind: 'pushed_within_days', days: 1.5 } }], schedule: null }, 'rules.0.action.days'],
        [{ rules: [{ ...rule, tags: { include: [] } }], schedule: null }, 'rules.0.tags.include'],
        [{ rules: [{ ...rule, tags: undefined }], schedule: null }, 'rules.0.tags'],
        [{ rules: [{ ...rule, colour: 'red' }], schedule: null }, 'rules.0'],
        // Outside the glob grammar: an extglob a backtracking matcher takes seconds on, and picomatch-only syntax.
        [{ rules: [{ ...rule, tags: { include: ['+(*)b'] } }], schedule: null }, 'rules.0.tags.include.0'],
        [{ rules: [{ ...rule, repositories: { include: ['**'], exclude: ['!(app)'] } }], schedule: null }, 'rules.0.repositories.exclude.0'],
        [{ rules: [{ ...rule, tags: { include: ['v{1..3}'] } }], schedule: null }, 'rules.0.tags.include.0'],
      ];
      for (const [body, path] of cases) {
        const res = await maintainer.put('/projects/keep/retention', body);
        expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'INVALID' });
        expect({ body, paths: res.body.details.issues.map((i: { path: string }) => i.path) }).toEqual({ body, paths: expect.arrayContaining([path]) });
      }
      const invalidCron = await maintainer.put('/projects/keep/retention', { rules: POLICY, schedule: '61 * * * *' });
      expect(invalidCron.body.details.issues).toEqual([{ path: 'schedule', message: expect.stringMatching(/^invalid cron expression: .*minute/) }]);
      expect((await guest.get('/projects/keep/retention')).body.rules).toHaveLength(2);
    });

    it('lets pull read and manage_policies change it; hides a private project from outsiders', async () => {
      const body = { rules: POLICY, schedule: null };
      expect((await developer.put('/projects/keep/retention', body)).status).toBe(403);
      expect((await guest.put('/projects/keep/retention', body)).status).toBe(403);
      expect((await outsider.put('/projects/keep/retention', body)).status).toBe(404);
      expect((await anonymous.put('/projects/keep/retention', body)).status).toBe(401);
      expect((await developer.get('/projects/keep/retention')).status).toBe(200);
      expect((await outsider.get('/projects/keep/retention')).status).toBe(404);
      expect((await anonymous.get('/projects/keep/retention')).status).toBe(401);
      expect((await developer.post('/projects/keep/retention/runs', { dryRun: true })).status).toBe(403);
      expect((await guest.post('/projects/keep/retention/runs', { dryRun: true })).status).toBe(403);
      expect((await outsider.post('/projects/keep/retention/runs', { dryRun: true })).status).toBe(404);
      expect((await outsider.get('/projects/keep/retention/runs')).status).toBe(404);
      expect((await maintainer.post('/projects/keep/retention/runs', {})).status).toBe(400);
    });
  });

  describe('runs', () => {
    let dryRunId: string;

    it('a dry run lists what would go per repository, with the bytes, and deletes nothing', async () => {
      const started = await maintainer.post('/projects/keep/retention/runs', { dryRun: true });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ trigger: 'manual', triggeredBy: 'mia', dryRun: true, status: 'running', finishedAt: null, durationMs: null });
      dryRunId = started.body.id;
      const run = await finished('keep', dryRunId);
      expectDoomed(run);
      expect(await tagsOf('app')).toEqual(['dev-1', 'release-1', 'v1', 'v2', 'v3', 'v4']);
      expect(await tagsOf('multi')).toEqual(['v10', 'v11', 'v12', 'v9']);
      expect((await admin.get(`/projects/keep/repositories/app/-/artifacts/${app.untagged.digest}`)).status).toBe(200);
    });

    it('a real run deletes exactly that: keeps immutable tags, release-*, the latest two and the children of a kept index', async () => {
      const started = await maintainer.post('/projects/keep/retention/runs', { dryRun: false });
      expect(started.status).toBe(202);
      const run = await finished('keep', started.body.id);
      expectDoomed(run);
      expect(run.durationMs).toBeGreaterThanOrEqual(0);

      expect(await tagsOf('app')).toEqual(['release-1', 'v1', 'v3', 'v4']);
      expect(await registryTagsOf('app')).toEqual(['release-1', 'v1', 'v3', 'v4']);
      expect(await tagsOf('multi')).toEqual(['v11', 'v12']);
      expect(await registryTagsOf('multi')).toEqual(['v11', 'v12']);
      for (const gone of [app.untagged, multi['386'], multi.arm, multi.v9]) {
        const repository = gone === app.untagged ? 'app' : 'multi';
        expect((await admin.get(`/projects/keep/repositories/${repository}/-/artifacts/${gone.digest}`)).status).toBe(404);
        expect((await registry.request('GET', `/v2/keep/${repository}/manifests/${gone.digest}`)).status).toBe(404);
      }
      for (const child of [multi.amd64, multi.arm64]) {
        expect((await admin.get(`/projects/keep/repositories/multi/-/artifacts/${child.digest}`)).status).toBe(200);
        expect((await registry.request('GET', `/v2/keep/multi/manifests/${child.digest}`, { headers: { accept: MT.ociManifest } })).status).toBe(200);
      }

      // A second run finds nothing more to delete.
      const again = await finished('keep', (await maintainer.post('/projects/keep/retention/runs', { dryRun: false })).body.id);
      expect(again).toMatchObject({ status: 'succeeded', artifactsDeleted: 0, tagsDeleted: 0, bytesFreed: 0, repositories: [], errors: [] });
    });

    it('keeps the history, newest first, paged, readable with pull; and the audit log has each run', async () => {
      const history = await guest.get('/projects/keep/retention/runs?page_size=2');
      expect(history.status).toBe(200);
      expect(history.headers.get('x-total-count')).toBe('3');
      expect(history.headers.get('link')).toContain('rel="next"');
      expect(history.body.items.map((r: { dryRun: boolean; trigger: string; status: string }) => [r.dryRun, r.trigger, r.status])).toEqual([
        [false, 'manual', 'succeeded'],
        [false, 'manual', 'succeeded'],
      ]);
      const rest = await guest.get('/projects/keep/retention/runs?page=2&page_size=2');
      expect(rest.body.items).toEqual([
        {
          id: dryRunId,
          trigger: 'manual',
          triggeredBy: 'mia',
          dryRun: true,
          status: 'succeeded',
          startedAt: expect.any(String),
          finishedAt: expect.any(String),
          durationMs: expect.any(Number),
          artifactsDeleted: 7,
          tagsDeleted: 4,
          bytesFreed: expect.any(Number),
        },
      ]);
      expect((await guest.get(`/projects/keep/retention/runs/${dryRunId}`)).status).toBe(200);
      expect((await guest.get('/projects/keep/retention/runs/999999')).status).toBe(404);
      expect((await guest.get('/projects/keep/retention/runs/abc')).status).toBe(404);
      expect((await admin.get(`/projects/sched/retention/runs/${dryRunId}`)).status).toBe(404);

      const audit = await admin.get('/projects/keep/audit?action=retention.run');
      expect(audit.body.items.map((e: { actor: string; success: boolean; details: { dryRun: boolean } }) => [e.actor, e.success, e.details.dryRun])).toEqual([
        ['mia', true, false],
        ['mia', true, false],
        ['mia', true, true],
      ]);
      const deletions = await admin.get('/projects/keep/audit?action=retention.delete');
      expect(deletions.body.items.map((e: { resource: string }) => e.resource).sort()).toEqual(['keep/app', 'keep/multi']);
    });

    it('runs one at a time per project, and only with enabled rules', async () => {
      const db = berth.running.dataSource;
      const [running] = await db.query(
        `INSERT INTO retention_run (project_id, trigger, dry_run, status) SELECT id, 'manual', true, 'running' FROM project WHERE name = 'keep' RETURNING id`,
      );
      const busy = await maintainer.post('/projects/keep/retention/runs', { dryRun: true });
      expect(busy.status).toBe(409);
      expect(busy.body.code).toBe('CONFLICT');
      expect(busy.body.details).toEqual({ runId: running.id });
      // One whose process stopped saying it is alive (10 minutes) no longer blocks, and is closed as failed.
      await db.query(`UPDATE retention_run SET heartbeat_at = now() - interval '11 minutes' WHERE id = $1`, [running.id]);
      const next = await maintainer.post('/projects/keep/retention/runs', { dryRun: true });
      expect(next.status).toBe(202);
      await finished('keep', next.body.id);
      expect(await finished('keep', running.id)).toMatchObject({ status: 'failed', errors: ['abandoned: the server running it stopped'] });

      const none = await admin.post('/projects/empty/retention/runs', { dryRun: true });
      expect(none.status).toBe(409);
      expect(none.body.code).toBe('PRECONDITION');
    });

    it('fails a run of a stored policy whose pattern is outside the glob grammar, deleting nothing', async () => {
      // Saved before the grammar was enforced; saving refuses it now, so only the database can hold one.
      expect((await maintainer.put('/projects/keep/retention', { rules: POLICY, schedule: null })).status).toBe(200);
      const db = berth.running.dataSource;
      await db.query(`UPDATE retention_policy SET rules = jsonb_set(rules, '{0,tags,include}', '["+(*)b"]') WHERE project_id = (SELECT id FROM project WHERE name = 'keep')`);
      const before = { app: await tagsOf('app'), multi: await tagsOf('multi') };
      const shown = await guest.get('/projects/keep/retention');
      expect(shown.status).toBe(200);
      expect(shown.body.rules[0].tags.include).toEqual(['+(*)b']);
      const started = await maintainer.post('/projects/keep/retention/runs', { dryRun: false });
      expect(started.status).toBe(202);
      const run = await finished('keep', started.body.id);
      expect(run).toMatchObject({ status: 'failed', artifactsDeleted: 0, tagsDeleted: 0 });
      expect(run.errors).toEqual([expect.stringMatching(/^the policy cannot be used: rule 1: tags\.include\[0\] has "\+" at character 1/)]);
      expect({ app: await tagsOf('app'), multi: await tagsOf('multi') }).toEqual(before);
      expect((await maintainer.put('/projects/keep/retention', { rules: POLICY, schedule: null })).status).toBe(200);
    });

    it('answers as the OpenAPI document says', async () => {
      const document: any = await (await fetch(`${berth.url}/api/v1/openapi.json`)).json();
      const check = (res: { status: number; body: unknown }, route: string, status: number) => {
        const [method, template] = route.split(' ');
        expect({ route, status: res.status }).toEqual({ route, status });
        const schema: JsonSchema = document.paths[`/api/v1${template}`][method.toLowerCase()].responses[String(status)].content['application/json'].schema;
        expect({ route, issues: validate(schema, res.body, document) }).toEqual({ route, issues: [] });
      };
      check(await guest.get('/projects/keep/retention'), 'GET /projects/{name}/retention', 200);
      check(await maintainer.put('/projects/keep/retention', { rules: POLICY, schedule: '@daily' }), 'PUT /projects/{name}/retention', 200);
      const started = await maintainer.post('/projects/keep/retention/runs', { dryRun: true });
      check(started, 'POST /projects/{name}/retention/runs', 202);
      await finished('keep', started.body.id);
      check(await guest.get('/projects/keep/retention/runs'), 'GET /projects/{name}/retention/runs', 200);
      // A run that deleted something (its repositories listed), and one that did not.
      const runs = (await guest.get('/projects/keep/retention/runs?page_size=100')).body.items;
      for (const run of runs) check(await guest.get(`/projects/keep/retention/runs/${run.id}`), 'GET /projects/{name}/retention/runs/{id}', 200);
      check(await maintainer.put('/projects/keep/retention', { rules: POLICY, schedule: null }), 'PUT /projects/{name}/retention', 200);
    });
  });

  describe('the schedule', () => {
    it('runs a due retention on the scheduler (trigger schedule), and moves its next run on', async () => {
      const a = await registry.pushImage('sched/app', { tag: 'a' });
      const b = await registry.pushImage('sched/app', { tag: 'b' });
      const saved = await admin.put('/projects/sched/retention', { rules: [{ tags: { include: ['**'] }, action: { kind: 'latest_pushed', count: 1 } }], schedule: '0 3 * * *' });
      expect(saved.status).toBe(200);
      const db = berth.running.dataSource;
      const [project] = await db.query(`SELECT id::text AS id FROM project WHERE name = 'sched'`);
      await db.query(`UPDATE job_schedule SET next_run_at = now() - interval '1 second' WHERE key = $1`, [`retention:${project.id}`]);

      const run = await eventually(async () => {
        const runs = await admin.get('/projects/sched/retention/runs');
        expect(runs.body.items).toHaveLength(1);
        return finished('sched', runs.body.items[0].id);
      }, 15_000);
      expect(run).toMatchObject({ trigger: 'schedule', triggeredBy: null, dryRun: false, status: 'succeeded', artifactsDeleted: 1, tagsDeleted: 1 });
      expect(run.repositories).toEqual([{ repository: 'sched/app', bytesFreed: expect.any(Number), artifacts: [expect.objectContaining({ digest: a.digest, tags: ['a'] })], spared: [] }]);
      expect((await admin.get(`/projects/sched/repositories/app/-/artifacts/${b.digest}`)).status).toBe(200);
      expect(new Date((await admin.get('/projects/sched/retention')).body.nextRunAt).getTime()).toBeGreaterThan(Date.now());
      const audit = await admin.get('/projects/sched/audit?action=retention.run');
      expect(audit.body.items.map((e: { actor: string; actorKind: string }) => [e.actor, e.actorKind])).toEqual([['scheduler', 'system']]);
    });

    it('drops the schedule of a project that is gone', async () => {
      const db = berth.running.dataSource;
      await db.query(`INSERT INTO job_schedule (key, cron, next_run_at) VALUES ('retention:987654321', '0 3 * * *', now() - interval '1 second')`);
      await eventually(async () => expect(await db.query(`SELECT key FROM job_schedule WHERE key = 'retention:987654321'`)).toEqual([]), 10_000);
    });
  });
});

/** The scheduler itself, on a Berth whose own scheduler stays quiet: claims across replicas, handler errors, gone targets. */
describe('the job scheduler', () => {
  let berth: TestBerth;
  let db: DataSource;

  beforeAll(async () => {
    process.env.BERTH_SCHEDULER_INTERVAL_MS = '3600000';
    berth = await startTestBerth();
    db = berth.running.dataSource;
  });
  afterAll(async () => {
    await berth?.close();
    delete process.env.BERTH_SCHEDULER_INTERVAL_MS;
  });

  const replica = () => new JobScheduler(db, new JobScheduleRepository(db), { intervalMs: 3_600_000, batch: 100 });

  it('stores schedules, validates cron expressions and removes them', async () => {
    const scheduler = replica();
    const set = await scheduler.set('test:one', '*/5 * * * *', { a: 1 }, 'admin');
    expect(set.nextRunAt.getTime()).toBeGreaterThan(Date.now());
    expect(set.nextRunAt.getUTCMinutes() % 5).toBe(0);
    expect(await scheduler.get('test:one')).toEqual({ cron: '*/5 * * * *', nextRunAt: set.nextRunAt, options: { a: 1 } });
    await expect(scheduler.set('test:one', 'nonsense')).rejects.toMatchObject({ code: 'INVALID', details: { field: 'schedule' } });
    expect((await scheduler.get('test:one'))?.cron).toBe('*/5 * * * *');
    expect(await scheduler.remove('test:one')).toBe(true);
    expect(await scheduler.remove('test:one')).toBe(false);
    expect(await scheduler.get('test:one')).toBeUndefined();
  });

  it('runs each due job once across replicas polling at the same moment, and moves it to its next time', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `test:claim-${i}`);
    for (const key of keys) await db.query(`INSERT INTO job_schedule (key, cron, next_run_at) VALUES ($1, '0 3 * * *', now() - interval '1 minute')`, [key]);
    const ran: string[] = [];
    const replicas = [replica(), replica(), replica()];
    for (const r of replicas) r.register('test:', async (key) => void ran.push(key));
    const claimed = await Promise.all(replicas.map((r) => r.runDue()));
    await Promise.all(replicas.map((r) => r.idle()));
    expect(claimed.flat().sort()).toEqual([...keys].sort());
    expect(ran.sort()).toEqual([...keys].sort());
    expect((await Promise.all(replicas.map((r) => r.runDue()))).flat()).toEqual([]);
    const [{ due }] = await db.query(`SELECT count(*)::int AS due FROM job_schedule WHERE key LIKE 'test:claim-%' AND next_run_at <= now()`);
    expect(due).toBe(0);
    await db.query(`DELETE FROM job_schedule WHERE key LIKE 'test:claim-%'`);
  });

  it('survives a failing handler, removes a job whose target is gone, and leaves keys without a handler alone', async () => {
    const scheduler = replica();
    const calls: string[] = [];
    scheduler.register('test:', async (key) => {
      calls.push(key);
      if (key === 'test:fails') throw new Error('boom');
      if (key === 'test:gone') throw new JobTargetGone('no such thing');
    });
    expect(() => scheduler.register('test:', async () => undefined)).toThrow(/registered already/);
    for (const key of ['test:fails', 'test:gone', 'other:key']) {
      await db.query(`INSERT INTO job_schedule (key, cron, next_run_at) VALUES ($1, '0 3 * * *', now() - interval '1 minute')`, [key]);
    }
    expect((await scheduler.runDue()).sort()).toEqual(['test:fails', 'test:gone']);
    await scheduler.idle();
    expect(calls.sort()).toEqual(['test:fails', 'test:gone']);
    const left = await db.query(`SELECT key, next_run_at > now() AS later FROM job_schedule WHERE key IN ('test:fails', 'test:gone', 'other:key') ORDER BY key`);
    expect(left).toEqual([
      { key: 'other:key', later: true },
      { key: 'test:fails', later: true },
    ]);
  });
});

describe('retention and in-flight pushes', () => {
  let berth: TestBerth;
  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_GC_GRACE_SECONDS: '3600' });
  });
  afterAll(async () => {
    await berth?.close();
  });

  it('never deletes what was pushed within the grace window: a multi-platform push sends its children untagged first', async () => {
    const registry = new RegistryClient(berth.url);
    const admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/projects', { name: 'busy' })).status).toBe(201);
    const v: PushedImage[] = [];
    for (const tag of ['v1', 'v2', 'v3']) v.push(await registry.pushImage('busy/app', { tag }));
    // A child of an index whose PUT has not arrived yet.
    const child = await registry.pushImage('busy/app', { platform: { os: 'linux', architecture: 'arm64' } });
    const saved = await admin.put('/projects/busy/retention', { rules: [{ tags: { include: ['v*'] }, action: { kind: 'latest_pushed', count: 1 } }], schedule: null });
    expect(saved.status).toBe(200);
    const started = await admin.post('/projects/busy/retention/runs', { dryRun: false });
    expect(started.status).toBe(202);
    const run = await eventually(async () => {
      const res = await admin.get(`/projects/busy/retention/runs/${started.body.id}`);
      expect(res.body.status).not.toBe('running');
      return res.body;
    });
    expect(run.status).toBe('succeeded');
    expect(run.artifactsDeleted).toBe(0);
    // The run says why nothing went: the rules would delete v1, v2 and the child, the grace window spares them.
    expect(run.repositories).toEqual([{ repository: 'busy/app', bytesFreed: 0, artifacts: [], spared: expect.any(Array) }]);
    const spared = run.repositories[0].spared;
    expect(spared.map((a: { digest: string; tags: string[] }) => [a.digest, a.tags])).toEqual([
      [v[0].digest, ['v1']],
      [v[1].digest, ['v2']],
      [child.digest, []],
    ]);
    expect(spared[0]).toEqual({ digest: v[0].digest, tags: ['v1'], pushedAt: expect.any(String), pulledAt: null });
    const tags = JSON.parse((await registry.request('GET', '/v2/busy/app/tags/list')).body.toString()).tags;
    expect(tags.sort()).toEqual(['v1', 'v2', 'v3']);
    // The index can still be pushed: its child is there.
    const index = await registry.request('PUT', '/v2/busy/app/manifests/multi', {
      body: Buffer.from(JSON.stringify(ociIndex([child.descriptor]))),
      headers: { 'content-type': MT.ociIndex },
    });
    expect(index.status).toBe(201);
    // A run recorded before `spared` was reported reads as sparing nothing.
    await berth.running.dataSource.query(`UPDATE retention_run SET repositories = '[{"repository":"busy/app","bytesFreed":0,"artifacts":[]}]'::jsonb WHERE id = $1`, [started.body.id]);
    expect((await admin.get(`/projects/busy/retention/runs/${started.body.id}`)).body.repositories).toEqual([{ repository: 'busy/app', bytesFreed: 0, artifacts: [], spared: [] }]);
  });

  it('keeps the old children of an index pushed within the grace window: a re-push where one platform did not change', async () => {
    const registry = new RegistryClient(berth.url);
    const admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/projects', { name: 'rebuilt' })).status).toBe(201);
    await registry.pushImage('rebuilt/app', { tag: 'v1' });
    // arm64 was built two hours ago; the re-push sends it again (its push time stays) with a new amd64 and a new index.
    const arm64 = await registry.pushImage('rebuilt/app', { platform: { os: 'linux', architecture: 'arm64' } });
    await berth.running.dataSource.query(`UPDATE manifest SET pushed_at = now() - interval '2 hours' WHERE digest = $1`, [arm64.digest]);
    await registry.pushManifest('rebuilt/app', arm64.digest, arm64.body, arm64.mediaType);
    const amd64 = await registry.pushImage('rebuilt/app', { platform: { os: 'linux', architecture: 'amd64' } });
    const index = await registry.pushManifest('rebuilt/app', 'latest', ociIndex([amd64.descriptor, arm64.descriptor]), MT.ociIndex);
    const saved = await admin.put('/projects/rebuilt/retention', { rules: [{ tags: { include: ['v*'] }, action: { kind: 'latest_pushed', count: 1 } }], schedule: null });
    expect(saved.status).toBe(200);
    const started = await admin.post('/projects/rebuilt/retention/runs', { dryRun: false });
    expect(started.status).toBe(202);
    const run = await eventually(async () => {
      const res = await admin.get(`/projects/rebuilt/retention/runs/${started.body.id}`);
      expect(res.body.status).not.toBe('running');
      return res.body;
    });
    expect(run).toMatchObject({ status: 'succeeded', artifactsDeleted: 0, errors: [] });
    // Spared: the recent index, its new child, and its old child (kept only because the index is recent).
    expect(run.repositories[0].spared.map((a: { digest: string }) => a.digest).sort()).toEqual([index.digest, amd64.digest, arm64.digest].sort());
    for (const manifest of [index, amd64, arm64]) {
      const res = await registry.request('GET', `/v2/rebuilt/app/manifests/${manifest.digest}`, { headers: { accept: `${MT.ociManifest}, ${MT.ociIndex}` } });
      expect([manifest.digest, res.status]).toEqual([manifest.digest, 200]);
    }
  });
});
