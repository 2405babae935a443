import { ImmutabilityService } from '../../apps/api/src/policies/immutability.service';
import { ImmutableRuleRepository } from '../../apps/api/src/policies/immutable-rule.repository';
import { addMember, createUser } from '../support/access';
import { JsonSchema, validate } from '../support/json-schema';
import { MT, ociIndex, PushedImage, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ConsoleClient } from './console-client';

/** Tag immutability rules through /api/v1/projects/:name/immutable-rules, and the console deletes they refuse. */
describe('tag immutability', () => {
  let berth: TestBerth;
  let registry: RegistryClient;
  let admin: ConsoleClient;
  let maintainer: ConsoleClient;
  let developer: ConsoleClient;
  let guest: ConsoleClient;
  let outsider: ConsoleClient;
  let anonymous: ConsoleClient;

  const rules = '/projects/imm/immutable-rules';

  beforeAll(async () => {
    berth = await startTestBerth();
    registry = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    expect((await admin.post('/projects', { name: 'imm' })).status).toBe(201);
    expect((await admin.post('/projects', { name: 'free' })).status).toBe(201);
    for (const [username, role] of [
      ['mia', 'maintainer'],
      ['dev', 'developer'],
      ['gus', 'guest'],
    ] as const) {
      await createUser(berth, username, `${username}-password`);
      await addMember(berth, 'imm', username, role);
    }
    await createUser(berth, 'oscar', 'oscar-password');
    maintainer = await ConsoleClient.session(berth, 'mia', 'mia-password');
    developer = await ConsoleClient.session(berth, 'dev', 'dev-password');
    guest = await ConsoleClient.session(berth, 'gus', 'gus-password');
    outsider = await ConsoleClient.session(berth, 'oscar', 'oscar-password');
    anonymous = ConsoleClient.anonymous(berth);
  });

  afterAll(async () => {
    await berth?.close();
  });

  /** Deletes every rule of project imm, so each test starts from none. */
  async function clearRules(): Promise<void> {
    await berth.running.dataSource.query(`DELETE FROM immutable_rule WHERE project_id = (SELECT id FROM project WHERE name = 'imm')`);
  }

  describe('rules', () => {
    beforeEach(clearRules);

    it('creates with defaults, lists (paged), replaces and deletes a rule, recording each change', async () => {
      const created = await maintainer.post(rules, { tags: { include: ['v*.*.*'] } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^[0-9]+$/),
        repositories: { include: ['**'], exclude: [] },
        tags: { include: ['v*.*.*'], exclude: [] },
        disabled: false,
        description: `rule ${created.body.id}: repositories "**", tags "v*.*.*"`,
        createdBy: 'mia',
        createdAt: expect.any(String),
      });

      const listed = await guest.get(rules);
      expect(listed.status).toBe(200);
      expect(listed.headers.get('x-total-count')).toBe('1');
      expect(listed.headers.get('link')).toContain('rel="first"');
      expect(listed.body).toEqual({ items: [created.body], total: 1, page: 1, pageSize: expect.any(Number) });

      const replaced = await maintainer.put(`${rules}/${created.body.id}`, {
        repositories: { include: ['app/**'], exclude: ['app/tmp'] },
        tags: { include: ['release-*'], exclude: ['release-rc*'] },
        disabled: true,
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({
        id: created.body.id,
        repositories: { include: ['app/**'], exclude: ['app/tmp'] },
        tags: { include: ['release-*'], exclude: ['release-rc*'] },
        disabled: true,
        description: `rule ${created.body.id}: repositories "app/**" except "app/tmp", tags "release-*" except "release-rc*"`,
      });

      expect((await maintainer.delete(`${rules}/${created.body.id}`)).status).toBe(204);
      expect((await maintainer.delete(`${rules}/${created.body.id}`)).status).toBe(404);
      expect((await maintainer.put(`${rules}/${created.body.id}`, { tags: { include: ['x'] } })).status).toBe(404);
      expect((await guest.get(rules)).body.items).toEqual([]);

      const audit = await admin.get('/projects/imm/audit?page_size=100');
      const actions = audit.body.items.filter((e: { action: string }) => e.action.startsWith('immutable_rule.')).map((e: { action: string; actor: string; resource: string }) => [e.action, e.actor, e.resource]);
      expect(actions).toEqual([
        ['immutable_rule.delete', 'mia', `immutability rule ${created.body.id} of project imm`],
        ['immutable_rule.update', 'mia', `immutability rule ${created.body.id} of project imm`],
        ['immutable_rule.create', 'mia', `immutability rule ${created.body.id} of project imm`],
      ]);
    });

    it('answers as the OpenAPI document says', async () => {
      const document: any = await (await fetch(`${berth.url}/api/v1/openapi.json`)).json();
      const check = (res: { status: number; body: unknown }, route: string, status: number) => {
        const [method, template] = route.split(' ');
        expect({ route, status: res.status }).toEqual({ route, status });
        const schema: JsonSchema = document.paths[`/api/v1${template}`][method.toLowerCase()].responses[String(status)].content['application/json'].schema;
        expect({ route, issues: validate(schema, res.body, document) }).toEqual({ route, issues: [] });
      };
      const created = await maintainer.post(rules, { tags: { include: ['v*'] } });
      check(created, 'POST /projects/{name}/immutable-rules', 201);
      check(await maintainer.put(`${rules}/${created.body.id}`, { tags: { include: ['w*'] }, disabled: true }), 'PUT /projects/{name}/immutable-rules/{id}', 200);
      check(await guest.get(rules), 'GET /projects/{name}/immutable-rules', 200);
    });

    it('refuses invalid bodies with 400 naming the field', async () => {
      const cases: [unknown, string][] = [
        [{}, 'tags'],
        [{ tags: { include: [] } }, 'tags.include'],
        [{ tags: { include: [''] } }, 'tags.include.0'],
        [{ tags: { include: ['a\u0007b'] } }, 'tags.include.0'],
        [{ tags: { include: ['x'.repeat(256)] } }, 'tags.include.0'],
        [{ tags: { include: ['v*'] }, repositories: { include: [] } }, 'repositories.include'],
        [{ tags: { include: ['v*'], other: true } }, 'tags'],
        [{ tags: { include: ['v*'] }, disabled: 'yes' }, 'disabled'],
        [{ tags: { include: ['v*'] }, extra: 1 }, ''],
      ];
      for (const [body, path] of cases) {
        const res = await maintainer.post(rules, body);
        expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'INVALID' });
        expect({ body, paths: res.body.details.issues.map((i: { path: string }) => i.path) }).toEqual({ body, paths: expect.arrayContaining([path]) });
      }
      expect((await guest.get(rules)).body.total).toBe(0);
    });

    it('refuses patterns outside the glob grammar with the reason, on create and on replace', async () => {
      for (const pattern of ['+(*)b', '@(v1|v2)', '!v1', 'v{1..3}', 'v1:2']) {
        const res = await maintainer.post(rules, { tags: { include: [pattern] } });
        expect({ pattern, status: res.status }).toEqual({ pattern, status: 400 });
        expect(res.body.details.issues).toEqual([{ path: 'tags.include.0', message: expect.stringMatching(/^(has|starts with) /) }]);
      }
      const created = await maintainer.post(rules, { tags: { include: ['v*'] }, repositories: { include: ['{app,tools}/**'] } });
      expect(created.status).toBe(201);
      const replaced = await maintainer.put(`${rules}/${created.body.id}`, { tags: { include: ['v*'] }, repositories: { include: ['+(app)'] } });
      expect(replaced.status).toBe(400);
      expect(replaced.body.details.issues).toEqual([{ path: 'repositories.include.0', message: expect.stringContaining('has "+" at character 1') }]);
      expect((await guest.get(rules)).body.items.map((r: { repositories: { include: string[] } }) => r.repositories.include)).toEqual([['{app,tools}/**']]);
    });

    it('reads a stored rule outside the grammar as protecting every tag it could, at once, and says why', async () => {
      // A 28-character tag: deleting it took 4.7 s of blocked event loop with picomatch on `+(*)b`.
      const tag = `${'a'.repeat(27)}c`;
      await registry.pushImage('imm/glob', { tag });
      await registry.pushImage('imm/glob', { tag: 'latest' });
      const [stored] = await berth.running.dataSource.query(
        `INSERT INTO immutable_rule (project_id, repositories, tags) SELECT id, '{"include":["glob"],"exclude":[]}', '{"include":["+(*)b"],"exclude":[]}' FROM project WHERE name = 'imm' RETURNING id`,
      );
      const listed = await guest.get(rules);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((r: { tags: { include: string[] } }) => r.tags.include)).toEqual([['+(*)b']]);
      const refused = await admin.delete(`/projects/imm/repositories/glob/-/tags/${tag}`);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toBe(
        `tag ${tag} is immutable (rule ${stored.id}: repositories "glob", tags "+(*)b"; a pattern is not a supported glob, so its list matches every name until the rule is edited)`,
      );
      // Editing it into the grammar makes it precise again.
      expect((await maintainer.put(`${rules}/${stored.id}`, { repositories: { include: ['glob'] }, tags: { include: ['*b'] } })).status).toBe(200);
      expect((await admin.delete(`/projects/imm/repositories/glob/-/tags/${tag}`)).status).toBe(204);
      await clearRules();
      expect((await admin.delete('/projects/imm/repositories/glob')).status).toBe(204);
    });

    it('allows at most 15 rules per project, and no two alike', async () => {
      for (let i = 0; i < 15; i++) expect((await maintainer.post(rules, { tags: { include: [`t${i}-*`] } })).status).toBe(201);
      const sixteenth = await maintainer.post(rules, { tags: { include: ['t15-*'] } });
      expect(sixteenth.status).toBe(409);
      expect(sixteenth.body).toMatchObject({ code: 'PRECONDITION', details: { limit: 15 } });
      const page = await guest.get(`${rules}?page=2&page_size=10`);
      expect([page.body.total, page.body.items.length]).toEqual([15, 5]);

      await clearRules();
      const first = await maintainer.post(rules, { tags: { include: ['a', 'b'] } });
      const twin = await maintainer.post(rules, { repositories: { include: ['**'] }, tags: { include: ['b', 'a'], exclude: [] } });
      expect(twin.status).toBe(409);
      expect(twin.body).toMatchObject({ code: 'CONFLICT', details: { rule: first.body.id } });
      // Replacing a rule with itself is not a twin.
      expect((await maintainer.put(`${rules}/${first.body.id}`, { tags: { include: ['a', 'b'] }, disabled: true })).status).toBe(200);
    });

    it('lets pull read and manage_policies write; hides a private project from outsiders', async () => {
      const body = { tags: { include: ['v*'] } };
      expect((await developer.post(rules, body)).status).toBe(403);
      expect((await guest.post(rules, body)).status).toBe(403);
      expect((await outsider.post(rules, body)).status).toBe(404);
      expect((await anonymous.post(rules, body)).status).toBe(401);
      const created = await admin.post(rules, body);
      expect(created.status).toBe(201);
      expect((await developer.put(`${rules}/${created.body.id}`, body)).status).toBe(403);
      expect((await developer.delete(`${rules}/${created.body.id}`)).status).toBe(403);
      expect((await outsider.delete(`${rules}/${created.body.id}`)).status).toBe(404);

      expect((await developer.get(rules)).status).toBe(200);
      expect((await guest.get(rules)).status).toBe(200);
      expect((await outsider.get(rules)).status).toBe(404);
      expect((await anonymous.get(rules)).status).toBe(401);
      expect((await maintainer.get('/projects/nope/immutable-rules')).status).toBe(404);
      // A rule is reached only through its own project.
      expect((await admin.delete(`/projects/free/immutable-rules/${created.body.id}`)).status).toBe(404);
      expect((await admin.delete(`${rules}/not-a-number`)).status).toBe(404);
    });
  });

  describe('console deletes', () => {
    let release: PushedImage;
    let scratch: PushedImage;
    let rule: { id: string };
    const base = '/projects/imm/repositories/app/-';

    beforeAll(async () => {
      await clearRules();
      release = await registry.pushImage('imm/app', { tag: 'v1.0.0' });
      await registry.pushManifest('imm/app', 'stable', release.body, MT.ociManifest);
      scratch = await registry.pushImage('imm/app', { tag: 'scratch' });
      await registry.pushImage('imm/other', { tag: 'latest' });
      // An index whose (untagged) child carries nothing protected, but the index itself is tagged v2.0.0.
      const child = await registry.pushImage('imm/multi');
      await registry.pushManifest('imm/multi', 'v2.0.0', ociIndex([child.descriptor]), MT.ociIndex);
      rule = (await maintainer.post(rules, { tags: { include: ['v*.*.*'] } })).body;
    });

    const message = (tag: string) => `tag ${tag} is immutable (rule ${rule.id}: repositories "**", tags "v*.*.*")`;

    it('marks immutable tags in the tag list, so the console can keep them out of a deletion', async () => {
      const tags = await developer.get(`${base}/tags?sort=name`);
      expect(tags.status).toBe(200);
      const marks = Object.fromEntries(tags.body.items.map((t: { name: string; immutable: boolean }) => [t.name, t.immutable]));
      expect(marks).toEqual({ scratch: false, stable: false, 'v1.0.0': true });
      // The artifact page says the same of each of its tags.
      const detail = await developer.get(`${base}/artifacts/${release.digest}`);
      expect(detail.body.tagDetails.map((t: { name: string; immutable: boolean }) => [t.name, t.immutable]).sort()).toEqual([
        ['stable', false],
        ['v1.0.0', true],
      ]);
      // A disabled rule protects nothing.
      await maintainer.put(`${rules}/${rule.id}`, { tags: { include: ['v*.*.*'] }, disabled: true });
      try {
        expect((await developer.get(`${base}/tags`)).body.items.every((t: { immutable: boolean }) => !t.immutable)).toBe(true);
      } finally {
        await maintainer.put(`${rules}/${rule.id}`, { tags: { include: ['v*.*.*'] }, disabled: false });
      }
    });

    it('refuses to delete an immutable tag, naming the tag and the rule; other tags go', async () => {
      const res = await admin.delete(`${base}/tags/v1.0.0`);
      expect(res.status).toBe(409);
      // `reason` is what the console translates; tag and rule fill in the sentence.
      expect(res.body).toMatchObject({ code: 'PRECONDITION', message: message('v1.0.0'), details: { reason: 'TAG_IMMUTABLE', tag: 'v1.0.0', rule: rule.id } });
      expect((await admin.delete(`${base}/tags/scratch`)).status).toBe(204);
      // Still 404 for a tag that does not exist, even one a rule would match.
      expect((await admin.delete(`${base}/tags/v9.9.9`)).status).toBe(404);
      const tags = await admin.get(`${base}/tags`);
      expect(tags.body.items.map((t: { name: string }) => t.name).sort()).toEqual(['stable', 'v1.0.0']);
    });

    it('refuses to delete an artifact carrying an immutable tag, and an index tagged with one', async () => {
      const res = await admin.delete(`${base}/artifacts/${release.digest}`);
      expect(res.status).toBe(409);
      expect(res.body.message).toBe(`artifact ${release.digest} cannot be deleted: ${message('v1.0.0')}`);
      expect((await admin.get(`${base}/artifacts/${release.digest}`)).body.tags.sort()).toEqual(['stable', 'v1.0.0']);

      const index = await admin.get('/projects/imm/repositories/multi/-/artifacts/v2.0.0');
      const refused = await admin.delete(`/projects/imm/repositories/multi/-/artifacts/${index.body.digest}`);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toContain(message('v2.0.0'));
      // Everything the refused delete would have taken is still there.
      expect((await admin.get(`/projects/imm/repositories/multi/-/artifacts?all=true`)).body.total).toBe(2);

      // The untagged scratch image goes.
      expect((await admin.delete(`${base}/artifacts/${scratch.digest}`)).status).toBe(200);
    });

    it('refuses to delete a repository holding an immutable tag; others go', async () => {
      const res = await admin.delete('/projects/imm/repositories/app');
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'PRECONDITION', message: `repository imm/app cannot be deleted: ${message('v1.0.0')}` });
      expect((await admin.get('/projects/imm/repositories/app')).status).toBe(200);
      expect((await admin.delete('/projects/imm/repositories/other')).status).toBe(204);
    });

    it('allows retagging onto a new name (even one a rule protects), never onto an existing one', async () => {
      const added = await developer.post(`${base}/artifacts/v1.0.0/tags`, { name: 'v1.0.1' });
      expect(added.status).toBe(201);
      expect(added.body).toEqual({ created: true, tag: 'v1.0.1', digest: release.digest });
      expect((await admin.delete(`${base}/tags/v1.0.1`)).body.message).toBe(message('v1.0.1'));
      const other = await registry.pushImage('imm/app', { tag: 'other' });
      const overwrite = await developer.post(`${base}/artifacts/${other.digest}/tags`, { name: 'v1.0.0' });
      expect(overwrite.status).toBe(409);
      expect(overwrite.body.code).toBe('CONFLICT');
    });

    it('answers the registry-facing questions: one tag, the first of several, a repository, a project', async () => {
      const db = berth.running.dataSource;
      const service = new ImmutabilityService(db, new ImmutableRuleRepository(db));
      expect((await service.rules('imm')).map((r) => r.id)).toEqual([rule.id]);
      expect(await service.protecting('imm/app', 'stable')).toBeUndefined();
      expect(await service.protecting('imm/app', 'v3.0.0')).toMatchObject({ tag: 'v3.0.0', rule: { id: rule.id }, description: `rule ${rule.id}: repositories "**", tags "v*.*.*"` });
      expect((await service.firstProtected('imm/app', ['stable', 'v1.0.0', 'v1.0.1']))?.tag).toBe('v1.0.0');
      expect((await service.protectedTagsInRepository('imm/app')).map((p) => p.tag)).toEqual(['v1.0.0', 'v1.0.1']);
      expect((await service.protectedTagsInProject('imm')).map((p) => `${p.repository}:${p.tag}`)).toEqual(['imm/app:v1.0.0', 'imm/app:v1.0.1', 'imm/multi:v2.0.0']);
      expect(await service.protectedTagsInProject('free')).toEqual([]);
    });

    it('stops protecting at once when the rule is disabled', async () => {
      expect((await maintainer.put(`${rules}/${rule.id}`, { tags: { include: ['v*.*.*'] }, disabled: true })).status).toBe(200);
      expect((await admin.delete(`${base}/tags/v1.0.1`)).status).toBe(204);
      expect((await admin.delete('/projects/imm/repositories/multi')).status).toBe(204);
      expect((await maintainer.put(`${rules}/${rule.id}`, { tags: { include: ['v*.*.*'] } })).status).toBe(200);
      expect((await admin.delete(`${base}/tags/v1.0.0`)).status).toBe(409);
    });
  });
});
