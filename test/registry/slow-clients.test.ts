import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { adminBasicAuth, createProject } from '../support/access';
import { RegistryClient, sha256 } from '../support/registry-client';
import { startTestBerth, TestBerth } from '../support/test-berth';
import { ADMIN } from '../transfer/import-client';

const KiB = 1024;
const MiB = 1024 * KiB;
/** How long a test waits for the server to close a connection: far past the 1 s timeouts set here, far below Node's own 60-66 s. */
const CLOSE_WITHIN_MS = 15_000;

/** A raw HTTP/1.1 connection: what the server sent, and whether it has closed its side. */
interface Raw {
  socket: net.Socket;
  received: () => string;
  /** Resolves true once the server ends the connection, false if it has not after `CLOSE_WITHIN_MS`. */
  closedByServer: () => Promise<boolean>;
  /** Resolves true once the connection is gone altogether (the server dropped it), false if not after `CLOSE_WITHIN_MS`. */
  gone: () => Promise<boolean>;
  /** Writes `chunk` every `everyMs` until the connection closes (a slow client that keeps trying). */
  trickle: (chunk: Buffer, everyMs: number) => void;
}

function connect(berth: TestBerth): Promise<Raw> {
  return new Promise((resolve, reject) => {
    // Half-open allowed: like curl or Go, the client does not stop sending just because the server said it is done.
    const socket = net.connect({ port: Number(new URL(berth.url).port), host: '127.0.0.1', allowHalfOpen: true });
    let data = '';
    let ended = false;
    let closed = false;
    const endWaiters: (() => void)[] = [];
    const closeWaiters: (() => void)[] = [];
    socket.on('close', () => {
      closed = true;
      for (const w of closeWaiters.splice(0)) w();
    });
    const onEnd = () => {
      ended = true;
      for (const w of endWaiters.splice(0)) w();
    };
    socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', () => undefined);
    let trickler: NodeJS.Timeout | undefined;
    socket.on('close', () => clearInterval(trickler));
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        closedByServer: () =>
          new Promise((done) => {
            if (ended) return done(true);
            const timer = setTimeout(() => done(false), CLOSE_WITHIN_MS);
            endWaiters.push(() => {
              clearTimeout(timer);
              done(true);
            });
          }),
        gone: () =>
          new Promise((done) => {
            if (closed) return done(true);
            const timer = setTimeout(() => done(false), CLOSE_WITHIN_MS);
            closeWaiters.push(() => {
              clearTimeout(timer);
              done(true);
            });
          }),
        trickle: (chunk, everyMs) => {
          trickler = setInterval(() => {
            if (!socket.destroyed && socket.writable) socket.write(chunk);
          }, everyMs);
        },
      }),
    );
    socket.once('error', reject);
  });
}

function head(method: string, path: string, headers: Record<string, string | number>): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
}

/**
 * Clients that send slowly or stop: headers and request bodies have timeouts (1 s each here), a slow
 * body that keeps moving is never cut off, and a request answered before its body has arrived ends its
 * connection instead of reading the body for ever or leaving the client blocked.
 */
