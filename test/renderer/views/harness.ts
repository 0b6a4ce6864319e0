import { defineComponent, h } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import type { Pinia } from 'pinia';
import { RouterView, createMemoryHistory, createRouter } from 'vue-router';
import type { Router } from 'vue-router';
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import type { AppInfo, SessionInfo } from '../../../core/common/contract';
import type { AnalysisResult, NodeSummary } from '../../../core/common/model/analysis';
import { routes } from '../../../renderer/src/router';
import { useSessionStore } from '../../../renderer/src/stores/session';

export { callsOf, emitEvent, openExternalLink, resetApi, stubApi, calls } from './fakeApi';

export function nodeSummary(node: string, extra: Partial<NodeSummary> = {}): NodeSummary {
  return { node, status: 'analyzed', mode: 'iptables', files: ['iptables-save.txt'], ruleCount: 10, servicePorts: 2, backends: 3, malformedLines: 0, ...extra };
}

export function sessionInfo(nodes: NodeSummary[], extra: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id: 's1',
    source: 'test',
    title: 'test session',
    hasCluster: true,
    generatedAt: '2025-01-01T00:00:00Z',
    nodes,
    counts: { critical: 0, high: 0, medium: 0, low: 0, info: 0 },
    limitations: [],
    ...extra,
  };
}

export interface Mounted {
  wrapper: VueWrapper;
  router: Router;
  pinia: Pinia;
}

/** Mounts the app's routes at `path` with a session (and app info) already loaded. */
export async function mountAt(path: string, opts: { session?: SessionInfo | null; appInfo?: AppInfo | null; analysis?: AnalysisResult } = {}): Promise<Mounted> {
  const pinia = createPinia();
  setActivePinia(pinia);
  const session = useSessionStore(pinia);
  session.info = opts.session === undefined ? sessionInfo([nodeSummary('n1'), nodeSummary('n2')]) : opts.session;
  session.appInfo = opts.appInfo === undefined ? { version: 'test', runtime: 'browser', terminals: false, nativeDialogs: false } : opts.appInfo;
  if (opts.analysis) session.analysis = opts.analysis;
  const router = createRouter({ history: createMemoryHistory(), routes });
  await router.push(path);
  await router.isReady();
  const Root = defineComponent({ render: () => h(RouterView) });
  const wrapper = mount(Root, { global: { plugins: [pinia, router] }, attachTo: document.body });
  await settle();
  return { wrapper, router, pinia };
}

/** Lets API promises, lazy route components and debounces finish. */
export async function settle(ms = 0): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await flushPromises();
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }
}

/** Nothing hostile became markup: no elements or URLs a string could have smuggled in. */
export function assertNoInjectedMarkup(root: Element = document.body): void {
  if (root.querySelector('img, script, iframe, object, embed')) throw new Error(`markup was injected: ${root.innerHTML.slice(0, 500)}`);
  for (const el of root.querySelectorAll('[href], [src]')) {
    const v = (el.getAttribute('href') ?? '') + (el.getAttribute('src') ?? '');
    if (/^\s*(javascript|data|file|vbscript):/i.test(v)) throw new Error(`unsafe URL ${v}`);
  }
}
