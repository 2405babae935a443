import { FailureStats, LoginAttemptStore } from './login-attempt.repository';
import { decideLogin, delayAfter, LoginLimiter, LoginLimits, normalizeAddress, normalizeUsername } from './login-limiter';

const LIMITS: LoginLimits = { windowMs: 15 * 60_000, freeFailures: 5, firstDelayMs: 60_000, maxDelayMs: 15 * 60_000, maxFailuresPerAddress: 30 };
const NOW = new Date('2026-01-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function stats(pair: [number, Date | null], address: [number, Date | null]): FailureStats {
  return {
    now: NOW,
    pair: { failures: pair[0], lastFailureAt: pair[1] },
    address: { failures: address[0], limitingFailureAt: address[1] },
  };
}

/** A store where any call the test did not stub fails the test. */
function strictStore(stubs: Partial<LoginAttemptStore>): LoginAttemptStore {
  return new Proxy(stubs as LoginAttemptStore, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof LoginAttemptStore];
      if (prop === 'then') return undefined;
      throw new Error(`unstubbed call: ${String(prop)}`);
    },
  });
}

describe('delayAfter', () => {
  it('is free up to the free failures, then doubles from the first delay up to the cap', () => {
    expect([0, 4, 5, 6, 7, 8, 9, 10, 50, 5000].map((n) => delayAfter(n, LIMITS) / 60_000)).toEqual([0, 0, 1, 2, 4, 8, 15, 15, 15, 15]);
  });
});

describe('decideLogin', () => {
  it('allows attempts while the pair has free failures left and the address is under its limit', () => {
    expect(decideLogin(stats([0, null], [0, null]), LIMITS)).toEqual({ allowed: true });
    expect(decideLogin(stats([4, ago(0)], [29, null]), LIMITS)).toEqual({ allowed: true });
  });

  it('asks a username and address pair past its free failures to wait a growing delay from its latest failure, never to stop', () => {
    expect(decideLogin(stats([5, ago(10_000)], [5, null]), LIMITS)).toEqual({ allowed: false, scope: 'user', retryAfterSeconds: 50 });
    expect(decideLogin(stats([5, ago(60_000)], [5, null]), LIMITS)).toEqual({ allowed: true });
    expect(decideLogin(stats([7, ago(60_000)], [7, null]), LIMITS)).toEqual({ allowed: false, scope: 'user', retryAfterSeconds: 3 * 60 });
    expect(decideLogin(stats([7, ago(4 * 60_000)], [7, null]), LIMITS)).toEqual({ allowed: true });
    expect(decideLogin(stats([40, ago(15 * 60_000 - 500)], [7, null]), LIMITS)).toEqual({ allowed: false, scope: 'user', retryAfterSeconds: 1 });
  });

  it('blocks an address at its limit, whatever the username', () => {
    expect(decideLogin(stats([0, null], [30, ago(5 * 60_000)]), LIMITS)).toEqual({ allowed: false, scope: 'address', retryAfterSeconds: 10 * 60 });
    expect(decideLogin(stats([0, null], [45, ago(14 * 60_000 + 59_500)]), LIMITS)).toEqual({ allowed: false, scope: 'address', retryAfterSeconds: 1 });
  });

  it('reports the longer wait when both the pair and the address are held back', () => {
    const decision = decideLogin(stats([9, ago(60_000)], [30, ago(12 * 60_000)]), LIMITS);
    expect(decision).toEqual({ allowed: false, scope: 'user', retryAfterSeconds: 14 * 60 });
  });

  it('never asks to wait less than a second, nor trusts a missing timestamp to mean "free"', () => {
    expect(decideLogin(stats([0, null], [30, ago(LIMITS.windowMs)]), LIMITS)).toEqual({ allowed: false, scope: 'address', retryAfterSeconds: 1 });
    expect(decideLogin(stats([0, null], [30, null]), LIMITS)).toEqual({ allowed: false, scope: 'address', retryAfterSeconds: 15 * 60 });
    expect(decideLogin(stats([5, null], [0, null]), LIMITS)).toEqual({ allowed: false, scope: 'user', retryAfterSeconds: 60 });
  });

  it('honours other limits', () => {
    const strict: LoginLimits = { windowMs: 60_000, freeFailures: 3, firstDelayMs: 10_000, maxDelayMs: 30_000, maxFailuresPerAddress: 5 };
    expect(decideLogin(stats([2, ago(0)], [4, null]), strict)).toEqual({ allowed: true });
    expect(decideLogin(stats([3, ago(4_000)], [4, null]), strict)).toEqual({ allowed: false, scope: 'user', retryAfterSeconds: 6 });
    expect(decideLogin(stats([9, ago(0)], [4, null]), strict)).toEqual({ allowed: false, scope: 'user', retryAfterSeconds: 30 });
  });
});

