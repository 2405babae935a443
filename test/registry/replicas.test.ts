import { createHash } from 'node:crypto';
import type { RunningBerth } from '../../apps/api/src/bootstrap';
import { adminBasicAuth, createProject, fetchToken } from '../support/access';
import { startReplica, startTestBerth, TestBerth } from '../support/test-berth';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Every request is admin's, by basic credentials (the registry requires authentication). */
const auth = (headers: Record<string, string> = {}) => ({ Authorization: adminBasicAuth(), ...headers });

async function pushImage(url: string, repo: string, tag: string, marker: string): Promise<string> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', marker }));
  const layer = Buffer.from(`layer ${marker}`);
  for (const blob of [config, layer]) {
    const res = await fetch(`${url}/v2/${repo}/blobs/uploads/?digest=${sha(blob)}`, { method: 'POST', body: blob, headers: auth() });
    expect(res.status).toBe(201);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
    }),
  );
  const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: manifest,
    headers: auth({ 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }),
  });
  expect(res.status).toBe(201);
  return sha(manifest);
}

const digestAt = async (url: string, ref: string) => (await fetch(`${url}/v2/shared/app/manifests/${ref}`, { headers: auth() })).headers.get('docker-content-digest');

/** Two replicas on one database and one storage directory: nothing one serves may lag behind what the other wrote. */
describe('replicas sharing a database', () => {
  let a: TestBerth;
  let b: RunningBerth;
  beforeAll(async () => {
    a = await startTestBerth();
    b = await startReplica(a);
    await createProject(a, 'shared');
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('sees a tag moved or deleted on the other replica, even after caching it', async () => {
    const first = await pushImage(a.url, 'shared/app', 'v1', 'one');
    expect(await digestAt(b.url, 'v1')).toBe(first);
    expect(await digestAt(b.url, 'v1')).toBe(first); // now served from b's cache

    const second = await pushImage(a.url, 'shared/app', 'v1', 'two');
    expect(second).not.toBe(first);
    await waitFor(async () => (await digestAt(b.url, 'v1')) === second);

    expect((await fetch(`${a.url}/v2/shared/app/manifests/v1`, { method: 'DELETE', headers: auth() })).status).toBe(202);
    await waitFor(async () => (await fetch(`${b.url}/v2/shared/app/manifests/v1`, { headers: auth() })).status === 404);
    expect((await fetch(`${b.url}/v2/shared/app/manifests/${second}`, { headers: auth() })).status).toBe(200);
    expect((await fetch(`${a.url}/v2/shared/app/manifests/${second}`, { method: 'DELETE', headers: auth() })).status).toBe(202);
    await waitFor(async () => (await fetch(`${b.url}/v2/shared/app/manifests/${second}`, { headers: auth() })).status === 404);
  });

  it('reads its own writes at once on the replica that wrote', async () => {
    const first = await pushImage(a.url, 'shared/app', 'own', 'x');
    expect(await digestAt(a.url, 'own')).toBe(first);
    const second = await pushImage(a.url, 'shared/app', 'own', 'y');
    expect(await digestAt(a.url, 'own')).toBe(second);
  });

  it('continues an upload started on the other replica', async () => {
    const part1 = Buffer.alloc(4096, 1);
    const part2 = Buffer.alloc(1000, 2);
    const start = await fetch(`${a.url}/v2/shared/app/blobs/uploads/`, { method: 'POST', headers: auth() });
    const location = start.headers.get('location')!;
    const patch = await fetch(`${a.url}${location}`, { method: 'PATCH', body: part1, headers: auth({ 'Content-Range': `0-${part1.length - 1}` }) });
    expect(patch.status).toBe(202);
    const all = Buffer.concat([part1, part2]);
    const put = await fetch(`${b.url}${location}?digest=${sha(all)}`, { method: 'PUT', body: part2, headers: auth() });
    expect(put.status).toBe(201);
    const got = Buffer.from(await (await fetch(`${a.url}/v2/shared/app/blobs/${sha(all)}`, { headers: auth() })).arrayBuffer());
    expect(got.equals(all)).toBe(true);
  });

  it('honours a bearer token the other replica issued (one signing key for all)', async () => {
    const digest = await pushImage(a.url, 'shared/app', 'token', 'z');
    const token = await fetchToken(a, ['repository:shared/app:pull'], adminBasicAuth());
    const res = await fetch(`${b.url}/v2/shared/app/manifests/token`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-content-digest')).toBe(digest);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
