import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createRootLogger, requestLogging } from './logging';

/** A real HTTP server with the logging middleware; lines are captured from the logger's stream. */
async function serve(handler: (log: ReturnType<typeof createRootLogger>) => void, level: 'info' | 'warn' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = createRootLogger(level, sink);
  const middleware = requestLogging(logger);
  const server = http.createServer((req, res) =>
    middleware(req, res, async () => {
      await new Promise((r) => setTimeout(r, 5)); // the id must survive async hops
      handler(logger);
      res.statusCode = req.url?.startsWith('/fail') ? 500 : 200;
      res.end('ok');
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, close: () => new Promise((r) => server.close(r)) };
}

describe('request logging', () => {
  it('stamps every line written while serving a request with its id, and reuses a sane incoming id', async () => {
    const s = await serve((log) => log.warn('inside the handler'));
    const res = await fetch(`${s.url}/v2/x?token=sekrit`, { headers: { 'X-Request-Id': 'abc-123', Authorization: 'Bearer sekrit' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    await new Promise((r) => setTimeout(r, 20));
    await s.close();
    const inside = s.lines.find((l) => l.msg === 'inside the handler');
    expect(inside?.reqId).toBe('abc-123');
    const done = s.lines.find((l) => l.msg === 'request completed') as { req: { url: string }; reqId: string };
    expect(done.reqId).toBe('abc-123');
    expect(done.req.url).toBe('/v2/x');
    expect(JSON.stringify(s.lines)).not.toContain('sekrit');
  });

  it('makes up an id when the incoming one is unusable, and logs failures even above info', async () => {
    const s = await serve(() => undefined, 'warn');
    const res = await fetch(`${s.url}/fail`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await fetch(`${s.url}/ok`);
    await new Promise((r) => setTimeout(r, 20));
    await s.close();
    expect(s.lines).toHaveLength(1);
    expect(s.lines[0]).toMatchObject({ reqId: id, msg: 'request failed', res: { statusCode: 500 } });
  });

  it('logs a request whose body pipeline failed (Node detaches req.socket then) with the address it came from', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createRootLogger('info', new Writable({ write: (c, _e, d) => (lines.push(JSON.parse(String(c))), d()) }));
    const middleware = requestLogging(logger);
    let socketAfterFailure: unknown = 'not reached';
    // A storage write that fails mid-body, as a full disk does: pipeline() destroys the request and nulls its socket.
    const failing = () => new Writable({ write: (_c, _e, done) => done(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })) });
    const server = http.createServer((req, res) =>
      middleware(req, res, () => {
        pipeline(req, failing()).catch(() => {
          socketAfterFailure = req.socket;
          res.statusCode = 507;
          res.end();
        });
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    let client: http.ClientRequest | undefined;
    const status = await new Promise<number>((resolve, reject) => {
      const req = (client = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/upload', headers: { 'content-length': 1 << 20 } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }));
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024));
    });
    const line = await eventually(() => lines.find((l) => l.msg === 'request failed'));
    client?.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    expect(status).toBe(507);
    expect(socketAfterFailure).toBeNull();
    expect(line).toMatchObject({ req: { method: 'PUT', url: '/upload', remoteAddress: '127.0.0.1' } });
  });

  it('redacts secrets passed in objects by mistake', async () => {
    const lines: string[] = [];
    const logger = createRootLogger('info', new Writable({ write: (c, _e, d) => (lines.push(String(c)), d()) }));
    logger.info({ user: { name: 'ann', password: 'hunter2' } }, 'created');
    expect(lines.join('')).not.toContain('hunter2');
  });
});

async function eventually<T>(find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('never happened');
}
