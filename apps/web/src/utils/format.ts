/** Human-readable sizes and times, in the UI's language. Intl formatters are cached: a table of 100 rows would otherwise build hundreds. */

const cache = new Map<string, Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let formatter = cache.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter;
}

// Binary units, as the sizes are 1024-based and as the server's messages say them (KiB, MiB, GiB).
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 -> "1.5 KiB" (1024-based, as docker shows image sizes, with the binary unit names). */
export function formatBytes(bytes: number | null | undefined, locale = 'en'): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '–';
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const number = cached(`n:${locale}:${digits}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }));
  return `${number.format(value)} ${UNITS[unit]}`;
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "3 hours ago", "yesterday"... relative to `now`. */
export function relativeTime(value: string | Date, locale = 'en', now: Date = new Date()): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  let delta = (date.getTime() - now.getTime()) / 1000;
  const format = cached(`r:${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
  for (const [unit, size] of STEPS) {
    if (Math.abs(delta) < size) return format.format(Math.round(delta), unit);
    delta /= size;
  }
  return format.format(Math.round(delta), 'year');
}

/** The exact time, for a tooltip. */
export function exactTime(value: string | Date, locale = 'en'): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  return cached(`d:${locale}`, () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' })).format(date);
}

/** The time of day on the wall clock, to the second ("14:03:07"), for log lines; the text as given when it is no date. */
export function clockTime(value: string | Date, locale = 'en'): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  return cached(`t:${locale}`, () => new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: 'numeric', second: 'numeric', hour12: false })).format(date);
}

/** `sha256:0123456789ab...` -> `sha256:0123456789ab`. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}

/** `linux/arm64/v8`, or null for an attestation. */
export function platformLabel(p: { os: string | null; architecture: string | null; variant: string | null }): string | null {
  if (!p.os || !p.architecture) return null;
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

type DurationUnit = 'millisecond' | 'second' | 'minute' | 'hour' | 'day';

function unitText(value: number, unit: DurationUnit, locale: string, display: 'narrow' | 'long', digits = 0): string {
  const key = `u:${locale}:${unit}:${display}:${digits}`;
  return cached(key, () => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: display, maximumFractionDigits: digits })).format(value);
}

/**
 * 850 -> "850ms", 4200 -> "4.2s", 200000 -> "3m 20s", 7380000 -> "2h 3m" (Intl's units, so "3分钟 20秒" in Chinese);
 * `long` for sentences: "1 hour", "3 minutes 20 seconds".
 */
export function formatDuration(ms: number | null | undefined, locale = 'en', display: 'narrow' | 'long' = 'narrow'): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const value = Math.max(0, ms);
  if (value < 1000) return unitText(Math.round(value), 'millisecond', locale, display);
  const seconds = value / 1000;
  if (seconds < 60) return unitText(seconds, 'second', locale, display, seconds < 10 ? 1 : 0);
  const whole = Math.round(seconds);
  const pair = (big: number, bigUnit: DurationUnit, small: number, smallUnit: DurationUnit) =>
    small ? `${unitText(big, bigUnit, locale, display)} ${unitText(small, smallUnit, locale, display)}` : unitText(big, bigUnit, locale, display);
  if (whole < 3600) return pair(Math.floor(whole / 60), 'minute', whole % 60, 'second');
  if (whole < 86400) return pair(Math.floor(whole / 3600), 'hour', Math.floor((whole % 3600) / 60), 'minute');
  return pair(Math.floor(whole / 86400), 'day', Math.floor((whole % 86400) / 3600), 'hour');
}
