import { z } from 'zod';
import { pageFields, toPaging } from '../api/pagination';

export const AuditQuery = z
  .object({
    ...pageFields,
    /** Exact actor name: a username or a robot's full name. */
    actor: z.string().min(1).max(128).optional(),
    /** Exact action: `login`, `project.create`, `member.update`, ... */
    action: z.string().min(1).max(64).optional(),
  })
  .transform(toPaging);
export type AuditQuery = z.output<typeof AuditQuery>;
