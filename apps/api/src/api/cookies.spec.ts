import { parseCookies } from './cookies';

describe('parseCookies', () => {
  it('reads name=value pairs, decoding values and keeping the first of repeated names', () => {
    expect(parseCookies('berth_session=abc; berth_csrf=x%2By; theme="dark"; berth_session=later')).toEqual({ berth_session: 'abc', berth_csrf: 'x+y', theme: 'dark' });
  });

  it('ignores what is not a cookie, and survives bad escapes', () => {
    expect(parseCookies(undefined)).toEqual({});
    expect(parseCookies('; =x; novalue; a=%E0%A4%A')).toEqual({ a: '%E0%A4%A' });
  });
});
