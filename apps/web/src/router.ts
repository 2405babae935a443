import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { loadSession, session } from '@/stores/session';

/**
 * Every page loads lazily. Repository names keep their slashes; what belongs to a repository follows
 * `/-/`, as in the API (`/projects/team/repositories/app/api/-/tags`), so deep links survive a reload.
 */
export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: () => import('@/pages/HomePage.vue') },
  { path: '/login', name: 'login', component: () => import('@/pages/LoginPage.vue'), meta: { guestOnly: true } },
  { path: '/signup', name: 'signup', component: () => import('@/pages/SignupPage.vue'), meta: { guestOnly: true } },
  { path: '/projects', name: 'projects', component: () => import('@/pages/ProjectsPage.vue') },
  {
    path: '/projects/:project/repositories/:repo(.+)/-/artifacts/:reference',
    name: 'artifact',
    component: () => import('@/pages/repository/ArtifactPage.vue'),
  },
  { path: '/projects/:project/repositories/:repo(.+)/-/tags', name: 'repository-tags', component: () => import('@/pages/repository/RepositoryPage.vue'), meta: { tab: 'tags' } },
  { path: '/projects/:project/repositories/:repo(.+)', name: 'repository', component: () => import('@/pages/repository/RepositoryPage.vue'), meta: { tab: 'overview' } },
  {
    path: '/projects/:project',
    component: () => import('@/pages/project/ProjectPage.vue'),
    children: [
      { path: '', name: 'project', component: () => import('@/pages/project/RepositoriesTab.vue') },
      { path: 'members', name: 'project-members', component: () => import('@/pages/project/MembersTab.vue') },
      { path: 'robots', name: 'project-robots', component: () => import('@/pages/project/RobotsTab.vue') },
      { path: 'settings', name: 'project-settings', component: () => import('@/pages/project/SettingsTab.vue') },
      { path: 'audit', name: 'project-audit', component: () => import('@/pages/project/AuditTab.vue') },
      { path: 'retention', name: 'project-retention', component: () => import('@/pages/project/RetentionTab.vue') },
      { path: 'immutability', name: 'project-immutability', component: () => import('@/pages/project/ImmutabilityTab.vue') },
    ],
  },
  {
    path: '/admin',
    component: () => import('@/pages/admin/AdminLayout.vue'),
    meta: { admin: true },
    children: [
      { path: '', redirect: { name: 'admin-users' } },
      { path: 'users', name: 'admin-users', component: () => import('@/pages/admin/UsersPage.vue') },
      { path: 'robots', name: 'admin-robots', component: () => import('@/pages/admin/RobotsPage.vue') },
      { path: 'settings', name: 'admin-settings', component: () => import('@/pages/admin/SettingsPage.vue') },
      { path: 'audit', name: 'admin-audit', component: () => import('@/pages/admin/AuditPage.vue') },
      { path: 'gc', name: 'admin-gc', component: () => import('@/pages/admin/GcPage.vue') },
    ],
  },
  { path: '/account', name: 'account', component: () => import('@/pages/AccountPage.vue'), meta: { signedIn: true } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('@/pages/NotFoundPage.vue') },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  await loadSession().catch(() => undefined);
  if ((to.meta.signedIn || to.meta.admin) && !session.user) return { name: 'login', query: { next: to.fullPath } };
  // Administration is not found for everyone else, as the API answers.
  if (to.matched.some((r) => r.meta.admin) && !session.user?.isAdmin) return { name: 'not-found', params: { pathMatch: to.path.slice(1).split('/') } };
  if (to.meta.guestOnly && session.user) return { name: 'home' };
  return true;
});
