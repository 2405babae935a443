import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionGuardOptions {
  /** Headers must be complete this long after a request began (Node's headersTimeout: a total, for slowloris). */
  headersTimeoutMs: number;
  /** A body that gets no byte for this long while the server is waiting for it is cut off with 408. */
  bodyIdleTimeoutMs: number;
  /** After answering early, how long the rest of a body is still read and dropped before the connection is closed. */
  lingerMs?: number;
  /** Told when a body is cut off (for the log). */
  onBodyTimeout?: (req: IncomingMessage) => void;
}

const DEFAULT_LINGER_MS = 2_000;

/**
 * Bounds what a slow or stalled client can hold, without cutting off a large upload that is still moving:
 *
 * - headers: Node's own total timeout, checked often enough to matter (its default check runs every 30 s);
 * - bodies: an inactivity timeout, not a total one. It runs only while the server is waiting for the client
 *   (nothing the client sent is waiting to be read), so a busy disk or a slow handler never counts against it;
 * - a response sent before its request body has arrived (401 to an anonymous upload, a refused import, a
 *   full disk) says `Connection: close`; the connection then reads and drops the rest for a short while,
 *   so the client can read the answer instead of meeting a reset, and is closed: nothing keeps reading an
 *   unwanted body for ever, and nothing leaves a client blocked on a body no one reads.
 *
 * Installed on the server before any request handler, so it sees every request first.
 */
export function guardConnections(server: Server, options: ConnectionGuardOptions): void {
  const lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  server.headersTimeout = options.headersTimeoutMs;
  // Read when the server starts listening (not in @types/node): a check often enough that the timeout is not 30 s late.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(100, Math.min(1_000, Math.floor(options.headersTimeoutMs / 4)));
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!hasBody(req) || req.complete) return;
    watchBodyIdle(req, res, options);
    closeIfAnsweredEarly(req, res, lingerMs);
  });
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/** 408 (when nothing was answered yet) and the connection closed, when the client stops sending a body. */
function watchBodyIdle(req: IncomingMessage, res: ServerResponse, options: ConnectionGuardOptions): void {
  const socket = req.socket;
  let lastRead = socket.bytesRead;
  const timer = setTimeout(function check() {
    if (req.complete || socket.destroyed) return;
    const read = socket.bytesRead;
    // Bytes arrived since the last look, or bytes wait for the handler: the client is not the one stalling.
    if (read !== lastRead || req.readableLength > 0) {
      lastRead = read;
      timer.refresh();
      return;
    }
    options.onBodyTimeout?.(req);
    if (!res.headersSent) {
      const message = `no part of the request body arrived for ${Math.round(options.bodyIdleTimeoutMs / 1000)} s\n`;
      socket.end(
        `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
      );
    }
    // Closed once the 408 is out; the handler still reading the body then sees its client go away, as when it hangs up.
    socket.destroySoon();
  }, options.bodyIdleTimeoutMs);
  timer.unref();
  const stop = () => clearTimeout(timer);
  req.once('end', stop);
  req.once('close', stop);
  res.once('close', stop);
}

/**
 * A response that starts before its request body has all arrived ends the connection: `Connection: close`
 * is set while the headers can still change, and once the answer is sent the rest of the body is read and
 * dropped for at most `lingerMs` before the socket is closed.
 */
function closeIfAnsweredEarly(req: IncomingMessage, res: ServerResponse, lingerMs: number): void {
  const socket = req.socket;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (!req.complete && !this.headersSent) {
      this.setHeader('Connection', 'close');
      // Node ends a `Connection: close` response with socket.destroySoon(): instead, linger.
      socket.destroySoon = () => linger(req, socket, lingerMs);
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as typeof res.writeHead;
  res.once('close', () => {
    res.writeHead = writeHead;
  });
}

/** Sends FIN after the answer, drops whatever else the client sends, and closes when it does or after `lingerMs`. */
function linger(req: IncomingMessage, socket: Socket, lingerMs: number): void {
  // A body a handler stopped reading half-way would hold the client blocked: read it to nowhere. Read, not
  // resume(): a stream that was consumed through an async iterator keeps a 'readable' listener, and resume() then does nothing.
  if (!req.destroyed) {
    const drop = () => {
      while (req.read() !== null);
    };
    req.on('readable', drop);
    drop();
  }
  if (socket.writable) socket.end();
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
