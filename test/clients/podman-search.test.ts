/**
 * `podman search` against Berth: the real client (Debian's podman) asks /v1/search, and falls back to
 * /v2/_catalog only when that fails. It decodes the answer as Docker Hub's v1 search, so an HTML page
 * there made it fail. podman sends no credentials to /v1/search (containers/image asks it with noAuth),
 * so it lists the public repositories; private ones stay invisible.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunningBerth, startBerth } from '../../apps/api/src/bootstrap';
import { createProject } from '../support/access';
import { requireCommands, run } from '../support/images';
import { RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

describe('podman search against Berth', () => {
  let berth: TestBerth;
  /** The same Berth serving a console, as deployments do: an unknown path there answers the console's HTML. */
  let served: RunningBerth;
  let host: string;
  let work: string;

  /** podman with its own storage, run and config directories, trusting the plain-HTTP test registry. */
  async function podman(args: string[]): Promise<string> {
    const env = {
      ...process.env,
      HOME: work,
      XDG_CONFIG_HOME: path.join(work, 'config'),
      XDG_RUNTIME_DIR: path.join(work, 'run'),
      CONTAINERS_REGISTRIES_CONF: path.join(work, 'registries.conf'),
    };
    const global = ['--root', path.join(work, 'storage'), '--runroot', path.join(work, 'run'), '--storage-driver', 'vfs'];
    return (await run('podman', [...global, ...args], { env, timeoutMs: 60_000 })).stdout.toString('utf8');
  }

  beforeAll(async () => {
    await requireCommands({ podman: 'podman' });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-podman-'));
    await fs.mkdir(path.join(work, 'run'), { mode: 0o700 });
    berth = await startTestBerth();
    await fs.mkdir(path.join(work, 'web'));
    await fs.writeFile(path.join(work, 'web', 'index.html'), '<!doctype html><title>console</title>');
    served = await startBerth({ ...berth.config, port: 0, webDir: path.join(work, 'web') });
    host = `127.0.0.1:${served.port}`;
    await fs.writeFile(path.join(work, 'registries.conf'), `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
    await createProject(berth, 'pub', { public: true });
    await createProject(berth, 'hidden');
    const admin = new RegistryClient(berth.url);
    for (const repo of ['pub/search-me', 'pub/tools/search-me-too', 'pub/unrelated', 'hidden/search-me']) await admin.pushImage(repo, { tag: 'v1' });
    await berth.running.dataSource.query(`UPDATE repository SET description = 'Found by podman' WHERE name = 'pub/search-me'`);
  });
  afterAll(async () => {
    await served?.close();
    await berth?.close();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('lists the public repositories matching the term, with their descriptions', async () => {
    const out = await podman(['search', '--tls-verify=false', '--format', 'json', `${host}/search-me`]);
    const found = JSON.parse(out) as { Index: string; Name: string; Description: string }[];
    expect(found.map((r) => ({ name: r.Name, description: r.Description }))).toEqual([
      { name: `${host}/pub/search-me`, description: 'Found by podman' },
      { name: `${host}/pub/tools/search-me-too`, description: '' },
    ]);
  });

  it('honours --limit through n', async () => {
    const found = JSON.parse(await podman(['search', '--tls-verify=false', '--format', 'json', '--limit', '1', `${host}/search-me`])) as { Name: string }[];
    expect(found.map((r) => r.Name)).toEqual([`${host}/pub/search-me`]);
  });
});
