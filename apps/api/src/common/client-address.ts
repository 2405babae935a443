import type { IncomingMessage } from 'node:http';

/** The peer address of each request, taken when it arrived. */
const addresses = new WeakMap<IncomingMessage, string>();

/**
 * Called first thing for every request. `req.socket` does not last: a stream pipeline that fails while
 * reading the body sets it to null (Node's destroyer detaches the socket from a server request), so
 * anything that runs after the body (audit, the completion log line) must ask `clientAddress` instead.
 */
export function rememberClientAddress(req: IncomingMessage): string {
  const address = req.socket?.remoteAddress ?? '';
  addresses.set(req, address);
  return address;
}

/** The client's address, safe to call at any point of a request's life ('' when it is unknown). */
export function clientAddress(req: IncomingMessage): string {
  return addresses.get(req) ?? req.socket?.remoteAddress ?? '';
}
