import { describe, expect, it } from 'vitest';
import { plainExcerpt } from './plain-excerpt';

describe('plainExcerpt', () => {
  it('turns the start of a README into one line of text', () => {
    expect(plainExcerpt('# Team API\n\nThe **HTTP** API, see [the docs](https://x.test/docs) and `curl`.\n\n- fast\n- small')).toBe('Team API The HTTP API, see the docs and curl. fast small');
  });

  it('keeps a link text cut off by the 200-character limit', () => {
    expect(plainExcerpt('Read [the gui')).toBe('Read [the gui');
    expect(plainExcerpt('![logo](https://x.test/logo.png) Nginx')).toBe('logo Nginx');
  });

  it('leaves snake_case names and lone asterisks alone', () => {
    expect(plainExcerpt('Runs my_app_name with *emphasis*, _this_ and 2 * 3')).toBe('Runs my_app_name with emphasis, this and 2 * 3');
  });

  it('keeps the text of a table and drops its pipes and delimiter row, also when cut short', () => {
    expect(plainExcerpt('# Web\n\n| tag | what |\n|---|---|\n| latest | newest build |')).toBe('Web tag what latest newest build');
    expect(plainExcerpt('Tags:\n\n| tag | what |\n|:--|--')).toBe('Tags: tag what');
    expect(plainExcerpt('tag | what\n---|---\nlatest | a \\| b')).toBe('tag what latest a | b');
  });

  it('drops thematic breaks and setext underlines', () => {
    expect(plainExcerpt('Web\n===\n\nFast.\n\n---\n\n***\nMore')).toBe('Web Fast. More');
  });
});
