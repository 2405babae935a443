import type { AddressInfo } from 'node:net';
import express from 'express';
import { clientAddress, rememberClientAddress } from '../common/client-address';
import { trustProxies } from './trusted-proxies';

/** A real Express app on loopback answering what it believes: the client's address and scheme. */
async function serve(proxies: string[], warn: (message: string) => void = () => undefined) {
  const app = express();
  trustProxies(app, proxies, warn);
  // As the request logging middleware does for the server: the address is taken once, on arrival.
  app.use((req, _res, next) => {
    rememberClientAddress(req);
    next();
  });
  app.get('/', (req, res) => void res.json({ ip: clientAddress(req), secure: req.secure }));
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const ask = async (headers: Record<string, string> = {}) => (await (await fetch(url, { headers })).json()) as { ip: string; secure: boolean };
  return { ask, close: () => new Promise((r) => server.close(r)) };
}

describe('trusted proxies', () => {
  it('ignores forwarding headers when no proxy is trusted, and says so once in the log', async () => {
    const warn = jest.fn();
    const app = await serve([], warn);
    try {
      expect(await app.ask({ 'X-Forwarded-For': '198.51.100.1', 'X-Forwarded-Proto': 'https' })).toEqual({ ip: '127.0.0.1', secure: false });
      expect(await app.ask({ Forwarded: 'for=198.51.100.2;proto=https' })).toEqual({ ip: '127.0.0.1', secure: false });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/BERTH_TRUSTED_PROXIES is not set/);
    } finally {
      await app.close();
    }
  });

  it('believes a trusted proxy: X-Forwarded-For from the right, X-Forwarded-Proto, and RFC 7239 Forwarded', async () => {
    const app = await serve(['loopback']);
    try {
      expect(await app.ask()).toEqual({ ip: '127.0.0.1', secure: false });
      expect(await app.ask({ 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https' })).toEqual({ ip: '203.0.113.9', secure: true });
      // A client's own forged entry sits left of what the trusted proxy appended: the walk stops at the first untrusted hop.
      expect((await app.ask({ 'X-Forwarded-For': '10.9.9.9, 203.0.113.9' })).ip).toBe('203.0.113.9');
      expect((await app.ask({ 'X-Forwarded-For': '203.0.113.9, 127.0.0.1' })).ip).toBe('203.0.113.9');
      expect(await app.ask({ Forwarded: 'for="[2001:db8::7]:4711";proto=https' })).toEqual({ ip: '2001:db8::7', secure: true });
      expect((await app.ask({ Forwarded: 'for="192.0.2.60:8080", for=127.0.0.1' })).ip).toBe('192.0.2.60');
      // RFC 7239 wants a port quoted: unquoted, the header is malformed and forwards nothing.
      expect((await app.ask({ Forwarded: 'for=192.0.2.60:8080' })).ip).toBe('127.0.0.1');
      // X-Forwarded-For wins when a proxy sends both; nonsense or obfuscated nodes forward nothing.
      expect((await app.ask({ 'X-Forwarded-For': '203.0.113.1', Forwarded: 'for=203.0.113.2' })).ip).toBe('203.0.113.1');
      expect((await app.ask({ Forwarded: 'for=unknown' })).ip).toBe('127.0.0.1');
      expect((await app.ask({ Forwarded: 'for=_hidden, for=198.51.100.3' })).ip).toBe('127.0.0.1');
      expect((await app.ask({ Forwarded: 'for=;;;' })).ip).toBe('127.0.0.1');
    } finally {
      await app.close();
    }
  });

  it('does not believe a proxy outside the list', async () => {
    const app = await serve(['10.0.0.0/8']);
    try {
      expect(await app.ask({ 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https', Forwarded: 'for=203.0.113.8;proto=https' })).toEqual({ ip: '127.0.0.1', secure: false });
    } finally {
      await app.close();
    }
  });
});
