import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { i18n, setLocale } from '@/i18n';
import LanguageSwitch from './LanguageSwitch.vue';

describe('switching the language', () => {
  afterEach(() => {
    setLocale('en');
    localStorage.clear();
  });

  it('re-renders translated text and remembers the choice in localStorage', async () => {
    setLocale('en');
    localStorage.clear();
    const wrapper = mount(LanguageSwitch, { global: { plugins: [i18n] } });
    expect(wrapper.find('h2').text()).toBe('Language');

    setLocale('zh-CN');
    await nextTick();
    expect(wrapper.find('h2').text()).toBe('语言');
    expect(wrapper.find('[data-test="language-help"]').text()).toBe('本浏览器中控制台使用的语言。');
    expect(localStorage.getItem('berth.locale')).toBe('zh-CN');
    expect(document.documentElement.lang).toBe('zh-CN');
  });

  it('switches when the user picks a language', async () => {
    setLocale('zh-CN');
    const wrapper = mount(LanguageSwitch, { global: { plugins: [i18n] } });
    await wrapper.find('[data-test="language-en"]').setValue(true);
    expect(wrapper.find('h2').text()).toBe('Language');
    expect(localStorage.getItem('berth.locale')).toBe('en');
    expect((wrapper.find('[data-test="language-en"]').element as HTMLInputElement).checked).toBe(true);
  });
});
