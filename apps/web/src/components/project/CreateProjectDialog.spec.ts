import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '@/api/client';
import { i18n } from '@/i18n';
import CreateProjectDialog from './CreateProjectDialog.vue';

const { post } = vi.hoisted(() => ({ post: vi.fn() }));
vi.mock('@/api/client', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/client')>()),
  api: { get: vi.fn(), post, put: vi.fn(), patch: vi.fn(), delete: vi.fn() },
}));

/** ElDialog renders its content a tick after it opens. */
async function open() {
  i18n.global.locale.value = 'en';
  const wrapper = mount(CreateProjectDialog, { props: { open: true }, global: { plugins: [i18n] } });
  await flushPromises();
  return wrapper;
}

describe('CreateProjectDialog', () => {
  beforeEach(() => {
    post.mockReset();
  });

  it('says what is wrong with the name while it is typed, and allows only a valid one', async () => {
    const wrapper = await open();
    const input = wrapper.get('[data-test="project-name"]');
    const message = () => wrapper.get('[data-test="project-name-message"]').text();
    const submit = () => wrapper.get('[data-test="project-create-submit"]');

    expect(submit().attributes('disabled')).toBeDefined();
    expect(message()).toContain('lowercase letters and digits');

    await input.setValue('Team');
    expect(message()).toBe('Use lowercase letters only.');
    expect(submit().attributes('disabled')).toBeDefined();

    await input.setValue('t');
    expect(message()).toBe('At least 2 characters.');

    await input.setValue('team-');
    expect(message()).toContain('Start and end with a letter or digit');

    await input.setValue('team a');
    expect(message()).toContain('Only lowercase letters, digits');

    await input.setValue('team-a');
    expect(wrapper.find('[data-test="project-name-ok"]').exists()).toBe(true);
    expect(submit().attributes('disabled')).toBeUndefined();
  });

  it('creates the project with its visibility and reports it', async () => {
    const project = { name: 'team', public: true };
    post.mockResolvedValue(project);
    const wrapper = await open();
    await wrapper.get('[data-test="project-name"]').setValue('team');
    await wrapper.get('[data-test="project-public"] input').setValue(true);
    await wrapper.get('[data-test="project-create-submit"]').trigger('click');
    await flushPromises();
    expect(post).toHaveBeenCalledWith('/api/v1/projects', { body: { name: 'team', public: true, description: undefined } });
    expect(wrapper.emitted('created')).toEqual([[project]]);
  });

  it('says so when the name is taken', async () => {
    post.mockRejectedValue(new ApiError(409, { code: 'CONFLICT', message: 'exists', requestId: 'r' }));
    const wrapper = await open();
    await wrapper.get('[data-test="project-name"]').setValue('library');
    await wrapper.get('[data-test="project-create-submit"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-test="project-name-message"]').text()).toBe('A project named "library" already exists.');
    expect(wrapper.get('[data-test="project-create-submit"]').attributes('disabled')).toBeDefined();
    expect(wrapper.emitted('created')).toBeUndefined();
  });
});
