import { describe, expect, it } from 'vitest';
import { formatDuration } from './format';

describe('formatDuration', () => {
  it('picks the unit by size, in the UI language', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(4200)).toBe('4.2s');
    expect(formatDuration(42_000)).toBe('42s');
    expect(formatDuration(200_000)).toBe('3m 20s');
    expect(formatDuration(180_000)).toBe('3m');
    expect(formatDuration(7_380_000)).toBe('2h 3m');
    expect(formatDuration(90_000_000)).toBe('1d 1h');
    expect(formatDuration(3_600_000, 'en', 'long')).toBe('1 hour');
    expect(formatDuration(200_000, 'zh-CN')).toBe('3分钟 20秒');
  });

  it('shows a dash for a run that has not finished', () => {
    expect(formatDuration(null)).toBe('–');
    expect(formatDuration(undefined)).toBe('–');
  });
});
