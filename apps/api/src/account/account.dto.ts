import { z } from 'zod';
import { PERMISSIONS, ROLES } from '../access/permissions';
import { Profile } from '../console-auth/profile';
import { CliSecret } from '../identity/cli-secret.repository';

// Lengths only: the rules for names, passwords and emails are the services' (identity/user-policy.ts),
// and their INVALID errors come back with the same `details.issues` shape.
const username = z.string().min(1).max(64);
const password = z.string().min(1).max(1024);
const email = z.string().max(254).nullable();
const displayName = z.string().max(128).nullable();

export const LoginBody = z.strictObject({ username: z.string().min(1).max(128), password });
export type LoginBody = z.output<typeof LoginBody>;

export const SignupBody = z.strictObject({ username, password, email: email.optional() });
export type SignupBody = z.output<typeof SignupBody>;

export const UpdateProfileBody = z.strictObject({ email: email.optional(), displayName: displayName.optional() });
export type UpdateProfileBody = z.output<typeof UpdateProfileBody>;

export const ChangePasswordBody = z.strictObject({ currentPassword: password, newPassword: password });
export type ChangePasswordBody = z.output<typeof ChangePasswordBody>;

export const CreateCliSecretBody = z.strictObject({ name: z.string().trim().min(1).max(64) });
export type CreateCliSecretBody = z.output<typeof CreateCliSecretBody>;

export const PermissionsQuery = z.object({ project: z.string().min(1).max(255) });
export type PermissionsQuery = z.output<typeof PermissionsQuery>;

/** The answer to POST /auth/login; the session itself travels in the httpOnly cookie, never in the body. */
export const LoginResult = z.object({
  user: Profile,
  /** Repeat in the X-CSRF-Token header on unsafe requests (also in the readable `berth_csrf` cookie). */
  csrfToken: z.string(),
  /** The idle expiry as of the login; it slides with use. */
  expiresAt: z.date(),
});
export type LoginResult = z.output<typeof LoginResult>;

/** A new CLI secret: the token is in this answer only; lists show CliSecret, without it. */
export const CreatedCliSecret = z.object({ secret: CliSecret, token: z.string() });
export type CreatedCliSecret = z.output<typeof CreatedCliSecret>;

/** What the caller may do in one project; `role` is null when they are not a member (an admin, a public project). */
export const ProjectPermissions = z.object({
  project: z.string(),
  role: z.enum(ROLES).nullable(),
  permissions: z.array(z.enum(PERMISSIONS)),
});
export type ProjectPermissions = z.output<typeof ProjectPermissions>;
