import type { Express, NextFunction, Request, Response } from 'express';
import parseForwarded from 'forwarded-parse';
import proxyAddr from 'proxy-addr';

/**
 * Tells Express whose forwarding headers to believe (BERTH_TRUSTED_PROXIES, validated at boot). With
 * `trust proxy` set, `req.ip` is the client a trusted proxy forwarded for (X-Forwarded-For, right to left,
 * stopping at the first address that is not a trusted proxy) and `req.protocol`/`req.secure` follow
 * X-Forwarded-Proto. The login throttle, the audit log and the Secure cookie flag all read those, so a
 * client cannot forge its address or scheme, and behind a proxy one client is not everyone.
 */
export function trustProxies(server: Express, proxies: string[], warn: (message: string) => void = () => undefined): void {
  server.set('trust proxy', proxies.length ? proxies : false);
  if (proxies.length) server.use(forwardedHeader(proxyAddr.compile(proxies)));
  else server.use(untrustedForwardingOnce(warn));
}

/**
 * Forwarding headers with no proxy trusted: most likely Berth sits behind a proxy nobody told it about,
 * and every client shares the proxy's address in the login throttle. Said once per process, in the log.
 */
function untrustedForwardingOnce(warn: (message: string) => void) {
  let warned = false;
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!warned && (req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined)) {
      warned = true;
      warn(
        `a request from ${req.socket.remoteAddress} carries X-Forwarded-For/Forwarded, but BERTH_TRUSTED_PROXIES is not set: ` +
          'the header is ignored, so behind a reverse proxy every client counts as the proxy in the login throttle and the audit log',
      );
    }
    next();
  };
}

/**
 * RFC 7239 `Forwarded` for proxies that send only that: read as X-Forwarded-For/-Proto, so Express's
 * one trust walk applies to both. Only from a trusted proxy, and only when it sent no X-Forwarded-For.
 */
function forwardedHeader(trusted: (address: string, hop: number) => boolean) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.headers.forwarded;
    if (!header || req.headers['x-forwarded-for'] !== undefined || !trusted(req.socket.remoteAddress ?? '', 0)) return next();
    try {
      const elements = parseForwarded(header);
      const fors = elements.map((e) => e.for && nodeAddress(e.for));
      if (fors.length && fors.every((f) => f)) req.headers['x-forwarded-for'] = fors.join(', ');
      const proto = elements.at(-1)?.proto;
      if (proto && req.headers['x-forwarded-proto'] === undefined) req.headers['x-forwarded-proto'] = proto;
    } catch {
      // A malformed Forwarded header forwards nothing: the proxy's own address is the client.
    }
    next();
  };
}

/** `"[2001:db8::1]:4711"` -> `2001:db8::1`, `192.0.2.1:80` -> `192.0.2.1`; obfuscated names (`_hidden`, `unknown`) -> undefined. */
function nodeAddress(node: string): string | undefined {
  const v6 = /^\[([0-9a-f:.]+)\](?::\d+)?$/i.exec(node);
  if (v6) return v6[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?$/.exec(node);
  return v4?.[1];
}
