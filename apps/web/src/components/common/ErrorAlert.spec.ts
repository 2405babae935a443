import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '@/api/client';
import { i18n } from '@/i18n';
import ErrorAlert from './ErrorAlert.vue';

function render(error: unknown, locale: 'en' | 'zh-CN' = 'en') {
  i18n.global.locale.value = locale;
  return mount(ErrorAlert, { props: { error }, global: { plugins: [i18n] } });
}

const immutable = () =>
  new ApiError(409, {
    code: 'PRECONDITION',
    message: 'tag v1.0.0 is immutable (rule 3: repositories "**", tags "v*.*.*")',
    details: { reason: 'TAG_IMMUTABLE', tag: 'v1.0.0', rule: '3' },
    requestId: 'r',
  });

const invalid = (message: string, issues: { path: string; message: string }[]) => new ApiError(400, { code: 'INVALID', message, details: { issues }, requestId: 'r' });

describe('ErrorAlert', () => {
  afterEach(() => {
    i18n.global.locale.value = 'en';
  });

  it('says a known refusal in Chinese from its reason, filled with the tag and rule, and keeps the server words as the detail', () => {
    const wrapper = render(immutable(), 'zh-CN');
    expect(wrapper.get('[data-test="error-message"]').text()).toBe('标签 v1.0.0 不可变（规则 3），不能删除或移动。请先在项目的“不可变标签”页停用该规则。');
    expect(wrapper.get('[data-test="error-detail"]').text()).toBe('服务器消息: tag v1.0.0 is immutable (rule 3: repositories "**", tags "v*.*.*")');
    expect(wrapper.text()).not.toContain('Something went wrong');
  });

  it('says any other error by its code in the reader\'s language', () => {
    const wrapper = render(new ApiError(409, { code: 'CONFLICT', message: 'import j is importing', requestId: 'r' }), 'zh-CN');
    expect(wrapper.get('[data-test="error-message"]').text()).toBe('与已存在或正在进行的内容冲突。');
    expect(wrapper.get('[data-test="error-detail"]').text()).toContain('import j is importing');
    expect(wrapper.get('strong').text()).toBe('出错了');
  });

  it('gives the request id of a server fault instead of its generic message', () => {
    const wrapper = render(new ApiError(500, { code: 'INTERNAL', message: 'internal server error', requestId: 'req-42' }), 'zh-CN');
    expect(wrapper.get('[data-test="error-message"]').text()).toContain('服务器执行此操作时出错');
    expect(wrapper.get('[data-test="error-request-id"]').text()).toBe('请求 ID：req-42');
    expect(wrapper.find('[data-test="error-detail"]').exists()).toBe(false);
  });

  it('every code the API answers has a catalogue key in every language', () => {
    for (const code of ['INVALID', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PRECONDITION', 'QUOTA', 'TOO_MANY_REQUESTS', 'INTERNAL']) {
      for (const locale of ['en', 'zh-CN'] as const) expect([locale, code, i18n.global.te(`errors.code.${code}`, locale)]).toEqual([locale, code, true]);
    }
  });

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
