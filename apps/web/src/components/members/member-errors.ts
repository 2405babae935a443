import { ApiError } from '@/api/client';

type Translate = (key: string, values?: Record<string, unknown>) => string;

/**
 * The membership errors people meet, in the UI's language: an unknown user, someone already a member,
 * the last Project Admin. Anything else is passed on for ErrorAlert to show the server's message.
 */
export function memberError(err: unknown, t: Translate, username?: string): unknown {
  if (!err || !(err instanceof ApiError)) return err;
  const code = err.body?.code;
  const field = err.body?.details?.field;
  if (code === 'PRECONDITION') return new Error(t('members.error.lastAdmin'));
  if (code === 'CONFLICT' && field === 'username') return new Error(t('members.error.already', { username }));
  if (code === 'NOT_FOUND' && field === 'username') return new Error(t('members.error.unknownUser', { username }));
  return err;
}
