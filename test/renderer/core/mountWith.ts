import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { createPinia, setActivePinia } from 'pinia';
import type { Pinia } from 'pinia';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { Router } from 'vue-router';
import { defineComponent, h as hyper } from 'vue';
import type { Component } from 'vue';
import type { RouteRecordRaw } from 'vue-router';
import { routes } from '../../../renderer/src/router';
import { installFakeBridge, makeFakeApi } from '../../helpers/fakeApi';
import type { FakeApi, FakeData } from '../../helpers/fakeApi';
import type { Api } from '../../../core/common/contract';
import { useSessionStore } from '../../../renderer/src/stores/session';

// Shared set-up of the core component tests: a fake Api behind a fake preload bridge (so the
// real renderer/api.ts is exercised), a fresh Pinia, a memory-history router with the app's routes.

export interface Harness {
  fake: FakeApi;
  pinia: Pinia;
  router: Router;
  uninstall(): void;
}

export function harness(data: Partial<FakeData> = {}, overrides: Partial<Api> = {}): Harness {
  const fake = makeFakeApi(data, overrides);
  const { uninstall } = installFakeBridge(fake.api);
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createRouter({ history: createMemoryHistory(), routes: stubbedRoutes() });
  return { fake, pinia, router, uninstall };
}

// The app's routes with every view replaced by a stub: the view under test is mounted directly,
// and navigation must not wait for (or depend on) other views' lazy chunks.
const RouteStub = defineComponent({ name: 'RouteStub', render: () => hyper('div', { 'data-testid': 'route-stub' }) });
function stubbedRoutes(): RouteRecordRaw[] {
  return routes.map((r) => ('component' in r && r.component ? ({ ...r, component: RouteStub } as RouteRecordRaw) : r));
}

/** Loads the fake session into the store (what App's init does on first start). */
export async function loadSession(h: Harness): Promise<void> {
  await useSessionStore(h.pinia).openDemo();
}

export async function mountAt(h: Harness, component: Component, path: string, props: Record<string, unknown> = {}): Promise<VueWrapper> {
  await h.router.push(path);
  await h.router.isReady();
  const w = mount(component, { props, global: { plugins: [h.pinia, h.router, ElementPlus] }, attachTo: document.body });
  await settle();
  return w;
}

/** Lets debounced filters (100 ms) and pending API promises finish. */
export async function settle(ms = 130): Promise<void> {
  await flushPromises();
  await new Promise((r) => setTimeout(r, ms));
  await flushPromises();
}

export const HOSTILE = {
  img: '<img src=x onerror=alert(1)>',
  js: 'javascript:alert(1)',
  bidi: 'evil\u202Egnp.exe',
  esc: 'term\u001b[31mred',
  long: 'n'.repeat(10_000),
};

/** Nothing executable appeared in the DOM. */
export function inertReport(root: Element): { imgs: number; scripts: number; jsHrefs: string[]; onAttrs: string[] } {
  const all = [root, ...root.querySelectorAll('*')];
  return {
    imgs: root.querySelectorAll('img').length,
    scripts: root.querySelectorAll('script, iframe, object, embed').length,
    jsHrefs: all.flatMap((el) => ['href', 'src', 'action', 'formaction'].map((a) => el.getAttribute(a) ?? '')).filter((v) => /^\s*(javascript|data:text\/html)/i.test(v)),
    onAttrs: all.flatMap((el) => [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${el.tagName}[${a.name}]`)),
  };
}
