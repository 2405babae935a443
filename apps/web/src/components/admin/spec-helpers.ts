/** Shared set-up for the specs of the management pages: a router on a given URL and the app's i18n in English. */
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import type { Component } from 'vue';
import { i18n } from '@/i18n';

export async function routerAt(path: string, pattern: string, component: Component): Promise<Router> {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: pattern, component }, { path: '/:rest(.*)*', component }] });
  await router.push(path);
  await router.isReady();
  return router;
}

export function english(): typeof i18n {
  i18n.global.locale.value = 'en';
  return i18n;
}

/** A page of items as the API answers lists. */
export function page<T>(items: T[]): { items: T[]; total: number; page: number; pageSize: number } {
  return { items, total: items.length, page: 1, pageSize: 50 };
}
