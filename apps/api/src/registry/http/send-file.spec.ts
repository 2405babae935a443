import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import type { RandomAccessFile } from '@berth/storage';
import { bufferFile, sendFile, sendSegments } from './send-file';

/** A real socket between sendFile and a client, with a file that records whether it was closed. */
async function serve(content: Buffer, range?: { start: number; end: number }) {
  const state = { closed: false, done: undefined as Promise<void> | undefined };
  const server = http.createServer((_req, res) => {
    const inner = bufferFile(content);
    const file: RandomAccessFile = { ...inner, read: inner.read, close: async () => void (state.closed = true) };
    state.done = sendFile(file, range ?? { start: 0, end: content.length - 1 }, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, state, close: () => new Promise((r) => server.close(r)) };
}

describe('sendFile', () => {
  it('sends every byte of a file larger than its buffer pool', async () => {
    const content = randomBytes(9 * 1024 * 1024 + 123);
    const s = await serve(content);
    const got = Buffer.from(await (await fetch(s.url)).arrayBuffer());
    await s.state.done;
    await s.close();
    expect(got.equals(content)).toBe(true);
    expect(s.state.closed).toBe(true);
  });

  it('sends exactly a range', async () => {
    const content = randomBytes(3 * 1024 * 1024);
    const s = await serve(content, { start: 1_000_000, end: 2_500_000 });
    const got = Buffer.from(await (await fetch(s.url)).arrayBuffer());
    await s.close();
    expect(got.equals(content.subarray(1_000_000, 2_500_001))).toBe(true);
  });

  it('stops and closes the file when the client goes away mid-download', async () => {
    const content = randomBytes(64 * 1024 * 1024);
    const s = await serve(content);
    await new Promise<void>((resolve) => {
      const req = http.get(s.url, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
    });
    await s.state.done;
    await s.close();
    expect(s.state.closed).toBe(true);
  });

  it('sends literal bytes and ranges in order, each range larger than the buffer pool, then closes the file', async () => {
    const content = randomBytes(6 * 1024 * 1024);
    let closed = false;
    const server = http.createServer((_req, res) => {
      const inner = bufferFile(content);
      const file: RandomAccessFile = { ...inner, close: async () => void (closed = true) };
      void sendSegments(file, [Buffer.from('head'), { start: 5_000_000, end: 6_000_000 }, Buffer.from('middle'), { start: 0, end: 4_500_000 }, Buffer.from('tail')], res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const got = Buffer.from(await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).arrayBuffer());
    await new Promise((r) => server.close(r));
    const expected = Buffer.concat([Buffer.from('head'), content.subarray(5_000_000, 6_000_001), Buffer.from('middle'), content.subarray(0, 4_500_001), Buffer.from('tail')]);
    expect(got.equals(expected)).toBe(true);
    expect(closed).toBe(true);
  });
});
