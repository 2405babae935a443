import { z } from 'zod';
import type { UserPrincipal } from '../access/principal';
import type { User } from '../identity/user.repository';

/** What the console shows of the logged-in user (GET /me, the login answer). */
export const Profile = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().nullable(),
  displayName: z.string().nullable(),
  isAdmin: z.boolean(),
});
export type Profile = z.output<typeof Profile>;

export function profileOf(user: User): Profile {
  return { id: user.id, username: user.username, email: user.email, displayName: user.displayName, isAdmin: user.isAdmin };
}

export function principalOf(user: User): UserPrincipal {
  return { kind: 'user', id: user.id, username: user.username, isAdmin: user.isAdmin };
}
