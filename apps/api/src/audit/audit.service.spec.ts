import { AuditEvent, AuditRepository } from './audit.repository';
import { AuditService, FAILURE_AGGREGATION_MS, ROUTINE_LOGIN_MS } from './audit.service';

/** A repository that keeps what is written, and fails the test on any call it does not expect. */
function recordingRepository() {
  const written: AuditEvent[][] = [];
  const repo = new Proxy({ insertMany: async (events: AuditEvent[]) => void written.push(events) } as unknown as AuditRepository, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof AuditRepository];
      if (prop === 'then') return undefined;
      throw new Error(`unstubbed call: ${String(prop)}`);
    },
  });
  return { repo, written: () => written.flat() };
}

const failure = { actor: 'mallory', actorKind: 'user' as const, action: 'login', resource: 'registry', address: '198.51.100.1', details: { reason: 'password: wrong_password' } };

describe('AuditService aggregation', () => {
  const NOW = new Date('2026-12-01T10:00:00Z').getTime();
  beforeEach(() => jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('writes repeated failures as one row per minute with a count, keeping different reasons and addresses apart', async () => {
    const { repo, written } = recordingRepository();
    const audit = new AuditService(repo);
    for (let i = 0; i < 40; i++) audit.recordFailure(failure);
    audit.recordFailure({ ...failure, address: '198.51.100.2' });
    audit.recordFailure({ ...failure, details: { reason: 'rate_limited' } });
    await audit.flush(false);
    expect(written()).toEqual([]); // the minute is still open
    jest.setSystemTime(NOW + FAILURE_AGGREGATION_MS);
    await audit.flush(false);
    expect(written().map((e) => [e.address, e.details, e.success])).toEqual([
      ['198.51.100.1', { reason: 'password: wrong_password', count: 40 }, false],
      ['198.51.100.2', { reason: 'password: wrong_password', count: 1 }, false],
      ['198.51.100.1', { reason: 'rate_limited', count: 1 }, false],
    ]);
    // The next minute starts a new row.
    audit.recordFailure(failure);
    await audit.flush();
    expect(written().at(-1)?.details).toEqual({ reason: 'password: wrong_password', count: 1 });
  });

  it('writes pulls at every flush with their count', async () => {
    const { repo, written } = recordingRepository();
    const audit = new AuditService(repo);
    for (let i = 0; i < 3; i++) audit.recordPull({ actor: 'ann', actorKind: 'user', resource: 'team/app:1', address: '10.0.0.1' });
    await audit.flush(false);
    expect(written()).toEqual([{ actor: 'ann', actorKind: 'user', resource: 'team/app:1', address: '10.0.0.1', action: 'pull', success: true, details: { count: 3 } }]);
  });

  it('records a routine login once per actor and address in its window', async () => {
    const { repo, written } = recordingRepository();
    const audit = new AuditService(repo);
    const login = { actor: 'ci', actorKind: 'user' as const, action: 'login', resource: 'registry', address: '10.0.0.9', success: true };
    for (let i = 0; i < 50; i++) audit.recordRoutine(login);
    audit.recordRoutine({ ...login, address: '10.0.0.10' });
    jest.setSystemTime(NOW + ROUTINE_LOGIN_MS - 1);
    audit.recordRoutine(login);
    jest.setSystemTime(NOW + ROUTINE_LOGIN_MS);
    audit.recordRoutine(login);
    await audit.flush();
    expect(written().map((e) => e.address)).toEqual(['10.0.0.9', '10.0.0.10', '10.0.0.9']);
  });

  it('keeps its memory bounded under a flood of distinct failures', async () => {
    const { repo, written } = recordingRepository();
    const audit = new AuditService(repo);
    const size = () => (audit as unknown as { aggregates: Map<string, unknown> }).aggregates.size;
    let largest = 0;
    // As requests arrive: a few events, then the event loop turns.
    for (let i = 0; i < 25_000; i++) {
      audit.recordFailure({ ...failure, actor: `bot-${i}` });
      largest = Math.max(largest, size());
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    // Full maps are written out early rather than grown, and every event still reaches the log.
    expect(largest).toBeLessThanOrEqual(10_000 + 50);
    await audit.flush();
    expect(written()).toHaveLength(25_000);
  });
});
