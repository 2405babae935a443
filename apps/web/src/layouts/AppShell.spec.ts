import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { i18n } from '@/i18n';
import { setSessionForTest } from '@/stores/session';
import AppShell from './AppShell.vue';

const Stub = defineComponent({ render: () => h('p') });

async function mountShell(locale: 'en' | 'zh-CN') {
  i18n.global.locale.value = locale;
  setSessionForTest(null);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: ['home', 'projects', 'login', 'signup', 'account', 'admin-users'].map((name) => ({ path: `/${name === 'home' ? '' : name}`, name, component: Stub })),
  });
  await router.push('/');
  const wrapper = mount(AppShell, { global: { plugins: [router, i18n] } });
  await flushPromises();
  return wrapper;
}

describe('AppShell', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en';
  });

  it('says "Skip to content" in the reader\'s language', async () => {
    expect((await mountShell('en')).get('[data-test="skip-link"]').text()).toBe('Skip to content');
    const zh = await mountShell('zh-CN');
    expect(zh.get('[data-test="skip-link"]').text()).toBe('跳到主要内容');
    expect(zh.get('[data-test="skip-link"]').attributes('href')).toBe('#main');
  });
});
