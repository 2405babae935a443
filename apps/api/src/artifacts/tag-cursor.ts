import { DomainError } from '../common/domain-error';
import type { TagSort } from './artifact.dto';

/**
 * The keys each tag order sorts by, unique within a repository (a name or the sort key derived from it
 * ends each list), so "after this row" is a WHERE clause instead of an OFFSET that reads every row before.
 */
export interface TagOrder {
  columns: { sql: string; type: 'text' | 'timestamptz' }[];
  direction: 'ASC' | 'DESC';
}

const NAME = { sql: 't.name COLLATE "C"', type: 'text' } as const;
const PUSHED = { sql: 't.pushed_at', type: 'timestamptz' } as const;
// Never pulled sorts as the oldest pull (NULLS FIRST ascending, LAST descending), in the index's own expression.
const PULLED = { sql: `coalesce(t.last_pulled_at, '-infinity'::timestamptz)`, type: 'timestamptz' } as const;
const SORT_KEY = { sql: 't.sort_key COLLATE "C"', type: 'text' } as const;

export const TAG_ORDERS: Record<TagSort, TagOrder> = {
  version: { columns: [SORT_KEY], direction: 'ASC' },
  '-version': { columns: [SORT_KEY], direction: 'DESC' },
  pushed_at: { columns: [PUSHED, NAME], direction: 'ASC' },
  '-pushed_at': { columns: [PUSHED, NAME], direction: 'DESC' },
  pulled_at: { columns: [PULLED, NAME], direction: 'ASC' },
  '-pulled_at': { columns: [PULLED, NAME], direction: 'DESC' },
  name: { columns: [NAME], direction: 'ASC' },
  '-name': { columns: [NAME], direction: 'DESC' },
};

/** Where a page ends: the sort it belongs to and the last row's keys, as PostgreSQL printed them (full precision). */
export interface TagCursor {
  sort: TagSort;
  keys: string[];
}

export function encodeTagCursor(cursor: TagCursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, ...cursor.keys]), 'utf8').toString('base64url');
}

// timestamptz::text in the ISO DateStyle: `2026-12-08 05:01:02.123456+00`.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:\d{2}){0,2}|Z)?$/;

/** INVALID for anything this server did not hand out for the same sort. */
export function decodeTagCursor(text: string, sort: TagSort): TagCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const order = TAG_ORDERS[sort];
  if (!Array.isArray(parsed) || parsed.length < 2 || !parsed.every((part) => typeof part === 'string')) throw invalid();
  const [from, ...keys] = parsed as string[];
  if (from !== sort) throw DomainError.invalid(`the cursor belongs to the sort order "${from.slice(0, 20)}", not "${sort}": start again without a cursor`, { cursor: text.slice(0, 100) });
  if (keys.length !== order.columns.length) throw invalid();
  order.columns.forEach((column, i) => {
    if (column.type === 'timestamptz' && keys[i] !== '-infinity' && !TIMESTAMP.test(keys[i])) throw invalid();
  });
  return { sort, keys };
}

function invalid(): DomainError {
  return DomainError.invalid('cursor is not one this server handed out (take nextCursor from a previous page)');
}
