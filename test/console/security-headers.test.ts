import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunningBerth, startBerth } from '../../apps/api/src/bootstrap';
import { createProject } from '../support/access';
import { httpRequest, MT, ociImage, RegistryClient, sha256 } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';

/**
 * Security headers as a browser meets them: the console and API under a CSP without inline script and
 * unframeable, registry content sandboxed and downloaded rather than rendered. That the real console
 * and the API explorer still work under the policy is e2e/security-headers.test.ts's job.
 */
describe('security headers', () => {
  let berth: TestBerth;
  let console_: RunningBerth;
  let webDir: string;

  beforeAll(async () => {
    webDir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-web-'));
    await fs.writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>fixture console</title>');
    berth = await startTestBerth();
    console_ = await startBerth({ ...berth.config, port: 0, webDir });
    await createProject(berth, 'team-h');
  });
  afterAll(async () => {
    await console_.close();
    await berth.close();
    await fs.rm(webDir, { recursive: true, force: true });
  });

  const csp = (header: string | undefined) =>
    Object.fromEntries((header ?? '').split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name, values]));

  it.each(['/', '/projects/team-h', '/api/v1/openapi.json', '/api/v1/docs', '/api/v1/me', '/healthz'])('%s: no inline or foreign script, no framing, no sniffing, a referrer policy', async (urlPath) => {
    const res = await httpRequest(console_.url, 'GET', urlPath);
    const policy = csp(res.header('content-security-policy'));
    expect(policy['script-src']).toEqual(["'self'"]);
    expect(policy['default-src']).toEqual(["'self'"]);
    expect(policy['frame-ancestors']).toEqual(["'none'"]);
    expect(policy['object-src']).toEqual(["'none'"]);
    // A README's images may live elsewhere (over https); scripts and connections may not.
    expect(policy['img-src']).toEqual(["'self'", 'data:', 'https:']);
    expect(policy['connect-src']).toEqual(["'self'"]);
    expect(JSON.stringify(policy)).not.toMatch(/unsafe-eval|script-src[^\]]*unsafe-inline/);
    // Plain-HTTP intranet installs must keep loading their own assets.
    expect(policy['upgrade-insecure-requests']).toBeUndefined();
    expect(res.header('x-frame-options')).toBe('DENY');
    expect(res.header('x-content-type-options')).toBe('nosniff');
    expect(res.header('referrer-policy')).toBe('same-origin');
    expect(res.header('strict-transport-security')).toBeUndefined();
  });

  it('serves registry content sandboxed, and blobs as downloads, whatever media type a push claimed', async () => {
    const reg = new RegistryClient(berth.url);
    const html = '<!doctype html><script>alert(document.cookie)</script>';
    const layer = await reg.pushBlob('team-h/page', html, 'text/html');
    const config = await reg.pushBlob('team-h/page', '{}', MT.ociEmpty);
    await reg.pushManifest('team-h/page', 'v1', ociImage({ artifactType: 'text/html', config, layers: [layer] }), MT.ociManifest);
    const blob = await reg.request('GET', `/v2/team-h/page/blobs/${sha256(html)}`);
    expect(blob.status).toBe(200);
    expect(blob.header('content-disposition')).toBe(`attachment; filename="sha256-${sha256(html).slice('sha256:'.length)}"`);
    expect(blob.header('x-content-type-options')).toBe('nosniff');
    const policy = csp(blob.header('content-security-policy'));
    expect(policy['default-src']).toEqual(["'none'"]);
    expect(policy.sandbox).toEqual([]);
    expect(policy['frame-ancestors']).toEqual(["'none'"]);
    const manifest = await reg.request('GET', '/v2/team-h/page/manifests/v1');
    expect(csp(manifest.header('content-security-policy')).sandbox).toEqual([]);
    const base = await reg.request('GET', '/v2/');
    expect(base.header('x-frame-options')).toBe('DENY');
  });
});
