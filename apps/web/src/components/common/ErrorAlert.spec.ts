import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { ApiError } from '@/api/client';
import { i18n } from '@/i18n';
import ErrorAlert from './ErrorAlert.vue';

function render(error: unknown) {
  i18n.global.locale.value = 'en';
  return mount(ErrorAlert, { props: { error }, global: { plugins: [i18n] } });
}

const invalid = (message: string, issues: { path: string; message: string }[]) => new ApiError(400, { code: 'INVALID', message, details: { issues }, requestId: 'r' });

describe('ErrorAlert', () => {
  it("shows the server's message", () => {
    const wrapper = render(new ApiError(409, { code: 'CONFLICT', message: 'import j is importing', requestId: 'r' }));
    expect(wrapper.get('[role="alert"]').text()).toContain('import j is importing');
    expect(wrapper.find('[data-test="error-issues"]').exists()).toBe(false);
  });

  it('lists the issues of an INVALID answer, with their path unless the text starts with it', () => {
    const wrapper = render(
      invalid('invalid body', [
        { path: 'name', message: 'must be at least 2 characters' },
        { path: 'images', message: 'images.1: there is no image 5' },
        { path: '', message: 'something about the whole body' },
      ]),
    );
    expect(wrapper.get('[role="alert"]').text()).toContain('invalid body');
    expect(wrapper.findAll('[data-test="error-issues"] li').map((li) => li.text())).toEqual(['name: must be at least 2 characters', 'images.1: there is no image 5', 'something about the whole body']);
  });

  it('leaves out an issue that only repeats the message (a service error naming its field)', () => {
    const wrapper = render(invalid('the username is taken', [{ path: 'username', message: 'the username is taken' }]));
    expect(wrapper.get('[role="alert"]').text()).toContain('the username is taken');
    expect(wrapper.find('[data-test="error-issues"]').exists()).toBe(false);
  });
});
