import { SeededRandom, withSeed } from './seeded-random';

describe('SeededRandom', () => {
  it('makes the same choices and bytes from the same seed, and others from another', () => {
    const draw = (seed: number) => {
      const r = new SeededRandom(seed);
      return [r.next(), r.int(0, 1000), r.pick(['a', 'b', 'c', 'd']), r.shuffle([1, 2, 3, 4, 5]).join(''), r.bytes(7).toString('hex')];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('gives each fork its own stream, whatever the parent drew before', () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    b.next();
    b.next();
    expect(a.fork('pusher-1').bytes(16)).toEqual(b.fork('pusher-1').bytes(16));
    expect(a.fork('pusher-1').bytes(16)).not.toEqual(a.fork('pusher-2').bytes(16));
  });

  it('stays in range and spreads over it', () => {
    const r = new SeededRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(3, 9);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThan(9);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('reads BERTH_TEST_SEED and refuses a value that is not a number', () => {
    const before = process.env.BERTH_TEST_SEED;
    try {
      process.env.BERTH_TEST_SEED = '1234';
      expect(SeededRandom.fromEnv().seed).toBe(1234);
      process.env.BERTH_TEST_SEED = 'abc';
      expect(() => SeededRandom.fromEnv()).toThrow(/BERTH_TEST_SEED/);
    } finally {
      if (before === undefined) delete process.env.BERTH_TEST_SEED;
      else process.env.BERTH_TEST_SEED = before;
    }
  });

  it('names the seed in the error of a failing body', async () => {
    const r = new SeededRandom(99);
    await expect(withSeed(r, async () => expect(1).toBe(2))).rejects.toThrow(/^\[seed 99: replay with BERTH_TEST_SEED=99\]/);
    await expect(withSeed(r, async () => 'ok')).resolves.toBe('ok');
  });
});
