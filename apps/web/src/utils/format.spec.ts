import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './format';
import { rowBytes } from '@/components/repository/rowFormat';

describe('formatBytes', () => {
  it('names 1024-based sizes with binary units, as the server\'s messages do', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 ** 2)).toBe('5 MiB');
    expect(formatBytes(3.25 * 1024 ** 3, 'zh-CN')).toBe('3.25 GiB');
    expect(rowBytes(1536, 'en')).toBe('1.5 KiB');
    expect(rowBytes(120 * 1024 ** 2, 'en')).toBe('120 MiB');
  });
});

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
