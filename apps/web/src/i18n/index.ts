import { createI18n } from 'vue-i18n';
import en from './en.json';
import zhCN from './zh-CN.json';

const saved = typeof localStorage !== 'undefined' ? localStorage.getItem('berth.locale') : null;
const browser = typeof navigator !== 'undefined' && navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';

export const i18n = createI18n({
  legacy: false,
  locale: saved ?? browser,
  fallbackLocale: 'en',
  messages: { en, 'zh-CN': zhCN },
});

export const LOCALES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;
