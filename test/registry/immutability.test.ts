import { ConsoleClient } from '../console/console-client';
import { createProjectsFor } from '../support/access';
import { expectError, json, MT, ociImage, ociIndex, RegistryClient } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

/** The registry side of immutable tags: a protected tag cannot be moved by a push or deleted over /v2. */
describe('immutable tags in the registry', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  let admin: ConsoleClient;
  let ruleId: string;

  beforeAll(async () => {
    berth = await startTestBerth();
    reg = new RegistryClient(berth.url);
    admin = await ConsoleClient.admin(berth);
    await createProjectsFor(berth, ['locked/app']);
    const created = await admin.post('/projects/locked/immutable-rules', {
      repositories: { include: ['**'], exclude: [] },
      tags: { include: ['release-*', 'v*.*.*'], exclude: [] },
    });
    if (created.status !== 201) throw new Error(`rule: ${created.status} ${JSON.stringify(created.body)}`);
    ruleId = created.body.id;
  });
  afterAll(async () => {
    await berth.close();
  });

  async function digestOf(tag: string): Promise<string | undefined> {
    const res = await reg.request('HEAD', `/v2/locked/app/manifests/${tag}`, { headers: { accept: MT.ociManifest } });
    return res.status === 200 ? String(res.headers['docker-content-digest']) : undefined;
  }

  it('refuses to move a protected tag with DENIED naming the tag and the rule, and keeps the old image', async () => {
    const first = await reg.pushImage('locked/app', { tag: 'v1.2.3' });
    const second = await reg.pushImage('locked/app');
    const body = (await reg.request('GET', `/v2/locked/app/manifests/${second.digest}`, { headers: { accept: MT.ociManifest } })).body;
    const res = await reg.request('PUT', '/v2/locked/app/manifests/v1.2.3', { body, headers: { 'content-type': MT.ociManifest } });
    const error = expectError(res, 403, 'DENIED');
    expect(error.message).toContain('v1.2.3');
    expect(error.message).toContain(`rule ${ruleId}`);
    expect(error.message).toContain('v*.*.*');
    expect(await digestOf('v1.2.3')).toBe(first.digest);
  });

  it('accepts pushing the same content to a protected tag again, and new tags matching the rule', async () => {
    const first = await reg.pushImage('locked/app', { tag: 'release-1' });
    const body = (await reg.request('GET', '/v2/locked/app/manifests/release-1', { headers: { accept: MT.ociManifest } })).body;
    const again = await reg.request('PUT', '/v2/locked/app/manifests/release-1', { body, headers: { 'content-type': MT.ociManifest } });
    expect(again.status).toBe(201);
    expect(await digestOf('release-1')).toBe(first.digest);
  });

  it('lets unprotected tags move as usual', async () => {
    await reg.pushImage('locked/app', { tag: 'latest' });
    const next = await reg.pushImage('locked/app', { tag: 'latest' });
    expect(await digestOf('latest')).toBe(next.digest);
  });

  it('refuses DELETE of a protected tag and of a manifest carrying one, but not of others', async () => {
    const image = await reg.pushImage('locked/app', { tag: 'release-2' });
    expectError(await reg.request('DELETE', '/v2/locked/app/manifests/release-2'), 403, 'DENIED');
    const byDigest = expectError(await reg.request('DELETE', `/v2/locked/app/manifests/${image.digest}`), 403, 'DENIED');
    expect(byDigest.message).toContain('release-2');
    expect(await digestOf('release-2')).toBe(image.digest);

    const loose = await reg.pushImage('locked/app', { tag: 'scratch' });
    expect((await reg.request('DELETE', '/v2/locked/app/manifests/scratch')).status).toBe(202);
    expect((await reg.request('DELETE', `/v2/locked/app/manifests/${loose.digest}`)).status).toBe(202);
  });

  it('refuses DELETE of a platform of a protected index, over /v2 and in the console', async () => {
    const arm = await reg.pushImage('locked/app', { platform: { os: 'linux', architecture: 'arm64' } });
    const amd = await reg.pushImage('locked/app', { platform: { os: 'linux', architecture: 'amd64' } });
    await reg.pushManifest('locked/app', 'release-multi', ociIndex([arm.descriptor, amd.descriptor]), MT.ociIndex);
    const refused = expectError(await reg.request('DELETE', `/v2/locked/app/manifests/${arm.digest}`), 403, 'DENIED');
    expect(refused.message).toContain('release-multi');
    const console = await admin.delete(`/projects/locked/repositories/app/-/artifacts/${arm.digest}`);
    expect(console.status).toBe(409);
    expect(console.body.message).toContain('release-multi');
    expect((await reg.request('HEAD', `/v2/locked/app/manifests/${arm.digest}`, { headers: { accept: MT.ociManifest } })).status).toBe(200);
  });

  it('stops protecting once the rule is disabled', async () => {
    const image = await reg.pushImage('locked/app', { tag: 'release-3' });
    const disabled = await admin.put(`/projects/locked/immutable-rules/${ruleId}`, {
      repositories: { include: ['**'], exclude: [] },
      tags: { include: ['release-*', 'v*.*.*'], exclude: [] },
      disabled: true,
    });
    expect(disabled.status).toBe(200);
    const other = await reg.pushBlob('locked/app', json({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, n: 3 }), MT.ociConfig);
    const layer = await reg.pushBlob('locked/app', Buffer.from('layer for release-3 moved'));
    const moved = await reg.pushManifest('locked/app', 'release-3', ociImage({ config: other, layers: [layer] }));
    expect(moved.digest).not.toBe(image.digest);
    expect(await digestOf('release-3')).toBe(moved.digest);
  });
});
