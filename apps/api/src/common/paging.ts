/** Lists are paged by number: `page` is 1-based. */
export interface Paging {
  page: number;
  pageSize: number;
}

/** What every list answers (the console API adds an `X-Total-Count` header). */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export function offsetOf(paging: Paging): number {
  return (paging.page - 1) * paging.pageSize;
}

/** One page of a list that is small enough to hold whole (a user's CLI secrets, a project's robots). */
export function pageOf<T>(all: T[], paging: Paging): Page<T> {
  const start = offsetOf(paging);
  return { items: all.slice(start, start + paging.pageSize), total: all.length, page: paging.page, pageSize: paging.pageSize };
}
