import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './client';
import { importUrl, uploadArchive } from './upload';

/** A stand-in XMLHttpRequest that records what is sent and answers when told. */
class FakeXhr {
  static last: FakeXhr;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = '';
  withCredentials = false;
  upload: { onprogress?: (e: { loaded: number; total: number; lengthComputable: boolean }) => void } = {};
  onload?: () => void;
  onerror?: () => void;
  onabort?: () => void;
  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  answer(status: number, json: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(json);
    this.onload?.();
  }
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'berth_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

describe('uploadArchive', () => {
  it('POSTs the file as the body with the CSRF token, reports progress, and resolves with the job', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    document.cookie = 'berth_csrf=tok%2B1';
    const file = new File([new Uint8Array(10)], 'app.tar');
    const progress: unknown[] = [];
    const done = uploadArchive('team a', file, { repository: ' app ', tag: '' }, (p) => progress.push(p));
    const xhr = FakeXhr.last;
    expect([xhr.method, xhr.url, xhr.body]).toEqual(['POST', '/api/v1/projects/team%20a/imports?repository=app', file]);
    expect(xhr.headers).toMatchObject({ 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': 'tok+1' });
    xhr.upload.onprogress?.({ loaded: 4, total: 10, lengthComputable: true });
    xhr.answer(202, { id: 'j', status: 'importing' });
    await expect(done).resolves.toEqual({ id: 'j', status: 'importing' });
    expect(progress).toEqual([{ sent: 4, total: 10 }, { sent: 10, total: 10 }]);
  });

  it("rejects with the server's error", async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const done = uploadArchive('team', new File(['x'], 'a.tar'), {}, () => undefined);
    FakeXhr.last.answer(400, { code: 'INVALID', message: 'not a tar archive', requestId: 'r' });
    const err = await done.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe('not a tar archive');
  });

  it('builds the import address with the optional target', () => {
    expect(importUrl('team', { repository: 'app', tag: '1.0' })).toBe('/api/v1/projects/team/imports?repository=app&tag=1.0');
    expect(importUrl('team')).toBe('/api/v1/projects/team/imports');
    expect(importUrl('team', { repository: 'team/app', onlyUnnamed: true })).toBe('/api/v1/projects/team/imports?repository=team%2Fapp&only_unnamed=true');
  });
});