describe('LoginLimiter', () => {
  afterEach(() => jest.useRealTimers());

  /** A store that logs every call, answers failureStats with `answer`, and fails on anything unstubbed. */
  function loggingStore(answer: FailureStats, extra: Partial<LoginAttemptStore> = {}) {
    const calls: unknown[][] = [];
    let nextId = 1;
    const store = strictStore({
      deleteOlderThan: async (ageMs) => (calls.push(['deleteOlderThan', ageMs]), 0),
      insertFailure: async (username, address) => {
        calls.push(['insertFailure', username, address]);
        return String(nextId++);
      },
      failureStats: async (query) => (calls.push(['failureStats', query]), answer),
      delete: async (id) => void calls.push(['delete', id]),
      markSucceeded: async (id) => void calls.push(['markSucceeded', id]),
      ...extra,
    });
    return { store, calls };
  }

  it('writes the attempt as a failure first, then counts the others, with normalized keys and its limits', async () => {
    const { store, calls } = loggingStore(stats([4, null], [29, null]));
    const limiter = new LoginLimiter(store, { loginLimits: LIMITS });
    expect(await limiter.admit(' Alice ', '::ffff:10.0.0.7')).toEqual({ allowed: true, attemptId: '1' });
    expect(calls).toEqual([
      ['deleteOlderThan', 24 * 60 * 60_000],
      ['insertFailure', 'alice', '10.0.0.7'],
      ['failureStats', { excludeId: '1', username: 'alice', address: '10.0.0.7', windowMs: LIMITS.windowMs, addressLimit: 30 }],
    ]);
    await limiter.succeeded('1');
    expect(calls.at(-1)).toEqual(['markSucceeded', '1']);
  });

  it('removes a refused attempt, so blocked guesses neither grow the table nor stretch the block', async () => {
    const { store, calls } = loggingStore(stats([9, ago(0)], [0, null]));
    const limiter = new LoginLimiter(store, { loginLimits: LIMITS });
    expect(await limiter.admit('alice', '10.0.0.7')).toEqual({ allowed: false, scope: 'user', retryAfterSeconds: 15 * 60 });
    expect(calls.slice(1).map((c) => c[0])).toEqual(['insertFailure', 'failureStats', 'delete']);
    expect(calls.at(-1)).toEqual(['delete', '1']);
  });

  it('removes its row and passes the error on when counting fails', async () => {
    const { store, calls } = loggingStore(stats([0, null], [0, null]), {
      failureStats: async () => {
        throw new Error('connection lost');
      },
    });
    await expect(new LoginLimiter(store, { loginLimits: LIMITS }).admit('alice', '10.0.0.7')).rejects.toThrow('connection lost');
    expect(calls.at(-1)).toEqual(['delete', '1']);
  });

  it('prunes old rows at most every ten minutes per process', async () => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate'] });
    const { store, calls } = loggingStore(stats([0, null], [0, null]));
    const limiter = new LoginLimiter(store, { loginLimits: LIMITS });
    await limiter.admit('alice', '10.0.0.7');
    await limiter.admit('alice', '10.0.0.7');
    jest.setSystemTime(NOW.getTime() + 9 * 60_000);
    await limiter.admit('bob', '2001:DB8::1');
    jest.setSystemTime(NOW.getTime() + 11 * 60_000);
    await limiter.admit('bob', '2001:db8::1');
    expect(calls.filter((c) => c[0] === 'deleteOlderThan')).toHaveLength(2);
    expect(calls.filter((c) => c[0] === 'insertFailure')).toEqual([
      ['insertFailure', 'alice', '10.0.0.7'],
      ['insertFailure', 'alice', '10.0.0.7'],
      ['insertFailure', 'bob', '2001:db8::1'],
      ['insertFailure', 'bob', '2001:db8::1'],
    ]);
  });

  it('keeps rows at least one window even when the window is longer than a day', async () => {
    const { store, calls } = loggingStore(stats([0, null], [0, null]));
    await new LoginLimiter(store, { loginLimits: { ...LIMITS, windowMs: 48 * 60 * 60_000 } }).admit('alice', '10.0.0.7');
    expect(calls[0]).toEqual(['deleteOlderThan', 48 * 60 * 60_000]);
  });

  it('does not fail a login because pruning failed, and retries the prune next time', async () => {
    let prunes = 0;
    const { store } = loggingStore(stats([0, null], [0, null]), {
      deleteOlderThan: async () => {
        prunes++;
        throw new Error('database is busy');
      },
    });
    const limiter = new LoginLimiter(store, { loginLimits: LIMITS });
    await expect(limiter.admit('alice', '10.0.0.7')).resolves.toMatchObject({ allowed: true });
    await expect(limiter.admit('alice', '10.0.0.7')).resolves.toMatchObject({ allowed: true });
    expect(prunes).toBe(2);
  });

  it('uses the defaults without configured limits and refuses nonsense limits', async () => {
    const { store } = loggingStore(stats([4, null], [29, null]));
    expect(await new LoginLimiter(store, {}).admit('alice', '10.0.0.7')).toMatchObject({ allowed: true });
    expect(() => new LoginLimiter(strictStore({}), { loginLimits: { ...LIMITS, freeFailures: 0 } })).toThrow(/freeFailures/);
    expect(() => new LoginLimiter(strictStore({}), { loginLimits: { ...LIMITS, windowMs: Number.NaN } })).toThrow(/windowMs/);
  });

  it('bounds what it stores of a client-supplied name or address', () => {
    expect(normalizeUsername('X'.repeat(10_000))).toBe('x'.repeat(128));
    expect(normalizeAddress('::FFFF:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeAddress('::ffff:c000:0201')).toBe('::ffff:c000:0201');
  });
});
