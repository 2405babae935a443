// Minimal HTTP client over node:http, pinned to one loopback origin per target.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * Resolves a path or a Location header against the target's origin. Only the path and query
 * of an absolute Location are kept, so a registry that advertises another host name
 * (localhost, a public URL) is still reached on 127.0.0.1.
 */
export function targetUrl(origin, pathOrLocation) {
  const parsed = new URL(pathOrLocation, origin);
  return new URL(parsed.pathname + parsed.search, origin);
}

/** Appends a query parameter without re-encoding what the registry put in its Location. */
export function withQuery(location, name, value) {
  const sep = location.includes('?') ? '&' : '?';
  return `${location}${sep}${name}=${encodeURIComponent(value)}`;
}

/** Writes one chunk honouring backpressure; rejects if the request was torn down meanwhile. */
export async function writeChunk(req, chunk) {
  if (req.destroyed) throw new Error('request closed while sending the body');
  if (req.write(chunk)) return;
  if (req.destroyed) throw new Error('request closed while sending the body');
  await new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
  if (req.destroyed) throw new Error('request closed while sending the body');
}

/**
 * One request. The body is either `body` (Buffer/string) or produced by `writeBody(req)`.
 * A 2xx response body goes to `onData` when given (and is not kept), otherwise it is collected.
 */
/** Credentials per server (Berth needs them since registry access requires authentication). */
const authorizations = new Map();

export function setAuthorization(origin, value) {
  authorizations.set(origin, value);
}

export function request(origin, method, pathOrLocation, opts = {}) {
  const { body, writeBody, onData, timeoutMs = 60_000, anonymous = false } = opts;
  const auth = anonymous ? undefined : authorizations.get(origin);
  const headers = auth && !opts.headers?.Authorization ? { Authorization: auth, ...opts.headers } : (opts.headers ?? {});
  const url = targetUrl(origin, pathOrLocation);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn(value);
    };
    const req = http.request(url, { method, headers, agent });
    const timer = setTimeout(
      () => req.destroy(new Error(`${method} ${url.pathname} timed out after ${Math.round(timeoutMs / 1000)} s`)),
      timeoutMs,
    );
    req.on('error', (err) => finish(reject, err));
    req.on('response', (res) => {
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const chunks = [];
      res.on('data', (c) => (ok && onData ? onData(c) : chunks.push(c)));
      res.on('error', (err) => finish(reject, err));
      res.on('end', () =>
        finish(resolve, { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    if (writeBody) {
      writeBody(req).then(
        () => req.end(),
        (err) => req.destroy(err),
      );
    } else {
      req.end(body);
    }
  });
}

/** Throws a readable error unless the response has the expected status. */
export function expectStatus(res, expected, what) {
  if (res.status === expected) return res;
  const text = res.body.toString('utf8').slice(0, 500);
  throw new Error(`${what}: expected HTTP ${expected}, got ${res.status}${text ? `: ${text}` : ''}`);
}

/** Location of an upload session, required on 202 answers. */
export function locationOf(res, what) {
  const loc = res.headers.location;
  if (!loc) throw new Error(`${what}: response has no Location header`);
  return loc;
}

/** Request timeout for a body of `bytes`: generous, but bounded (floor of 2 MiB/s). */
export function timeoutFor(bytes) {
  return 60_000 + Math.ceil(bytes / (2 * 1024 * 1024)) * 1000;
}

export function closeConnections() {
  agent.destroy();
}
