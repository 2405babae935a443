/**
 * The `berth` command (bin/berth.js, built into dist/ by `npm run build`) against a real Berth: an image
 * built with umoci, turned into a docker-archive by skopeo, imported with `berth import`, found as a tag,
 * exported back with `berth export` and read by skopeo; naming, usage, credential and failure exit codes.
 */
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProject } from '../support/access';
import { buildImage, BuiltImage, initLayout, requireCommands, sha256, skopeo } from '../support/images';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { api, berthCli, requireBuiltCli } from './import-client';

describe('berth CLI', () => {
  let berth: TestBerth;
  let work: string;
  let image: BuiltImage;
  const file = (name: string) => path.join(work, name);

  const tagsOf = async (project: string, repository: string) => {
    const res = await api(berth, 'GET', `/projects/${project}/repositories/${repository}/-/tags?sort=name`);
    return res.status === 404 ? [] : res.body.items.map((t: { name: string; digest: string }) => [t.name, t.digest]);
  };

  beforeAll(async () => {
    requireBuiltCli();
    await requireCommands({ skopeo: 'skopeo', umoci: 'umoci' });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-cli-'));
    await initLayout(file('source'));
    image = await buildImage(file('source'), { ref: 'cli', architecture: 'amd64', filePath: 'etc/berth-cli', fileContent: 'through the CLI\n', cmd: ['/bin/true'] });
    await skopeo(['copy', `oci:${file('source')}:cli`, `docker-archive:${file('named.tar')}:cli/app:1.0`]);
    await skopeo(['copy', `oci:${file('source')}:cli`, `docker-archive:${file('unnamed.tar')}`]);
    berth = await startTestBerth();
    await createProject(berth, 'cli');
  }, 120_000);

  afterAll(async () => {
    await berth?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('imports a docker-archive with its own name, then exports it back for skopeo', async () => {
    const imported = await berthCli(berth, ['import', file('named.tar'), '--project', 'cli']);
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('succeeded') });
    expect(imported.stdout).toMatch(/^cli\/app:1\.0 sha256:[0-9a-f]{64}\n$/);
    const digest = imported.stdout.trim().split(' ')[1];
    expect(await tagsOf('cli', 'app')).toEqual([['1.0', digest]]);

    const exported = await berthCli(berth, ['export', 'cli/app:1.0', '-o', file('out.tar')]);
    expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('downloaded') });
    expect(existsSync(file('out.tar.part'))).toBe(false);
    await skopeo(['copy', `docker-archive:${file('out.tar')}`, `dir:${file('out')}`]);
    const manifest = JSON.parse(await fs.readFile(path.join(file('out'), 'manifest.json'), 'utf8'));
    expect(manifest.config.digest).toBe(image.manifest.config.digest);
    const config = JSON.parse(await fs.readFile(path.join(file('out'), manifest.config.digest.split(':')[1]), 'utf8'));
    const layers = await Promise.all(manifest.layers.map((l: { digest: string }) => fs.readFile(path.join(file('out'), l.digest.split(':')[1]))));
    // skopeo keeps the archive's uncompressed layers: their digests are the diff IDs
    expect(layers.map((l) => sha256(l))).toEqual(config.rootfs.diff_ids);
  }, 60_000);

  it('an archive without names: told to pass --repository (exit 2); with --repository/--tag it is named', async () => {
    const waiting = await berthCli(berth, ['import', file('unnamed.tar'), '--project', 'cli']);
    expect(waiting.code).toBe(2);
    expect(waiting.stderr).toMatch(/is waiting for names; 1 image\(s\) have none:[\s\S]*run again with --repository/);

    const named = await berthCli(berth, ['import', file('unnamed.tar'), '--project', 'cli', '--repository', 'plain', '--tag', 'v1']);
    expect({ code: named.code, stdout: named.stdout }).toEqual({ code: 0, stdout: expect.stringMatching(/^cli\/plain:v1 sha256:/) });
    expect((await tagsOf('cli', 'plain')).map((t: string[]) => t[0])).toEqual(['v1']);
  }, 60_000);

  it('usage, credential and server errors: exit 2 (usage, credentials) or 1 (failed export), naming what is wrong', async () => {
    const cases: [string[], Record<string, string>, number, RegExp][] = [
      [[], {}, 2, /name a command: import, export or gc/],
      [['import', file('named.tar')], {}, 2, /--project is required/],
      [['import', file('missing.tar'), '--project', 'cli'], {}, 2, /missing\.tar: no such file/],
      [['export', 'cli/app:1.0'], {}, 2, /-o <file> is required/],
      [['export', 'app', '-o', file('x.tar')], {}, 2, /"app" is not <project>\/<repo>:<tag>/],
      [['export', 'cli/app:1.0', '-o', file('x.tar'), '--format', 'zip'], {}, 2, /--format must be docker or oci/],
      [['import', file('named.tar'), '--project', 'cli', '-o', 'x'], {}, 2, /--output do not apply to berth import/],
      [['frobnicate'], {}, 2, /unknown command "frobnicate"/],
      [['import', file('named.tar'), '--project', 'cli'], { BERTH_PASSWORD: '' }, 2, /set BERTH_USERNAME and BERTH_PASSWORD/],
      [['import', file('named.tar'), '--project', 'cli'], { BERTH_PASSWORD: 'wrong-password' }, 2, /refused the credentials/],
      [['import', file('named.tar'), '--project', 'nope'], {}, 2, /import into project nope: .*not found/i],
      [['export', 'cli/app:9.9', '-o', file('x.tar')], {}, 1, /export of cli\/app:9\.9: .*9\.9/],
    ];
    for (const [args, env, code, message] of cases) {
      const outcome = await berthCli(berth, args, env);
      expect({ args, code: outcome.code, stderr: outcome.stderr }).toEqual({ args, code, stderr: expect.stringMatching(message) });
    }
    expect(existsSync(file('x.tar'))).toBe(false);
  }, 60_000);
});
