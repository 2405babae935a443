import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { lastValueFrom, of } from 'rxjs';
import { ConsoleResponseInterceptor, pageLinks } from './console-response.interceptor';

/** The links of a Link header by rel, as relative URLs. */
function parseLinks(header: string): Record<string, string> {
  return Object.fromEntries(header.split(', ').map((part) => {
    const match = /^<([^>]*)>; rel="([a-z]+)"$/.exec(part);
    if (!match) throw new Error(`not a link: ${part}`);
    return [match[2], match[1]];
  }));
}

async function intercept(originalUrl: string, result: unknown): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: string) => void (headers[name] = value) };
  const context = { switchToHttp: () => ({ getRequest: () => ({ originalUrl }), getResponse: () => res }) } as unknown as ExecutionContext;
  const next: CallHandler = { handle: () => of(result) };
  expect(await lastValueFrom(new ConsoleResponseInterceptor().intercept(context, next))).toBe(result);
  return headers;
}

describe('pageLinks', () => {
  it('links first, prev, next and last around a middle page, keeping the other query parameters', () => {
    const links = parseLinks(pageLinks('/api/v1/projects?q=team&page=3&sort=-name&page_size=10', { total: 95, page: 3, pageSize: 10 }));
    expect(links).toEqual({
      first: '/api/v1/projects?q=team&page=1&sort=-name&page_size=10',
      prev: '/api/v1/projects?q=team&page=2&sort=-name&page_size=10',
      next: '/api/v1/projects?q=team&page=4&sort=-name&page_size=10',
      last: '/api/v1/projects?q=team&page=10&sort=-name&page_size=10',
    });
    expect(Object.keys(links)).toEqual(['first', 'prev', 'next', 'last']);
  });

  it('has no prev on the first page and no next on the last, and adds the paging it was given when the request had none', () => {
    expect(parseLinks(pageLinks('/api/v1/users', { total: 45, page: 1, pageSize: 20 }))).toEqual({
      first: '/api/v1/users?page=1&page_size=20',
      next: '/api/v1/users?page=2&page_size=20',
      last: '/api/v1/users?page=3&page_size=20',
    });
    expect(parseLinks(pageLinks('/api/v1/users?page=3', { total: 45, page: 3, pageSize: 20 }))).toEqual({
      first: '/api/v1/users?page=1&page_size=20',
      prev: '/api/v1/users?page=2&page_size=20',
      last: '/api/v1/users?page=3&page_size=20',
    });
  });

  it('makes an empty list one (empty) page, and sends a page past the end back to the last', () => {
    expect(parseLinks(pageLinks('/api/v1/audit', { total: 0, page: 1, pageSize: 20 }))).toEqual({
      first: '/api/v1/audit?page=1&page_size=20',
      last: '/api/v1/audit?page=1&page_size=20',
    });
    expect(parseLinks(pageLinks('/api/v1/audit?page=9&page_size=5', { total: 12, page: 9, pageSize: 5 }))).toEqual({
      first: '/api/v1/audit?page=1&page_size=5',
      prev: '/api/v1/audit?page=3&page_size=5',
      last: '/api/v1/audit?page=3&page_size=5',
    });
  });

  it('drops repeated page parameters and keeps the rest encoded', () => {
    const links = parseLinks(pageLinks('/api/v1/projects/a%2Fb/repositories?page=2&q=my%20app&page=7&tag=a&tag=b', { total: 30, page: 2, pageSize: 10 }));
    expect(links.next).toBe('/api/v1/projects/a%2Fb/repositories?page=3&q=my+app&tag=a&tag=b&page_size=10');
    expect(new URL(links.next, 'http://x').searchParams.get('q')).toBe('my app');
  });
});

describe('ConsoleResponseInterceptor', () => {
  it('forbids caching every answer', async () => {
    expect(await intercept('/api/v1/users/me', { username: 'ada' })).toEqual({ 'Cache-Control': 'no-store' });
  });

  it('adds X-Total-Count and Link to paged answers', async () => {
    const headers = await intercept('/api/v1/projects?page=2&page_size=1', { items: [{}], total: 3, page: 2, pageSize: 1 });
    expect(headers['X-Total-Count']).toBe('3');
    expect(parseLinks(headers.Link)).toEqual({
      first: '/api/v1/projects?page=1&page_size=1',
      prev: '/api/v1/projects?page=1&page_size=1',
      next: '/api/v1/projects?page=3&page_size=1',
      last: '/api/v1/projects?page=3&page_size=1',
    });
  });
});
