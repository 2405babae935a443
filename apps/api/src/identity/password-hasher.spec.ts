import { DEFAULT_ARGON2_PARAMS, PasswordHasher } from './password-hasher';

async function median(times: number, work: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    await work();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('hashes with argon2id and the documented parameters, salted, never the input', async () => {
    const a = await hasher.hash('correct horse');
    const b = await hasher.hash('correct horse');
    const { memoryCost, timeCost, parallelism } = DEFAULT_ARGON2_PARAMS;
    expect(a).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${memoryCost},t=${timeCost},p=${parallelism}\\$`));
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
  });

  it('verifies the right password only, and reads a corrupt or foreign hash as a mismatch', async () => {
    const hash = await hasher.hash('correct horse');
    expect(await hasher.verify(hash, 'correct horse')).toBe(true);
    expect(await hasher.verify(hash, 'correct horsE')).toBe(false);
    expect(await hasher.verify(hash, '')).toBe(false);
    expect(await hasher.verify('$argon2id$v=19$m=19456,t=2,p=1$garbage', 'correct horse')).toBe(false);
    expect(await hasher.verify('$2b$10$abcdefghijklmnopqrstuv', 'correct horse')).toBe(false);
    expect(await hasher.verify('', 'correct horse')).toBe(false);
  });

  it('asks for a rehash when the algorithm or the parameters differ from today', async () => {
    const current = await hasher.hash('pw-12345678');
    expect(hasher.needsRehash(current)).toBe(false);
    const cheaper = await new PasswordHasher({ memoryCost: 8192, timeCost: 1, parallelism: 1 }).hash('pw-12345678');
    expect(hasher.needsRehash(cheaper)).toBe(true);
    const argon2i = current.replace('$argon2id$', '$argon2i$');
    expect(hasher.needsRehash(argon2i)).toBe(true);
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });

  it('dummy verify answers false and costs about as much as a real verify', async () => {
    const hash = await hasher.hash('correct horse');
    expect(await hasher.dummyVerify('correct horse')).toBe(false);
    expect(await hasher.dummyVerify('berth-dummy-password-never-matches')).toBe(false);
    const real = await median(7, () => hasher.verify(hash, 'wrong guess'));
    const dummy = await median(7, () => hasher.dummyVerify('wrong guess'));
    // Loose bounds (the machine may be busy with other test files), but a dummy that skipped the work would be ~0 ms.
    expect(dummy).toBeGreaterThan(real * 0.5);
    expect(dummy).toBeLessThan(real * 2);
  });
});
