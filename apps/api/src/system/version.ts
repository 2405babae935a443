import { readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/**
 * The version in the root package.json (`berth`), found by walking up from this file, so it reads the
 * same from the sources (tests) and from dist/ (the built server, with the package beside it).
 */
export function berthVersion(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const version = rootVersionIn(dir);
    if (version) return (cached = version);
    if (path.dirname(dir) === dir) return (cached = 'unknown');
  }
}

function rootVersionIn(dir: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
    return pkg.name === 'berth' && typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}
