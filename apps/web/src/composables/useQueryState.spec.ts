import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import { queryPage, queryText, useQueryFilter, useQueryState, withChanges } from './useQueryState';

describe('list state in the URL query', () => {
  it('reads one text value, empty when absent or repeated', () => {
    expect(queryText({ q: 'nginx' }, 'q')).toBe('nginx');
    expect(queryText({}, 'q')).toBe('');
    expect(queryText({ q: ['a', 'b'] }, 'q')).toBe('');
  });

  it('reads the page, 1 unless a positive integer', () => {
    expect(queryPage({ page: '3' })).toBe(3);
    expect(queryPage({})).toBe(1);
    expect(queryPage({ page: '0' })).toBe(1);
    expect(queryPage({ page: '-2' })).toBe(1);
    expect(queryPage({ page: 'x' })).toBe(1);
  });

  it('drops empty values and page 1, and goes back to page 1 when a filter changes', () => {
    expect(withChanges({ q: 'a', page: '4' }, { q: 'b' }, true)).toEqual({ q: 'b' });
    expect(withChanges({ q: 'a', page: '4' }, { q: 'b' }, false)).toEqual({ q: 'b', page: '4' });
    expect(withChanges({ q: 'a', sort: 'name' }, { q: '', sort: undefined, starred: false, badge: null }, true)).toEqual({});
    expect(withChanges({ q: 'a' }, { page: 2 }, true)).toEqual({ q: 'a', page: '2' });
    expect(withChanges({ q: 'a', page: '2' }, { page: 1 }, true)).toEqual({ q: 'a' });
    expect(withChanges({}, { starred: true }, true)).toEqual({ starred: 'true' });
  });
});

describe('useQueryFilter', () => {
  afterEach(() => vi.useRealTimers());

  async function mountBox(path: string) {
    let filter!: ReturnType<typeof useQueryFilter>;
    const Box = defineComponent({
      setup() {
        filter = useQueryFilter(useQueryState(), 'q', 300);
        return () => h('p', filter.text.value);
      },
    });
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: Box }] });
    await router.push(path);
    await router.isReady();
    const wrapper = mount(defineComponent({ render: () => h(RouterView) }), { global: { plugins: [router] } });
    return { router, wrapper, filter: () => filter };
  }

  it('replaces the URL once typing pauses, back to page 1, and follows the URL when it changes', async () => {
    vi.useFakeTimers();
    const { router, wrapper, filter } = await mountBox('/?q=old&page=3');
    expect(filter().text.value).toBe('old');
    const replace = vi.spyOn(router, 'replace');
    filter().typed('ng');
    filter().typed(' nginx ');
    expect(router.currentRoute.value.query).toEqual({ q: 'old', page: '3' });
    await vi.advanceTimersByTimeAsync(300);
    expect(replace).toHaveBeenCalledTimes(1);
    expect(router.currentRoute.value.query).toEqual({ q: 'nginx' });
    await router.push('/?q=redis');
    await flushPromises();
    expect(wrapper.text()).toBe('redis');
  });

  it('pushes at once on submit, and not when nothing changed', async () => {
    const { router, filter } = await mountBox('/?q=old');
    const push = vi.spyOn(router, 'push');
    filter().submit();
    expect(push).not.toHaveBeenCalled();
    filter().typed('new');
    filter().submit();
    await flushPromises();
    expect(push).toHaveBeenCalledTimes(1);
    expect(router.currentRoute.value.query).toEqual({ q: 'new' });
  });
});
