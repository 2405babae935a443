import { z } from 'zod';
import type { Page, Paging } from '../common/paging';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../identity/user.service';

/** `page` (1-based) and `page_size` as they come in a query string; spread into a list's query schema. */
export const pageFields = {
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
};

/** `{ page, page_size, ...filters }` -> `{ page, pageSize, ...filters }` for the services. */
export function toPaging<T extends { page: number; page_size: number }>({ page, page_size, ...rest }: T): Omit<T, 'page' | 'page_size'> & Paging {
  return { ...rest, page, pageSize: page_size };
}

export const PageQuery = z.object(pageFields).transform(toPaging);
export type PageQuery = z.output<typeof PageQuery>;

export function isPage(value: unknown): value is Page<unknown> {
  return typeof value === 'object' && value !== null && Array.isArray((value as Page<unknown>).items) && typeof (value as Page<unknown>).total === 'number';
}
