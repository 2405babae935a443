import { KeyedMutex } from './keyed-mutex';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('KeyedMutex', () => {
  it('runs work for one key one at a time, in arrival order', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const job = (name: string) =>
      mutex.run('k', async () => {
        events.push(`${name}:start`);
        await tick();
        events.push(`${name}:end`);
      });
    await Promise.all([job('a'), job('b'), job('c')]);
    expect(events).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('lets different keys overlap and survives a failing job', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const failing = mutex.run('x', async () => {
      events.push('x1');
      throw new Error('boom');
    });
    const other = mutex.run('y', async () => {
      events.push('y1');
    });
    await expect(failing).rejects.toThrow('boom');
    await other;
    await mutex.run('x', async () => events.push('x2'));
    expect(events).toEqual(['x1', 'y1', 'x2']);
  });
});
