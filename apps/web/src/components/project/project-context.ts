import { inject, type ComputedRef, type InjectionKey, type Ref } from 'vue';
import type { Permission, ProjectDetail, Role } from '@/api/types';

/** What ProjectPage knows about its project, shared with its tabs so they need not load it again. */
export interface ProjectContext {
  /** The project of the current route, once loaded. */
  project: Readonly<Ref<ProjectDetail | undefined>>;
  /** Loads the project again (after its settings change). */
  reload: () => Promise<void>;
  permissions: Readonly<Ref<readonly Permission[]>>;
  role: Readonly<Ref<Role | null>>;
  /** False until the caller's permissions have arrived (so a tab does not flash "not allowed"). */
  permissionsKnown: ComputedRef<boolean>;
}

export const PROJECT_CONTEXT: InjectionKey<ProjectContext> = Symbol('project');

export function useProjectContext(): ProjectContext {
  const context = inject(PROJECT_CONTEXT);
  if (!context) throw new Error('useProjectContext() outside ProjectPage');
  return context;
}
