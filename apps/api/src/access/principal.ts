import type { RobotPermission } from './permissions';

/** Who is asking. Resolved once per request from a session, a token or basic credentials. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: string; username: string; isAdmin: boolean }
  | { kind: 'robot'; id: string; name: string; projectId: string | null; permissions: RobotPermission[] };

/** A logged-in person: the caller of most console routes. */
export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

/** Someone who proved who they are: a user, or a robot on the few console routes that take robots. */
export type Actor = Exclude<Principal, { kind: 'anonymous' }>;

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

/** The name written to tokens (`sub`) and the audit log. */
export function principalName(p: Principal): string {
  switch (p.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'user':
      return p.username;
    case 'robot':
      return p.name;
  }
}
