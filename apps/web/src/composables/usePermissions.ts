import { computed, ref, watch, type Ref } from 'vue';
import { api } from '@/api/client';
import type { Permission, Role } from '@/api/types';
import { session } from '@/stores/session';

/**
 * What the signed-in user may do in a project, from the server (GET /api/v1/me/permissions), so the UI
 * hides what it cannot use; the server refuses it anyway. Anonymous callers can at most pull.
 */
export function usePermissions(project: Ref<string | undefined>) {
  const permissions = ref<Permission[]>([]);
  const role = ref<Role | null>(null);
  async function load(): Promise<void> {
    permissions.value = [];
    role.value = null;
    if (!project.value || !session.user) return;
    try {
      const answer = await api.get('/api/v1/me/permissions', { query: { project: project.value } });
      permissions.value = answer.permissions;
      role.value = answer.role;
    } catch {
      // Not visible or not signed in: no permissions.
    }
  }
  watch([project, () => session.user?.id], () => void load(), { immediate: true });
  const can = (permission: Permission) => computed(() => permissions.value.includes(permission));
  return { permissions, role, can, reload: load };
}
