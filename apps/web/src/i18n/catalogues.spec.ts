import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogues, i18n, LOCALES } from './index';

/** Every leaf key of a catalogue, dotted. */
function keysOf(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => keysOf(child, prefix ? `${prefix}.${key}` : key));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name: string) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(vue|ts)$/.test(name) && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('translation catalogues', () => {
  const messages = catalogues();

  it('has the same keys in every language, and no empty text', () => {
    const english = keysOf(messages.en).sort();
    expect(english.length).toBeGreaterThan(50);
    for (const { code } of LOCALES) {
      expect(keysOf(messages[code]).sort()).toEqual(english);
      for (const key of english) {
        const text = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], messages[code]);
        expect([code, key, typeof text === 'string' && text.trim().length > 0]).toEqual([code, key, true]);
      }
    }
  });

  it('has only messages that compile (a literal { or @ must be written {\'{\'} or {\'@\'})', () => {
    const broken: string[] = [];
    for (const { code } of LOCALES) {
      for (const key of keysOf(messages[code])) {
        try {
          i18n.global.t(key, {}, { locale: code });
        } catch (err) {
          broken.push(`${code} ${key}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('has singular and plural forms for every English count of things ("1 layer", not "1 layers")', () => {
    const english = keysOf(messages.en);
    const text = (key: string) => key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], messages.en) as string;
    // "{n} layers", "{n} tags selected": a count followed by a plural noun; "at most {n} rules" is a fixed limit, never 1.
    const unpaired = english.filter((key) => /\{(n|count|total)\} [a-z]+s\b/.test(text(key)) && !/at most \{n\}/.test(text(key)) && !text(key).includes(' | '));
    expect(unpaired).toEqual([]);
  });

  it('has every key the code uses literally (t("ns.key"))', () => {
    const english = new Set(keysOf(messages.en));
    const prefixes = new Set([...english].flatMap((key) => key.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
    const missing: string[] = [];
    for (const file of sourceFiles(join(__dirname, '..'))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) {
        if (!english.has(match[1])) missing.push(`${file.split('/src/')[1]}: ${match[1]}`);
      }
      // Template keys like t(`help.step.${key}`) must at least name an existing prefix.
      for (const match of text.matchAll(/\bt\(\s*`([a-zA-Z0-9_.]+)\.\$\{/g)) {
        if (!prefixes.has(match[1])) missing.push(`${file.split('/src/')[1]}: ${match[1]}.*`);
      }
    }
    expect(missing).toEqual([]);
  });
});
