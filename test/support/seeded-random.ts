/**
 * Seeded randomness for stress tests: the same seed makes the same choices and bytes, so a failure can be
 * replayed with `BERTH_TEST_SEED=<seed>`. Concurrent actors take their own stream (`fork`), so one actor's
 * choices do not depend on how the others were scheduled.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** The seed from BERTH_TEST_SEED, or a fresh one. */
  static fromEnv(): SeededRandom {
    const given = process.env.BERTH_TEST_SEED;
    if (given !== undefined && !/^\d+$/.test(given)) throw new Error(`BERTH_TEST_SEED must be a whole number, not ${given}`);
    return new SeededRandom(given !== undefined ? Number(given) : Math.floor(Math.random() * 2 ** 32));
  }

  /** mulberry32: a uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number in [min, max). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length)];
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 256);
    return out;
  }

  /** An independent stream for one actor, derived from this seed and a label. */
  fork(label: string): SeededRandom {
    let h = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new SeededRandom(h >>> 0);
  }
}

/**
 * Runs a stress test body and, when it fails, puts the seed at the front of the error so that the run can
 * be replayed.
 */
export async function withSeed<T>(random: SeededRandom, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const note = `[seed ${random.seed}: replay with BERTH_TEST_SEED=${random.seed}] `;
    if (err instanceof Error) {
      err.message = note + err.message;
      throw err;
    }
    throw new Error(note + String(err));
  }
}
