import { createI18n } from 'vue-i18n';

/**
 * Catalogues are split by feature: `locales/<locale>/<namespace>.json`, used as `t('<namespace>.<key>')`.
 * Every locale must have the same keys (test: src/i18n/catalogues.spec.ts), so CI fails on a missing one.
 */
const files = import.meta.glob<Record<string, unknown>>('../locales/*/*.json', { eager: true, import: 'default' });

export const LOCALES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;
export type LocaleCode = (typeof LOCALES)[number]['code'];

export function catalogues(): Record<LocaleCode, Record<string, Record<string, unknown>>> {
  const messages = { en: {}, 'zh-CN': {} } as Record<LocaleCode, Record<string, Record<string, unknown>>>;
  for (const [file, content] of Object.entries(files)) {
    const [, locale, namespace] = /\/locales\/([^/]+)\/([^/]+)\.json$/.exec(file) ?? [];
    if (locale in messages) messages[locale as LocaleCode][namespace] = content;
  }
  return messages;
}

const STORAGE_KEY = 'berth.locale';

/** The saved choice, else the browser's language, else English. */
export function initialLocale(): LocaleCode {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  if (saved === 'en' || saved === 'zh-CN') return saved;
  const browser = typeof navigator !== 'undefined' ? navigator.language.toLowerCase() : 'en';
  return browser.startsWith('zh') ? 'zh-CN' : 'en';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: catalogues(),
  missingWarn: false,
  fallbackWarn: false,
});

/** Switches the language and remembers it in this browser. */
export function setLocale(code: LocaleCode): void {
  i18n.global.locale.value = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
}
