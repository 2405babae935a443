/** The console's own translations (apps/web/src/locales), so tests look for what the page really says. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Locale } from './console';

const LOCALES = path.resolve(__dirname, '../../apps/web/src/locales');

/**
 * The message `namespace.key.path` in `locale`, with `{name}` placeholders filled from `values`.
 * Throws when the key does not exist, so a renamed key fails loudly instead of matching nothing.
 */
export function message(locale: Locale, key: string, values: Record<string, string | number> = {}): string {
  const [namespace, ...rest] = key.split('.');
  const catalogue = JSON.parse(readFileSync(path.join(LOCALES, locale, `${namespace}.json`), 'utf8')) as Record<string, unknown>;
  let node: unknown = catalogue;
  for (const part of rest) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'string') throw new Error(`no message ${key} in ${locale}`);
  // vue-i18n's plural forms are separated by `|`: the first is enough to recognise the text.
  return node.split('|')[0].trim().replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
