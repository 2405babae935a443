import { AuditRepository, AuditRow } from '../../apps/api/src/audit/audit.repository';
import { ConsoleClient } from '../console/console-client';
import { AuditService } from '../../apps/api/src/audit/audit.service';
import { startTestBerth, TEST_ADMIN_PASSWORD, TestBerth } from '../support/test-berth';

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

describe('the audit log', () => {
  let berth: TestBerth;
  let audit: AuditService;
  beforeAll(async () => {
    berth = await startTestBerth();
    audit = new AuditService(new AuditRepository(berth.running.dataSource));
  });
  afterAll(async () => {
    await berth.close();
  });

  it('records events in batches and pages through them newest first, filtered by project, actor and action', async () => {
    const [team] = await berth.running.dataSource.query(`INSERT INTO project (name) VALUES ('audited') RETURNING id::text AS id`);
    for (let i = 0; i < 5; i++) audit.record({ actor: 'ann', actorKind: 'user', action: 'push', resource: `audited/app:${i}`, projectId: team.id, success: true });
    audit.record({ actor: 'bob', actorKind: 'user', action: 'tag.delete', resource: 'library/x:1', success: false, details: { reason: 'denied' } });
    const page = await audit.query({ projectId: team.id, offset: 1, limit: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((e) => e.resource)).toEqual(['audited/app:3', 'audited/app:2']);
    expect(page.items[0]).toMatchObject({ actor: 'ann', actorKind: 'user', project: 'audited', success: true });
    const bob = await audit.query({ actor: 'bob', offset: 0, limit: 10 });
    expect(bob.items).toHaveLength(1);
    expect(bob.items[0]).toMatchObject({ action: 'tag.delete', success: false, details: { reason: 'denied' } });
  });

  it('records registry logins, good and failed, with the address and never the secret', async () => {
    await fetch(`${berth.url}/service/token?service=berth`, { headers: { Authorization: basic('admin', TEST_ADMIN_PASSWORD) } });
    await fetch(`${berth.url}/service/token?service=berth`, { headers: { Authorization: basic('admin', 'wrong-secret-value') } });
    // Through the console API: reading the log there writes the server's buffered and aggregated events first.
    const admin = await ConsoleClient.admin(berth);
    const logins = ((await admin.get('/audit?action=login&actor=admin&page_size=10')).body.items as AuditRow[]).filter((e) => e.resource === 'registry');
    expect(logins.map((e) => e.success).sort()).toEqual([false, true]);
    expect(logins[0].address).toMatch(/127\.0\.0\.1/);
    expect(JSON.stringify(logins)).not.toMatch(/wrong-secret-value|admin-password-for-tests/);
    expect(logins.find((e) => !e.success)?.details).toEqual({ reason: 'password: wrong_password', count: 1 });
  });
});

describe('registry events in the audit log', () => {
  let berth: TestBerth;
  let audit: AuditService;
  beforeAll(async () => {
    berth = await startTestBerth();
    audit = new AuditService(new AuditRepository(berth.running.dataSource));
  });
  afterAll(async () => {
    await berth.close();
  });

  it('records pushes and deletes with the project, and pulls aggregated with a count', async () => {
    const auth = { Authorization: basic('admin', TEST_ADMIN_PASSWORD) };
    const { createHash } = await import('node:crypto');
    const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    expect((await fetch(`${berth.url}/v2/library/audited/blobs/uploads/?digest=${sha(config)}`, { method: 'POST', body: config, headers: auth })).status).toBe(201);
    const manifest = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length }, layers: [] }),
    );
    const put = await fetch(`${berth.url}/v2/library/audited/manifests/1.0`, { method: 'PUT', body: manifest, headers: { ...auth, 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' } });
    expect(put.status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await fetch(`${berth.url}/v2/library/audited/manifests/1.0`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${berth.url}/v2/library/audited/manifests/1.0`, { method: 'DELETE', headers: auth })).status).toBe(202);

    const [library] = await berth.running.dataSource.query(`SELECT id::text AS id FROM project WHERE name = 'library'`);
    let events: Awaited<ReturnType<AuditService['query']>> = { items: [], total: 0 };
    for (let i = 0; i < 150 && events.items.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      events = await audit.query({ projectId: library.id, offset: 0, limit: 10 });
    }
    const byAction = Object.fromEntries(events.items.map((e) => [e.action, e]));
    expect(byAction.push).toMatchObject({ actor: 'admin', actorKind: 'user', resource: 'library/audited:1.0', project: 'library', success: true });
    expect(byAction.pull).toMatchObject({ actor: 'admin', resource: 'library/audited:1.0', details: { count: 3 } });
    expect(byAction['tag.delete']).toMatchObject({ actor: 'admin', resource: 'library/audited:1.0' });
  });
});
