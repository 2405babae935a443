/** 1234 -> "1.2K" (en) / "1234" (zh-CN, which groups by 万), for pull and star counts. */
export function formatCount(value: number, locale = 'en'): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}
