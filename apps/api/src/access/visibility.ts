import type { Principal } from './principal';

/**
 * Whose view of the projects a list or search takes, following AccessService's `pull` rule for lists:
 * everything (system administrators, system robots), or public projects plus those the user is a member
 * of, or plus the one project a project robot belongs to. An empty viewer is anonymous: public projects only.
 */
export interface ProjectViewer {
  all?: boolean;
  userId?: string | null;
  projectId?: string | null;
}

/** SQL text whose parameters are numbered from the index it was built for, with their values in order. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

export function viewerOf(principal: Principal): ProjectViewer {
  switch (principal.kind) {
    case 'anonymous':
      return {};
    case 'user':
      return principal.isAdmin ? { all: true } : { userId: principal.id };
    case 'robot':
      return principal.projectId === null ? { all: true } : { projectId: principal.projectId };
  }
}

/**
 * "`alias` (a row of `project`) is visible to `viewer`", a boolean SQL condition whose parameters are
 * numbered from `$next`. Append `params` to the query's own after the ones numbered before `next`:
 *
 *   const visible = visibleProject('p', viewer, params.length + 1);
 *   params.push(...visible.params);
 *
 * Membership is one hashed sub-select per query (not a probe per row), so joining every repository to
 * its project stays one pass.
 */
export function visibleProject(alias: string, viewer: ProjectViewer, next: number): SqlFragment {
  if (!/^[a-z_][a-z0-9_]*$/.test(alias)) throw new Error(`visibleProject: "${alias}" is not a table alias`);
  if (viewer.all) return { sql: 'TRUE', params: [] };
  const terms = [`${alias}.public`];
  const params: unknown[] = [];
  if (viewer.userId) {
    terms.push(`${alias}.id IN (SELECT vm.project_id FROM project_member vm WHERE vm.user_id = $${next + params.length}::bigint)`);
    params.push(viewer.userId);
  }
  if (viewer.projectId) {
    terms.push(`${alias}.id = $${next + params.length}::bigint`);
    params.push(viewer.projectId);
  }
  return { sql: `(${terms.join(' OR ')})`, params };
}
