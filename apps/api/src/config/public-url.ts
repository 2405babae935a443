import type { BerthConfig } from './config';

/**
 * Where clients reach this Berth: BERTH_PUBLIC_URL when set, else the scheme and Host the request came
 * to (X-Forwarded-Proto counts only where Express trusts the proxy), so a token realm or a `docker login`
 * host points at the Berth that answered. A Host that smuggles in a path, credentials or a query is not
 * a host: then localhost:PORT.
 */
export function publicBaseUrl(config: Pick<BerthConfig, 'publicUrl' | 'publicUrlConfigured' | 'port'>, protocol: string, host: string | undefined): URL {
  if (config.publicUrlConfigured) return new URL(config.publicUrl);
  const fallback = new URL(`http://localhost:${config.port}`);
  if (!host) return fallback;
  try {
    const url = new URL(`${protocol}://${host}`);
    return url.pathname === '/' && !url.username && !url.password && !url.search && !url.hash ? url : fallback;
  } catch {
    return fallback;
  }
}

/** The same, as text without a trailing slash (BERTH_PUBLIC_URL exactly as configured). */
export function publicBase(config: Pick<BerthConfig, 'publicUrl' | 'publicUrlConfigured' | 'port'>, protocol: string, host: string | undefined): string {
  if (config.publicUrlConfigured) return config.publicUrl;
  return publicBaseUrl(config, protocol, host).href.replace(/\/+$/, '');
}
