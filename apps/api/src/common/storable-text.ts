import { unstorableTextProblem } from '@berth/oci';

/**
 * PostgreSQL text (and jsonb) cannot hold a NUL character, and a lone UTF-16 surrogate is not Unicode at all:
 * a query carrying either fails inside the database, which used to surface as a 500. Every string from a
 * request is checked here before it can reach a query, so it is refused as bad input instead.
 */
export { unstorableTextProblem };

const LONE_SURROGATE_ALL = /\p{Cs}/gu;

export interface TextIssue {
  /** Dotted path into the value (`permissions.1`, a query parameter's name); empty for the value itself. */
  path: string;
  message: string;
}

/** Every string (object keys included) in a parsed JSON value, query object or parameter map that cannot be stored. */
export function unstorableTextIssues(value: unknown, path: string[] = [], issues: TextIssue[] = [], depth = 0): TextIssue[] {
  // JSON bodies nest; a bound keeps a pathological document from costing a deep recursion.
  if (depth > 64 || issues.length >= 20) return issues;
  if (typeof value === 'string') {
    const problem = unstorableTextProblem(value);
    if (problem) issues.push({ path: path.join('.'), message: problem });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => unstorableTextIssues(item, [...path, String(i)], issues, depth + 1));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const problem = unstorableTextProblem(key);
      if (problem) issues.push({ path: [...path, printable(key)].join('.'), message: `names a field that ${problem}` });
      unstorableTextIssues(item, [...path, printable(key)], issues, depth + 1);
    }
  }
  return issues;
}

/** A key or value as it can be echoed in a message: NULs shown as \0, at most 100 characters. */
export function printable(text: string): string {
  const shown = text.replace(/\u0000/g, '\\0').replace(LONE_SURROGATE_ALL, '\uFFFD');
  return shown.length > 100 ? `${shown.slice(0, 100)}…` : shown;
}
