import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';

// Hash history: the renderer is loaded from file:// in Electron and from `proxyscope serve` in a
// browser; neither has a server that knows the app's paths.
export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/findings' },
  { path: '/findings', name: 'findings', component: () => import('./views/FindingsView.vue') },
  { path: '/services', name: 'services', component: () => import('./views/ServicesView.vue') },
  { path: '/services/:namespace/:name', name: 'service', component: () => import('./views/ServiceDetailView.vue'), props: true },
  { path: '/compare', name: 'compare', component: () => import('./views/CompareView.vue') },
  { path: '/nodes', name: 'nodes', component: () => import('./views/NodesView.vue') },
  { path: '/rules/:node?', name: 'rules', component: () => import('./views/RulesView.vue') },
  { path: '/trace', name: 'trace', component: () => import('./views/TraceView.vue') },
  { path: '/clusters', name: 'clusters', component: () => import('./views/ClustersView.vue') },
  { path: '/terminal/:node?', name: 'terminal', component: () => import('./views/TerminalView.vue') },
  { path: '/:pathMatch(.*)*', redirect: '/findings' },
];

export function makeRouter() {
  return createRouter({ history: createWebHashHistory(), routes });
}
