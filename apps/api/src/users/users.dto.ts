import { z } from 'zod';
import { pageFields, toPaging } from '../api/pagination';

// Lengths only: the username, password and email rules are UserService's (identity/user-policy.ts).
const password = z.string().min(1).max(1024);

export const UserListQuery = z.object({ ...pageFields, q: z.string().max(128).optional() }).transform(toPaging);
export type UserListQuery = z.output<typeof UserListQuery>;

export const CreateUserBody = z.strictObject({
  username: z.string().min(1).max(64),
  password,
  email: z.string().max(254).nullable().optional(),
  displayName: z.string().max(128).nullable().optional(),
  isAdmin: z.boolean().optional(),
});
export type CreateUserBody = z.output<typeof CreateUserBody>;

export const UpdateUserBody = z.strictObject({
  email: z.string().max(254).nullable().optional(),
  displayName: z.string().max(128).nullable().optional(),
  isAdmin: z.boolean().optional(),
  disabled: z.boolean().optional(),
});
export type UpdateUserBody = z.output<typeof UpdateUserBody>;

export const ResetPasswordBody = z.strictObject({ password });
export type ResetPasswordBody = z.output<typeof ResetPasswordBody>;
