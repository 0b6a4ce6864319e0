// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import FindingsView from '../../../renderer/src/views/FindingsView.vue';
import { fakeAnalysis, fakeFinding } from '../../helpers/fakeApi';
import { harness, loadSession, mountAt, settle } from './mountWith';
import type { Harness } from './mountWith';

describe('FindingsView', () => {
  let h: Harness;
  let w: VueWrapper | undefined;
  afterEach(() => {
    w?.unmount();
    h.uninstall();
  });

  async function open(path = '/findings', data = {}): Promise<VueWrapper> {
    h = harness(data);
    await loadSession(h);
    w = await mountAt(h, FindingsView, path);
    return w;
  }
  const rows = (w: VueWrapper) => w.findAll('[data-testid="finding-row"]');
  const attr = (w: VueWrapper, a: string) => rows(w).map((r) => r.attributes(a));

  it('lists every finding worst first under severity headings with counts', async () => {
    const w = await open();
    expect(attr(w, 'data-severity')).toEqual(['high', 'high', 'medium', 'info']);
    expect(w.findAll('[data-group]').map((g) => g.attributes('data-group'))).toEqual(['high', 'medium', 'info']);
    expect(w.get('[data-testid="findings-count"]').text()).toBe('4 findings');
    expect(rows(w)[0].attributes()).toMatchObject({ 'data-check': 'stale-backend', 'data-node': 'node-a', 'data-service': 'shop/web' });
  });

  it.each([
    { name: 'a Service name', q: 'shop/api', checks: ['not-ready-backend'] },
    { name: 'an endpoint', q: '10.1.0.7', checks: ['missing-backend'] },
    { name: 'a Pod', q: 'web-old', checks: ['stale-backend'] },
    { name: 'a node', q: 'NODE-B', checks: ['not-ready-backend', 'missing-backend'] },
    { name: 'a check id', q: 'no-endpoints', checks: ['no-endpoints'] },
    { name: 'a word of the message', q: 'rejected', checks: ['no-endpoints'] },
    { name: 'text nothing has', q: 'zzz', checks: [] },
  ])('filters by search text matching $name', async ({ q, checks }) => {
    const w = await open();
    await w.get('[data-testid="findings-search"]').setValue(q);
    await settle();
    expect(attr(w, 'data-check')).toEqual(checks);
  });

  it.each([
    { select: 'findings-severity', value: 'high', count: 2 },
    { select: 'findings-severity', value: 'medium', count: 1 },
    { select: 'findings-check', value: 'stale-backend', count: 1 },
    { select: 'findings-node', value: 'node-b', count: 2 },
    { select: 'findings-service', value: 'shop/web', count: 2 },
  ])('filters with $select = $value', async ({ select, value, count }) => {
    const w = await open();
    await w.get(`[data-testid="${select}"]`).setValue(value);
    await settle(0);
    expect(rows(w)).toHaveLength(count);
  });

  it('prefills the filters from the query', async () => {
    const w = await open('/findings?service=shop/web&severity=medium');
    expect(attr(w, 'data-check')).toEqual(['missing-backend']);
  });

  it('shows the selected finding with message, facts, next steps and evidence', async () => {
    const w = await open();
    await rows(w)[0].trigger('click');
    const d = w.get('[data-testid="finding-detail"]');
    expect(d.text()).toContain('node-a still sends traffic to an endpoint that no longer exists.');
    expect(d.text()).toContain('10.1.0.9:8080');
    expect(d.text()).toContain('shop/web-old');
    expect(d.findAll('[data-testid="finding-next-steps"] li')).toHaveLength(2);
    const ev = d.findAll('[data-testid="evidence-line"]');
    expect(ev.map((e) => e.text())).toEqual(['nodes/node-a/iptables-save.txt:42 -A KUBE-SVC-ABC -j KUBE-SEP-OLD']);
  });

  it('opens the Rules view at the evidence line on click', async () => {
    const w = await open();
    await rows(w)[0].trigger('click');
    await w.get('[data-testid="evidence-line"]').trigger('click');
    await settle(0);
    expect(h.router.currentRoute.value.fullPath).toBe('/rules/node-a?file=iptables-save.txt&line=42');
  });

  it('does not link API-side evidence anywhere', async () => {
    const w = await open();
    await rows(w)[2].trigger('click'); // missing-backend, evidence from cluster.json
    const ev = w.get('[data-testid="evidence-line"]');
    expect(ev.attributes('role')).toBeUndefined();
    await ev.trigger('click');
    await settle(0);
    expect(h.router.currentRoute.value.path).toBe('/findings');
  });

  it('links the finding to its Service detail', async () => {
    const w = await open();
    await rows(w)[0].trigger('click');
    const link = w.get('[data-testid="finding-service-link"]');
    expect(link.attributes('href')).toBe('/services/shop/web');
    await link.trigger('click');
    await settle(0);
    expect(h.router.currentRoute.value.name).toBe('service');
    expect(h.router.currentRoute.value.params).toEqual({ namespace: 'shop', name: 'web' });
  });

  it('renders only a window of rows for thousands of findings', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => fakeFinding({ endpoint: `10.2.${i >> 8}.${i & 255}:80`, title: `finding ${i}` }));
    const w = await open('/findings', { analysis: fakeAnalysis(many) });
    expect(w.get('[data-testid="findings-count"]').text()).toBe('5000 findings');
    expect(rows(w).length).toBeGreaterThan(10);
    expect(rows(w).length).toBeLessThan(100);
    await w.get('[data-testid="findings-search"]').setValue('finding 4999');
    await settle();
    expect(rows(w).map((r) => r.text())).toEqual([expect.stringContaining('finding 4999')]);
  });
});
