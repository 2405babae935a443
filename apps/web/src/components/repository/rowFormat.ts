/**
 * Formatting for table rows, with the Intl formatters made once per language: building one is far
 * slower than using it, and a page of 100 tags needs some 400 of them (utils/format makes one per call).
 */
const relative = new Map<string, Intl.RelativeTimeFormat>();
const exact = new Map<string, Intl.DateTimeFormat>();

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

export function rowRelativeTime(value: string, locale: string, now: number): string {
  let format = relative.get(locale);
  if (!format) relative.set(locale, (format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })));
  let delta = (new Date(value).getTime() - now) / 1000;
  for (const [unit, size] of STEPS) {
    if (Math.abs(delta) < size) return format.format(Math.round(delta), unit);
    delta /= size;
  }
  return format.format(Math.round(delta), 'year');
}

export function rowExactTime(value: string, locale: string): string {
  let format = exact.get(locale);
  if (!format) exact.set(locale, (format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' })));
  return format.format(new Date(value));
}

const numbers = new Map<string, Intl.NumberFormat>();
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** As utils/format formatBytes: 1024-based, as docker shows image sizes. */
export function rowBytes(bytes: number, locale: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const key = `${locale}/${digits}`;
  let format = numbers.get(key);
  if (!format) numbers.set(key, (format = new Intl.NumberFormat(locale, { maximumFractionDigits: digits })));
  return `${format.format(value)} ${UNITS[unit]}`;
}
