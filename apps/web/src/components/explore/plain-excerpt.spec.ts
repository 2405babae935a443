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
});
