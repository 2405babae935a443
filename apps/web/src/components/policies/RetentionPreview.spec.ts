import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { RetentionRunRepository } from '@/api/types';
import { i18n } from '@/i18n';
import RetentionPreview from './RetentionPreview.vue';

const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:rest(.*)*', component: { template: '<div />' } }] });

const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
const artifacts = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ digest: digest(from + i), tags: [`v${from + i}`], pushedAt: '2024-01-01T00:00:00Z', pulledAt: null }));

function render(repositories: RetentionRunRepository[], locale: 'en' | 'zh-CN' = 'en', dryRun = true) {
  i18n.global.locale.value = locale;
  return mount(RetentionPreview, { props: { repositories, dryRun }, global: { plugins: [router, i18n] } });
}

describe('RetentionPreview', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en';
  });

  it('pages a long preview (348 artifacts) 50 rows at a time, naming the repository of each page and the totals of all', async () => {
    const wrapper = render([
      { repository: 'team/app', bytesFreed: 976, artifacts: artifacts(0, 300), spared: [] },
      { repository: 'team/web', bytesFreed: 48, artifacts: artifacts(300, 48), spared: [] },
    ]);
    expect(wrapper.findAll('[data-test="retention-preview-artifact"]')).toHaveLength(50);
    expect(wrapper.get('[data-test="retention-preview-summary"]').text()).toBe('Would be deleted: 348 artifacts, 1 KiB');
    expect(wrapper.get('[data-test="retention-preview-total"]').text()).toContain('348 artifacts');
    const pager = wrapper.get('[data-test="retention-preview-pager"]');
    expect(pager.findAll('.el-pager li').at(-1)?.text()).toBe('7');

    await pager.findAll('.el-pager li').at(-1)!.trigger('click');
    const rows = wrapper.findAll('[data-test="retention-preview-artifact"]');
    expect(rows.map((r) => r.attributes('data-digest'))).toEqual(artifacts(300, 48).map((a) => a.digest));
    expect(wrapper.findAll('[data-test="retention-preview-repository"]').map((g) => g.attributes('data-repository'))).toEqual(['team/web']);

    // A repository running over a page boundary is named again, marked as continued.
    await wrapper.get('[data-test="retention-preview-pager"]').findAll('.el-pager li')[1].trigger('click');
    const group = wrapper.get('[data-test="retention-preview-repository"]');
    expect(group.attributes('data-repository')).toBe('team/app');
    expect(group.get('.repo-row').text()).toContain('300 artifacts');
    expect(group.get('.repo-row').text()).toContain('continued');
  });

  it('says the grace window, not the rules, kept everything when that is the reason, and lists what it spared', () => {
    const wrapper = render([{ repository: 'team/app', bytesFreed: 0, artifacts: [], spared: artifacts(0, 3) }]);
    const empty = wrapper.get('[data-test="retention-preview-empty"]').text();
    expect(empty).not.toContain('the rules keep every artifact.');
    expect(empty).toContain("the 3 artifacts they do not keep were pushed within garbage collection's grace window");
    const spared = wrapper.get('[data-test="retention-preview-spared"]');
    expect(spared.findAll('[data-test="retention-preview-spared-artifact"]').map((r) => r.attributes('data-digest'))).toEqual(artifacts(0, 3).map((a) => a.digest));
    expect(spared.text()).toContain('Spared for now: pushed too recently');
  });

  it('says it in Chinese too, and still says "the rules keep every artifact" when nothing was spared', () => {
    const zh = render([{ repository: 'team/app', bytesFreed: 0, artifacts: [], spared: artifacts(0, 2) }], 'zh-CN');
    expect(zh.get('[data-test="retention-preview-empty"]').text()).toBe('目前不会删除任何内容，但并非因为规则保留了所有制品：规则未保留的 2 个制品是在垃圾回收保护期内推送的，要等它们超过保护期后才会处理。');
    expect(zh.get('[data-test="retention-preview-spared"] h3').text()).toBe('暂时保留：推送时间太近');
    const none = render([], 'en');
    expect(none.get('[data-test="retention-preview-empty"]').text()).toBe('Nothing would be deleted: the rules keep every artifact.');
    expect(none.find('[data-test="retention-preview-spared"]').exists()).toBe(false);
  });

  it('shows both when a run deletes some and spares others', () => {
    const wrapper = render([{ repository: 'team/app', bytesFreed: 10, artifacts: artifacts(0, 2), spared: artifacts(2, 1) }], 'en', false);
    expect(wrapper.get('[data-test="retention-preview-summary"]').text()).toBe('Deleted: 2 artifacts, 10 B');
    expect(wrapper.findAll('[data-test="retention-preview-spared-artifact"]')).toHaveLength(1);
  });
});
