import { Cron } from 'croner';
import { DomainError } from '../common/domain-error';

/**
 * Schedules are classic five-field cron expressions (minute hour day-of-month month day-of-week, or a
 * nickname such as `@daily`), read in UTC so that every replica agrees whatever its time zone.
 */
export function nextRunOf(expression: string, from: Date = new Date()): Date {
  const next = tryNextRun(expression, from);
  if (typeof next === 'string') throw DomainError.invalid(`invalid cron expression "${expression.slice(0, 100)}": ${next}`, { field: 'schedule' });
  return next;
}

/** Why `expression` is not a usable schedule, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const next = tryNextRun(expression, new Date());
  return typeof next === 'string' ? `invalid cron expression: ${next}` : undefined;
}

function tryNextRun(expression: string, from: Date): Date | string {
  let next: Date | null;
  try {
    next = new Cron(expression, { paused: true, timezone: 'UTC', mode: '5-part' }).nextRun(from);
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
  return next ?? 'it never fires';
}
