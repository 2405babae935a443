/**
 * The import API around the archive itself: naming (awaiting_names, POST names, renaming, review),
 * permissions (as a push), quotas and immutability applied as to a push (and a refused import leaving
 * nothing), progress visible while the upload runs, the job list, abandoned jobs, and the OpenAPI
 * document describing what the routes answer. Archives come from scripts/make-archive-fixtures.mjs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImportJobRepository } from '../../apps/api/src/transfer/import-job.repository';
import { addMember, basicAuth, createProject, createUser } from '../support/access';
import { JsonSchema, validate } from '../support/json-schema';
import { eventually } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ADMIN, Answer, api, gate, importArchive, registryCounts, settled, stagingLeft, upload, uploadInParts } from './import-client';

describe('archive import API', () => {
  let berth: TestBerth;
  let fixtures: string;
  let document: { paths: Record<string, Record<string, any>> };
  const fixture = (name: string) => fs.readFile(path.join(fixtures, name));
  const tagsOf = async (repository: string): Promise<string[]> => {
    const [project, ...rest] = repository.split('/');
    const res = await api(berth, 'GET', `/projects/${project}/repositories/${rest.join('/')}/-/tags?sort=name`);
    return res.status === 404 ? [] : res.body.items.map((t: { name: string }) => t.name);
  };
  const stagingOf = (id: string) =>
    fs.stat(path.join(berth.storageDir, 'imports', id)).then(
      () => true,
      () => false,
    );
  /** Fails unless `res` has `status` and a body the OpenAPI document's schema for the route accepts. */
  const documented = (res: Answer, method: string, route: string, status: number) => {
    expect({ route, status: res.status }).toEqual({ route, status });
    const schema = document.paths[`/api/v1${route}`]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema as JsonSchema;
    expect({ route, documented: schema !== undefined }).toEqual({ route, documented: true });
    expect({ route, issues: validate(schema, res.body, document) }).toEqual({ route, issues: [] });
    return res.body;
  };

  beforeAll(async () => {
    fixtures = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-import-api-'));
    execFileSync(process.execPath, [path.join(__dirname, '../../scripts/make-archive-fixtures.mjs'), fixtures]);
    berth = await startTestBerth();
    document = (await (await fetch(`${berth.url}/api/v1/openapi.json`)).json()) as typeof document;
    for (const name of ['names', 'perm', 'quota', 'imm', 'other', 'rename']) await createProject(berth, name);
    for (const [user, role] of [
      ['dana', 'developer'],
      ['gita', 'guest'],
    ] as const) {
      await createUser(berth, user, `${user}-password`);
      await addMember(berth, 'perm', user, role);
    }
    await createUser(berth, 'otto', 'otto-password');
  });

  afterAll(async () => {
    await berth?.close();
    if (fixtures) await fs.rm(fixtures, { recursive: true, force: true });
  });

  describe('naming', () => {
    it('an archive without names waits for them (staging kept), then POST names imports it', async () => {
      const res = await upload(berth, 'names', await fixture('unnamed.tar'));
      const job = documented(res, 'post', '/projects/{name}/imports', 202);
      expect(job).toMatchObject({ status: 'awaiting_names', imagesTotal: 1, imagesDone: 0, format: 'docker-classic' });
      expect(job.images).toEqual([expect.objectContaining({ index: 0, sourceNames: [], targets: [], suggestedTag: null, platforms: ['linux/amd64'] })]);
      expect(await stagingOf(job.id)).toBe(true);
      expect((await api(berth, 'GET', `/projects/names/imports/${job.id}`)).body.status).toBe('awaiting_names');

      const missing = await api(berth, 'POST', `/projects/names/imports/${job.id}/names`, { images: [{ index: 1, repository: 'x', tag: '1' }] });
      expect([missing.status, missing.body.details.issues]).toEqual([400, [{ path: 'images', message: 'images.0: there is no image 1 (the archive has 1)' }]]);
      const foreign = await api(berth, 'POST', `/projects/names/imports/${job.id}/names`, { images: [{ index: 0, repository: 'other/app', tag: '1.0' }] });
      expect([foreign.status, foreign.body.details.issues[0].message]).toEqual([400, 'images.0: repository "other/app" is in project other; this import goes to project names']);
      const badTag = await api(berth, 'POST', `/projects/names/imports/${job.id}/names`, { images: [{ index: 0, repository: 'app', tag: '-x' }] });
      expect([badTag.status, badTag.body.details.issues[0].message]).toEqual([400, 'images.0: invalid tag "-x": must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}']);

      const named = await api(berth, 'POST', `/projects/names/imports/${job.id}/names`, {
        images: [
          { index: 0, repository: 'app', tag: '1.0' },
          { index: 0, repository: 'names/app', tag: 'stable' },
        ],
      });
      expect(documented(named, 'post', '/projects/{name}/imports/{id}/names', 202).status).toMatch(/^(importing|succeeded)$/);
      const done = await settled(berth, 'names', job.id);
      expect(done).toMatchObject({ status: 'succeeded', imagesDone: 1, layersDone: 2 });
      expect(done.images[0].targets).toEqual([
        { repository: 'names/app', tag: '1.0' },
        { repository: 'names/app', tag: 'stable' },
      ]);
      expect(await tagsOf('names/app')).toEqual(['1.0', 'stable']);
      expect(await stagingOf(job.id)).toBe(false);
      const again = await api(berth, 'POST', `/projects/names/imports/${job.id}/names`, { images: [{ index: 0, repository: 'app', tag: '2.0' }] });
      expect([again.status, again.body.message]).toEqual([409, `import ${job.id} is succeeded; names can be given only while it is awaiting_names`]);
    });

    it('`repository` and `tag` name the images the archive leaves unnamed', async () => {
      const job = await importArchive(berth, 'names', await fixture('oci-plain.tar'), { query: { repository: 'plain', tag: 'v2' } });
      expect(job.status).toBe('succeeded');
      expect(job.images[0].targets).toEqual([{ repository: 'names/plain', tag: 'v2' }]);
      expect(await tagsOf('names/plain')).toEqual(['v2']);
    });

    it('`repository` and `tag` given for a one-image archive that names itself win over its name', async () => {
      const job = await importArchive(berth, 'rename', await fixture('hybrid.tar'), { query: { repository: 'chosen', tag: 'v9' } });
      expect(job.status).toBe('succeeded');
      expect(job.images[0].targets).toEqual([{ repository: 'rename/chosen', tag: 'v9' }]);
      expect(await tagsOf('rename/chosen')).toEqual(['v9']);
      expect(await tagsOf('rename/fixture/hybrid')).toEqual([]);
      // A repository alone keeps the archive's tag.
      const keepTag = await importArchive(berth, 'rename', await fixture('hybrid.tar'), { query: { repository: 'chosen-too' } });
      expect(keepTag.images[0].targets).toEqual([{ repository: 'rename/chosen-too', tag: '2.0' }]);
      // only_unnamed=true (the console's suggestion from a repository page) leaves named images their names, and refuses nothing.
      const suggested = await importArchive(berth, 'rename', await fixture('hybrid.tar'), { query: { repository: 'chosen', only_unnamed: 'true' } });
      expect(suggested.images[0].targets).toEqual([{ repository: 'rename/fixture/hybrid', tag: '2.0' }]);
      const several = await importArchive(berth, 'rename', await fixture('classic.tar'), { query: { repository: 'chosen', only_unnamed: 'true' } });
      expect(several.status).toBe('succeeded');
      expect(await tagsOf('rename/fixture/classic')).toEqual(['1.0']);
      expect(await tagsOf('rename/chosen')).toEqual(['v9']);
    });

    it('refuses a `repository` or `tag` that would name no image of an archive naming all its images, instead of ignoring it', async () => {
      const job = await importArchive(berth, 'rename', await fixture('classic.tar'), { query: { repository: 'elsewhere', tag: 'x1' } });
      expect(job.status).toBe('failed');
      expect(job.error).toBe(
        'this archive names each of its 2 images itself, so the repository rename/elsewhere and tag x1 given would name none of them; give `names` ([{"index":0,"repository":"app","tag":"1.0"}], one entry per image to rename) or import with review=true to choose',
      );
      expect(await tagsOf('rename/elsewhere')).toEqual([]);
      expect(await stagingOf(job.id)).toBe(false);
    });

    it('archive names go under the project; `names` renames images up front, and their archive names are not used', async () => {
      const renamed = await importArchive(berth, 'names', await fixture('classic.tar'), {
        query: { names: JSON.stringify([{ index: 1, repository: 'names/tools-renamed', tag: 'r1' }]) },
      });
      expect(renamed.status).toBe('succeeded');
      expect(renamed.images.map((i: { targets: unknown }) => i.targets)).toEqual([[{ repository: 'names/fixture/classic', tag: '1.0' }], [{ repository: 'names/tools-renamed', tag: 'r1' }]]);
      expect(await tagsOf('names/fixture/classic')).toEqual(['1.0']);
      expect(await tagsOf('names/tools-renamed')).toEqual(['r1']);
      expect(await tagsOf('names/fixture/tools')).toEqual([]);
      // names for an image the archive does not have are found once the archive is read: the job fails
      const wrong = await importArchive(berth, 'names', await fixture('unnamed.tar'), { query: { names: JSON.stringify([{ index: 3, repository: 'x', tag: '1' }]) } });
      expect([wrong.status, wrong.error]).toEqual(['failed', 'the names given do not fit this archive: images.0: there is no image 3 (the archive has 1)']);
    });

    it('review=true stops at awaiting_names with the archive names proposed; names given for one image keep the other', async () => {
      const res = await upload(berth, 'names', await fixture('hybrid.tar'), { query: { review: 'true' } });
      expect(res.body).toMatchObject({ status: 'awaiting_names', images: [{ sourceNames: ['fixture/hybrid:2.0'], targets: [{ repository: 'names/fixture/hybrid', tag: '2.0' }] }] });
      await api(berth, 'POST', `/projects/names/imports/${res.body.id}/names`, { images: [{ index: 0, repository: 'hybrid', tag: 'reviewed' }] });
      expect((await settled(berth, 'names', res.body.id)).status).toBe('succeeded');
      expect(await tagsOf('names/hybrid')).toEqual(['reviewed']);
      expect(await tagsOf('names/fixture/hybrid')).toEqual([]);
    });

    it('refuses bad naming parameters before reading the archive', async () => {
      const before = (await api(berth, 'GET', '/projects/names/imports')).body.total;
      const foreign = await upload(berth, 'names', await fixture('unnamed.tar'), { query: { repository: 'other/app' } });
      expect([foreign.status, foreign.body.details.issues[0].message]).toEqual([400, 'repository "other/app" is in project other; this import goes to project names']);
      const json = await upload(berth, 'names', await fixture('unnamed.tar'), { query: { names: '[{' } });
      expect([json.status, json.body.details.issues[0].message]).toEqual([400, 'must be JSON: [{"index":0,"repository":"app","tag":"1.0"}]']);
      const upper = await upload(berth, 'names', await fixture('unnamed.tar'), { query: { repository: 'App' } });
      expect([upper.status, upper.body.details.issues[0].message]).toEqual([400, 'invalid repository name "names/App": path component 2 ("App") must be lowercase']);
      expect((await api(berth, 'GET', '/projects/names/imports')).body.total).toBe(before);
    });
  });

  describe('permissions are those of a push', () => {
    const as = (user: string) => basicAuth(user, `${user}-password`);

    it('a developer imports; a guest is refused (403), an outsider does not see the private project (404), anonymous must log in (401)', async () => {
      const archive = await fixture('classic.tar');
      const developer = await upload(berth, 'perm', archive, { authorization: as('dana') });
      expect(developer.status).toBe(202);
      expect((await settled(berth, 'perm', developer.body.id)).status).toBe('succeeded');
      expect(developer.body.createdBy).toBe('dana');

      const guest = await upload(berth, 'perm', archive, { authorization: as('gita') });
      expect([guest.status, guest.body.code, guest.body.message]).toEqual([403, 'FORBIDDEN', 'user gita may not push in project perm']);
      const outsider = await upload(berth, 'perm', archive, { authorization: as('otto') });
      expect([outsider.status, outsider.body.message]).toEqual([404, 'project "perm" not found']);
      const anonymous = await fetch(`${berth.url}/api/v1/projects/perm/imports`, { method: 'POST', headers: { 'Content-Type': 'application/x-tar' }, body: archive });
      expect(anonymous.status).toBe(401);

      expect((await api(berth, 'GET', '/projects/perm/imports', undefined, as('dana'))).status).toBe(200);
      expect((await api(berth, 'GET', '/projects/perm/imports', undefined, as('gita'))).status).toBe(403);
      expect((await api(berth, 'GET', `/projects/perm/imports/${developer.body.id}`, undefined, as('otto'))).status).toBe(404);
      expect((await api(berth, 'POST', `/projects/perm/imports/${developer.body.id}/names`, { images: [{ index: 0, repository: 'a', tag: 'b' }] }, as('gita'))).status).toBe(403);
      // the refused uploads created no job
      expect((await api(berth, 'GET', '/projects/perm/imports')).body.total).toBe(1);
    });
  });

  describe('registry policies apply, and a refused import leaves nothing visible', () => {
    it('a quota the archive does not fit fails the job with the quota message; the image that fitted is removed again', async () => {
      // The first image (about 800 bytes) fits; the second does not.
      expect((await api(berth, 'PATCH', '/projects/quota', { quotaBytes: 1000 })).status).toBe(200);
      const before = await registryCounts(berth);
      const job = await importArchive(berth, 'quota', await fixture('classic.tar'));
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/^project quota is over its storage quota: this push needs [0-9.]+ [KMG]?i?B more, [0-9.]+ [KMG]?i?B of [0-9.]+ [KMG]?i?B is left$/);
      expect(job.result).toBeNull();
      expect(await registryCounts(berth)).toEqual(before);
      expect(await tagsOf('quota/fixture/classic')).toEqual([]);
      expect(await stagingLeft(berth)).toEqual([]);
      const usage = (await api(berth, 'GET', '/projects/quota')).body.storageBytes;
      expect(usage).toBe(0);
    });

    it('an immutable tag the archive would move fails the job; the manifests it had pushed by digest are removed', async () => {
      const rule = await api(berth, 'POST', '/projects/imm/immutable-rules', { tags: { include: ['1.*'] } });
      expect(rule.status).toBe(201);
      const first = await importArchive(berth, 'imm', await fixture('classic.tar'));
      expect(first.status).toBe('succeeded');
      const tagged = first.images[0].digest;
      const before = await registryCounts(berth);
      const hybrid = await importArchive(berth, 'imm', await fixture('hybrid.tar'), {
        query: { names: JSON.stringify([{ index: 0, repository: 'imm/fixture/classic', tag: '1.0' }]) },
      });
      expect(hybrid.status).toBe('failed');
      expect(hybrid.error).toBe(`cannot overwrite imm/fixture/classic:1.0: tag 1.0 is immutable (rule ${rule.body.id}: repositories "**", tags "1.*")`);
      expect(await registryCounts(berth)).toEqual(before);
      const [row] = await berth.running.dataSource.query(
        `SELECT m.digest FROM tag t JOIN manifest m ON m.id = t.manifest_id JOIN repository r ON r.id = t.repository_id WHERE r.name = 'imm/fixture/classic' AND t.name = '1.0'`,
      );
      expect(row.digest).toBe(tagged);
      const absent = await berth.running.dataSource.query(
        `SELECT 1 FROM manifest m JOIN repository r ON r.id = m.repository_id WHERE r.name = 'imm/fixture/classic' AND m.digest = $1`,
        [hybrid.images[0].digest],
      );
      expect(absent).toEqual([]);
      expect(await stagingLeft(berth)).toEqual([]);
    });
  });

  describe('jobs', () => {
    it('shows bytesRead while the upload runs (read while the client holds back the second half)', async () => {
      const archive = await fixture('classic.tar');
      const half = Math.floor(archive.length / 2);
      const { held, release } = gate();
      const [during, res] = await Promise.all([
        eventually(async () => {
          const list = await api(berth, 'GET', '/projects/other/imports?page_size=1');
          const job = documented(await api(berth, 'GET', `/projects/other/imports/${list.body.items[0]?.id}`), 'get', '/projects/{name}/imports/{id}', 200);
          expect(job.bytesRead).toBeGreaterThan(0);
          return job;
        }, 30_000).finally(release),
        uploadInParts(berth, 'other', [archive.subarray(0, half), archive.subarray(half)], {}, () => held),
      ]);
      expect(during).toMatchObject({ status: 'uploading', bytesTotal: archive.length, images: [], result: null, format: null });
      expect(during.bytesRead).toBeLessThanOrEqual(half);
      expect(res.body.id).toBe(during.id);
      const done = await settled(berth, 'other', res.body.id);
      expect([done.status, done.bytesRead]).toEqual(['succeeded', archive.length]);
    });

    it('lists a project\'s imports newest first, paged, with X-Total-Count', async () => {
      const res = await fetch(`${berth.url}/api/v1/projects/names/imports?page_size=2`, { headers: { Authorization: ADMIN } });
      const body = documented({ status: res.status, body: await res.json() }, 'get', '/projects/{name}/imports', 200);
      expect(res.headers.get('x-total-count')).toBe(String(body.total));
      expect(body.total).toBe(5);
      expect(body.items).toHaveLength(2);
      const all = (await api(berth, 'GET', '/projects/names/imports')).body.items;
      expect(all.map((j: { createdAt: string }) => j.createdAt)).toEqual([...all.map((j: { createdAt: string }) => j.createdAt)].sort().reverse());
      expect(all.every((j: { project: string }) => j.project === 'names')).toBe(true);
      expect((await api(berth, 'GET', '/projects/names/imports/not-a-uuid')).status).toBe(404);
      expect((await api(berth, 'GET', `/projects/other/imports/${all[0].id}`)).status).toBe(404);
    });

    it('fails jobs abandoned by their process, and jobs left without names too long', async () => {
      const res = await upload(berth, 'other', await fixture('unnamed.tar'));
      expect(res.body.status).toBe('awaiting_names');
      const jobs = new ImportJobRepository(berth.running.dataSource);
      expect(await jobs.failAbandoned(60_000, 3_600_000)).toEqual([]);
      await berth.running.dataSource.query(`UPDATE transfer_job SET updated_at = now() - interval '2 hours' WHERE id = $1`, [res.body.id]);
      expect(await jobs.failAbandoned(60_000, 3_600_000)).toEqual([{ id: res.body.id, status: 'awaiting_names' }]);
      const job = (await api(berth, 'GET', `/projects/other/imports/${res.body.id}`)).body;
      expect([job.status, job.error]).toEqual(['failed', 'no names were given in time; the staged archive was removed']);
    });

    it('holds imports to the registry\'s per-blob size limit (BERTH_UPLOAD_MAX_BYTES)', async () => {
      const small = await startTestBerth({ BERTH_UPLOAD_MAX_BYTES: '400' });
      try {
        await createProject(small, 'lim');
        const job = await importArchive(small, 'lim', await fixture('classic.tar'));
        expect(job.status).toBe('failed');
        expect(job.error).toMatch(/^blob sha256:[0-9a-f]{64} \("[0-9a-f]{64}\.json"\) is 473 bytes, over this registry's limit of 400 bytes per blob$/);
        expect(await registryCounts(small)).toEqual({ manifests: 0, tags: 0 });
      } finally {
        await small.close();
      }
    });

    it('documents the upload body in the OpenAPI document', () => {
      const operation = document.paths['/api/v1/projects/{name}/imports'].post;
      expect(Object.keys(operation.requestBody.content)).toEqual(['application/octet-stream', 'application/x-tar', 'application/gzip', 'application/x-gzip', 'application/zstd']);
      expect(operation.parameters.map((p: { name?: string }) => p.name).filter(Boolean)).toEqual(expect.arrayContaining(['repository', 'tag', 'names', 'review']));
    });
  });
});
