export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** `{os:'linux', architecture:'arm64', variant:'v8'}` -> `linux/arm64/v8` (os.version is not part of the short form). */
export function formatPlatform(platform: Pick<Platform, 'os' | 'architecture' | 'variant'>): string {
  const parts = [platform.os, platform.architecture];
  if (platform.variant) parts.push(platform.variant);
  return parts.join('/');
}

const PART = /^[a-z0-9._-]+$/;

/**
 * `linux/amd64` or `linux/arm64/v8` -> Platform; null when the text is not `os/arch[/variant]`.
 * Null rather than a throw: callers (console filters, CLI flags) report their own error.
 */
export function parsePlatform(text: string): Platform | null {
  if (typeof text !== 'string') return null;
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((part) => PART.test(part))) return null;
  const [os, architecture, variant] = parts;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}
