/**
 * A description excerpt (the first 200 characters of a Markdown README, as the API sends it) as one
 * line of plain text: headings, emphasis, code marks, images and link targets dropped.
 */
export function plainExcerpt(markdown: string): string {
  return markdown
    .replace(/!\[([^\]]*)\]\([^)]*\)?/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)?/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+/gm, '')
    .replace(/```[^\n]*|`+|~~/g, '')
    // Emphasis marks only where they open or close a word, so snake_case names survive.
    .replace(/(^|[\s(])[*_]{1,3}(?=\S)/gm, '$1')
    .replace(/(\S)[*_]{1,3}(?=[\s).,;:!?]|$)/gm, '$1')
    .replace(/<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
