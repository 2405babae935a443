/**
 * A description excerpt (the first 200 characters of a Markdown README, as the API sends it) as one
 * line of plain text: headings, emphasis, code marks, images, link targets, table pipes and rules dropped.
 */
export function plainExcerpt(markdown: string): string {
  return withoutTables(markdown)
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

/** A table's delimiter row (`|---|:--:|`, `---|---`, cut short or not), a thematic break or a setext underline. */
const RULE = /^[ \t]*(?:[|:\- \t]*-[|:\- \t]*|=+[ \t]*|[*_][ \t*_]*)$/;

/**
 * Table rows keep their cells' text and lose their pipes; delimiter rows, `---` breaks and `===` underlines
 * go. A README often opens with a table of tags, and a card showed `| tag | what |---|` for it.
 */
function withoutTables(markdown: string): string {
  const lines = markdown.split(/\r?\n/);
  const table = lines.some((line) => line.includes('|') && RULE.test(line));
  return lines
    .filter((line) => !RULE.test(line))
    .map((line) => (table || /^\s*\|/.test(line) ? line.replace(/\\\|/g, '\u0000').replace(/\s*\|\s*/g, ' ').replace(/\u0000/g, '|') : line))
    .join('\n');
}