describe('slow and stalled clients', () => {
  let berth: TestBerth;
  let reg: RegistryClient;
  const open: Raw[] = [];
  const raw = async () => {
    const r = await connect(berth);
    open.push(r);
    return r;
  };

  beforeAll(async () => {
    berth = await startTestBerth({ BERTH_HEADERS_TIMEOUT_SECONDS: '1', BERTH_BODY_IDLE_TIMEOUT_SECONDS: '1', BERTH_UPLOAD_MAX_BYTES: String(2 * MiB) });
    reg = new RegistryClient(berth.url);
    await createProject(berth, 'slow');
  });
  afterEach(() => {
    for (const r of open.splice(0)) r.socket.destroy();
  });
  afterAll(async () => {
    await berth?.close();
  });

  it('answers 408 and closes a connection whose headers never end', async () => {
    const c = await raw();
    c.socket.write('GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    c.trickle(Buffer.from('a'), 200);
    expect(await c.closedByServer()).toBe(true);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes the connection of an anonymous upload answered 401 instead of reading its slow body for ever', async () => {
    const c = await raw();
    c.socket.write(head('POST', '/v2/slow/app/blobs/uploads/', { 'Content-Length': 10 * MiB, 'Content-Type': 'application/octet-stream' }));
    c.socket.write(randomBytes(KiB));
    // One byte every 100 ms: never idle long enough for the body timeout, so only the early answer can end it.
    c.trickle(Buffer.from('x'), 100);
    expect(await c.closedByServer()).toBe(true);
    expect(c.received()).toMatch(/^HTTP\/1\.1 401 /);
    expect(c.received()).toMatch(/\r\nConnection: close\r\n/i);
    // Still trickling: the server stops reading after a short linger and drops the connection.
    expect(await c.gone()).toBe(true);
  });

  it('cuts off a body that stops arriving with 408; what arrived stays in the session, which resumes', async () => {
    const location = await reg.startUpload('slow/app');
    const content = randomBytes(MiB);
    const c = await raw();
    c.socket.write(head('PATCH', location, { Authorization: adminBasicAuth(), 'Content-Length': content.length, 'Content-Range': `0-${content.length - 1}` }));
    c.socket.write(content.subarray(0, 100 * KiB));
    expect(await c.closedByServer()).toBe(true);
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);

    const status = await reg.request('GET', location);
    expect(status.status).toBe(204);
    const held = Number(status.header('range')!.split('-')[1]) + 1;
    expect(held).toBeLessThanOrEqual(100 * KiB);
    const rest = await reg.request('PATCH', location, { body: content.subarray(held), headers: { 'content-range': `${held}-${content.length - 1}` } });
    expect(rest.status).toBe(202);
    expect((await reg.request('PUT', `${location}?digest=${sha256(content)}`)).status).toBe(201);
  });

  it('never cuts off a slow body that keeps moving, however long it takes in total', async () => {
    const location = await reg.startUpload('slow/app');
    const content = randomBytes(64 * KiB);
    const c = await raw();
    c.socket.write(head('PATCH', location, { Authorization: adminBasicAuth(), 'Content-Length': content.length, 'Content-Range': `0-${content.length - 1}` }));
    // 16 pieces 250 ms apart: 4 s in all, four times the idle timeout, never idle for long.
    for (let i = 0; i < 16; i++) {
      c.socket.write(content.subarray(i * 4 * KiB, (i + 1) * 4 * KiB));
      await new Promise((r) => setTimeout(r, 250));
    }
    const answered = () => c.received().includes('\r\n\r\n');
    for (let i = 0; i < 200 && !answered(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(c.received()).toMatch(/^HTTP\/1\.1 202 /);
    expect(c.received()).toMatch(/\r\nRange: 0-65535\r\n/i);
  });

  it('refuses a streamed body at its first byte past BERTH_UPLOAD_MAX_BYTES instead of reading it to an end that never comes', async () => {
    const location = await reg.startUpload('slow/app');
    const c = await raw();
    c.socket.write(head('PATCH', location, { Authorization: adminBasicAuth(), 'Transfer-Encoding': 'chunked' }));
    const piece = randomBytes(64 * KiB);
    const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
    for (let i = 0; i < 40; i++) c.socket.write(chunk); // 2.5 MiB, and the body never ends
    c.trickle(chunk, 100);
    expect(await c.closedByServer()).toBe(true);
    expect(c.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(c.received()).toMatch(/SIZE_INVALID/);
  });

  it('lets a client finish sending an archive whose import failed at its first bytes, then closes', async () => {
    const total = 32 * MiB;
    const c = await raw();
    c.socket.write(head('POST', '/api/v1/projects/slow/imports', { Authorization: ADMIN, 'Content-Type': 'application/x-tar', 'Content-Length': total }));
    // A zip, not a tar: the import fails at once and stops reading; the client goes on sending all of it.
    const chunk = Buffer.alloc(MiB);
    chunk.write('PK\u0003\u0004', 'latin1');
    let sent = 0;
    const allSent = new Promise<boolean>((resolve) => {
      const next = (): void => {
        if (sent === total) return resolve(true);
        sent += chunk.length;
        if (c.socket.write(chunk)) setImmediate(next);
        else c.socket.once('drain', next);
      };
      c.socket.once('close', () => resolve(sent === total));
      next();
    });
    expect(await c.closedByServer()).toBe(true);
    expect(c.received()).toMatch(/^HTTP\/1\.1 202 /);
    expect(c.received()).toMatch(/"status":"failed"/);
    expect(c.received()).toMatch(/not a tar archive|zip/);
    // The body was read to its end while the connection lingered, so the client was never left blocked.
    expect(await allSent).toBe(true);
  });
});
