/**
 * Text PostgreSQL can store: its text and jsonb types hold no NUL character, and a lone UTF-16 surrogate is not
 * Unicode at all. Anything from a client or an archive that ends up in a column passes this check first.
 */

// With the u flag a surrogate pair is one code point, so only an unpaired surrogate is category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/** Why `value` cannot be stored as text, or undefined. */
export function unstorableTextProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL (\\u0000) characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode text (it has a lone UTF-16 surrogate)';
  return undefined;
}

export function isStorableText(value: string): boolean {
  return unstorableTextProblem(value) === undefined;
}
