import type { UserPrincipal } from '../access/principal';
import type { User } from '../identity/user.repository';

/** What the console shows of the logged-in user (GET /me, the login answer). */
export interface Profile {
  id: string;
  username: string;
  email: string | null;
  displayName: string | null;
  isAdmin: boolean;
}

export function profileOf(user: User): Profile {
  return { id: user.id, username: user.username, email: user.email, displayName: user.displayName, isAdmin: user.isAdmin };
}

export function principalOf(user: User): UserPrincipal {
  return { kind: 'user', id: user.id, username: user.username, isAdmin: user.isAdmin };
}
