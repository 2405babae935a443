import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';

/** The client address of each request, taken when it arrived. */
const addresses = new WeakMap<IncomingMessage, string>();

/**
 * Called first thing for every request, after the trusted-proxy setting is in place: the forwarded client
 * from a trusted proxy (Express's `req.ip`, see `api/trusted-proxies.ts`), else the socket's peer.
 * `req.socket` does not last: a stream pipeline that fails while reading the body sets it to null (Node's
 * destroyer detaches the socket from a server request), so anything that runs after the body (audit, the
 * completion log line) must ask `clientAddress` instead.
 */
export function rememberClientAddress(req: IncomingMessage): string {
  let address: string | undefined;
  try {
    address = (req as Partial<Request>).ip;
  } catch {
    // Not an Express request (or its socket is already gone): the peer address is all there is.
  }
  address ??= req.socket?.remoteAddress ?? '';
  addresses.set(req, address);
  return address;
}

/** The client's address, safe to call at any point of a request's life ('' when it is unknown). */
export function clientAddress(req: IncomingMessage): string {
  return addresses.get(req) ?? req.socket?.remoteAddress ?? '';
}
