import { z } from 'zod';

export const PROJECT_CREATION = ['admins', 'everyone'] as const;

/** The system settings, with their names as the API spells them. */
export const SystemSettings = z.object({
  /** Anyone may create an account at POST /api/v1/auth/signup. */
  self_registration: z.boolean(),
  /** Who may create projects. */
  project_creation: z.enum(PROJECT_CREATION),
});
export type SystemSettings = z.output<typeof SystemSettings>;

export const UpdateSettingsBody = SystemSettings.partial().strict();
export type UpdateSettingsBody = z.output<typeof UpdateSettingsBody>;
