import { z } from 'zod';
import { PROJECT_CREATION } from '../settings/settings.dto';

/** How users sign in: Berth's own user table (LDAP and OIDC would be other modes). */
export const AUTH_MODES = ['database'] as const;

/** What a client needs to know about this Berth before logging in. */
export const SystemInfo = z.object({
  version: z.string(),
  publicUrl: z.string().describe('Where this Berth is reached: BERTH_PUBLIC_URL, or else the scheme and host the request came to'),
  registryHost: z.string().describe('host[:port] for `docker login` and image references'),
  selfRegistration: z.boolean(),
  projectCreation: z.enum(PROJECT_CREATION),
  authMode: z.enum(AUTH_MODES),
});
export type SystemInfo = z.output<typeof SystemInfo>;

/** Totals over the projects the caller can see; storage counts each blob once, however many projects use it. */
const count = z.int().nonnegative();

export const Statistics = z.object({
  projects: count,
  publicProjects: count,
  privateProjects: count,
  repositories: count.describe('Repositories that hold at least one manifest'),
  storageBytes: count.describe('Sizes of the distinct blobs their manifests reference, each blob once'),
});
export type Statistics = z.output<typeof Statistics>;
