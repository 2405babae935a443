import { reactive, readonly } from 'vue';
import { api, ApiError } from '@/api/client';
import type { Profile, SystemInfo } from '@/api/types';

interface SessionState {
  /** Null when nobody is signed in. */
  user: Profile | null;
  system: SystemInfo | null;
  /** True once the first answer about the session has arrived. */
  ready: boolean;
}

const state = reactive<SessionState>({ user: null, system: null, ready: false });

/** Who is signed in, and what this Berth is (public URL, registry host, whether sign-up is open). */
export const session = readonly(state);

let loading: Promise<void> | undefined;

/** Loads once per page load; call `refreshSession()` after signing in or out. */
export function loadSession(): Promise<void> {
  loading ??= refreshSession();
  return loading;
}

export async function refreshSession(): Promise<void> {
  const [user, system] = await Promise.all([
    api.get('/api/v1/me').catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }),
    api.get('/api/v1/system/info'),
  ]);
  state.user = user;
  state.system = system;
  state.ready = true;
}

export async function signIn(username: string, password: string): Promise<void> {
  const result = await api.post('/api/v1/auth/login', { body: { username, password } });
  state.user = result.user;
}

export async function signOut(): Promise<void> {
  await api.post('/api/v1/auth/logout').catch(() => undefined);
  state.user = null;
}

/** The host docker talks to, e.g. `berth.intranet:5000`. */
export function registryHost(): string {
  return state.system?.registryHost ?? window.location.host;
}

/** For tests: a known session without a server. */
export function setSessionForTest(user: Profile | null, system: SystemInfo | null = null): void {
  state.user = user;
  state.system = system;
  state.ready = true;
}
