import { describe, expect, it } from 'vitest';
import { freeableByTags, readTagQuery, writeTagQuery } from './tagQuery';

describe('tag list URL state', () => {
  it('reads what is valid and falls back on the rest', () => {
    expect(readTagQuery({ q: 'alp', variant: 'alpine', sort: '-version', page: '3', page_size: '500' })).toEqual({ q: 'alp', variant: 'alpine', sort: '-version', page: 3, pageSize: 100 });
    expect(readTagQuery({ sort: 'size; drop table', page: '-1', page_size: 'x' })).toEqual({ q: '', variant: '', sort: '-pushed_at', page: 1, pageSize: 20 });
  });

  it('writes only what differs from the defaults', () => {
    expect(writeTagQuery({ q: '', variant: '', sort: '-pushed_at', page: 1, pageSize: 20 })).toEqual({});
    expect(writeTagQuery({ q: '1.2', variant: 'slim', sort: 'name', page: 2, pageSize: 50 })).toEqual({ q: '1.2', variant: 'slim', sort: 'name', page: '2', page_size: '50' });
  });
});

describe('freeableByTags', () => {
  it('counts an artifact only when every one of its tags is being deleted', () => {
    const artifacts = [
      { tags: ['latest', '1.0'], freeableBytes: 100 },
      { tags: ['0.9', 'keep'], freeableBytes: 50 },
      { tags: ['0.8'], freeableBytes: 7 },
    ];
    expect(freeableByTags(new Set(['latest', '1.0', '0.9', '0.8']), artifacts)).toEqual({ images: 2, bytes: 107 });
    expect(freeableByTags(new Set(['latest']), artifacts)).toEqual({ images: 0, bytes: 0 });
  });
});
