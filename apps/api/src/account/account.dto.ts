import { z } from 'zod';

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
