import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { i18n } from '@/i18n';
import { setSessionForTest } from '@/stores/session';
import NotFoundPage from './NotFoundPage.vue';

const Stub = defineComponent({ render: () => h('p', 'stub') });

async function visit(path: string, locale: 'en' | 'zh-CN' = 'en') {
  i18n.global.locale.value = locale;
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: Stub },
      { path: '/login', name: 'login', component: Stub },
      { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundPage },
    ],
  });
  await router.push(path);
  await router.isReady();
  const wrapper = mount(NotFoundPage, { global: { plugins: [router, i18n] } });
  await flushPromises();
  return { wrapper, router };
}

describe('NotFoundPage', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en';
  });

  it('offers someone signed out to sign in and come back to the same address (a private project looks "not found")', async () => {
    setSessionForTest(null);
    const { wrapper, router } = await visit('/projects/team/repositories/app/-/tags?q=v1&sort=name');
    expect(wrapper.find('h1').text()).toBe('Sign in to see this page');
    const link = wrapper.find('[data-test="not-found-sign-in"]');
    expect(router.resolve(link.attributes('href')!).query.next).toBe('/projects/team/repositories/app/-/tags?q=v1&sort=name');
    expect(link.attributes('href')).toMatch(/^\/login\?next=/);
  });

  it('says the same in Chinese', async () => {
    setSessionForTest(null);
    const { wrapper } = await visit('/projects/secret', 'zh-CN');
    expect(wrapper.find('h1').text()).toBe('登录后查看此页面');
    expect(wrapper.find('[data-test="not-found-sign-in"]').text()).toBe('登录');
  });

  it('offers no sign-in to someone signed in', async () => {
    setSessionForTest({ id: '1', username: 'ann', email: null, displayName: null, isAdmin: false });
    const { wrapper } = await visit('/projects/secret');
    expect(wrapper.find('h1').text()).toBe('Page not found');
    expect(wrapper.find('[data-test="not-found-sign-in"]').exists()).toBe(false);
  });
});
