// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import ServiceDetailView from '../../../renderer/src/views/ServiceDetailView.vue';
import CompareView from '../../../renderer/src/views/CompareView.vue';
import { harness, loadSession, mountAt, settle } from './mountWith';
import type { Harness } from './mountWith';

describe('ServiceDetailView', () => {
  let h: Harness;
  let w: VueWrapper | undefined;
  afterEach(() => {
    w?.unmount();
    h.uninstall();
  });

  async function open(namespace = 'shop', name = 'web'): Promise<VueWrapper> {
    h = harness();
    await loadSession(h);
    w = await mountAt(h, ServiceDetailView, `/services/${namespace}/${name}`, { namespace, name });
    return w;
  }

  it('asks for the Service of its route', async () => {
    await open();
    expect(h.fake.callsTo('serviceDetail')).toEqual([{ sessionId: 's1', service: 'shop/web' }]);
  });

  it('shows every port and, per node, the backends with their marks', async () => {
    const w = await open();
    expect(w.findAll('[data-testid="service-port"]').map((p) => p.attributes('data-port'))).toEqual(['shop/web:http/tcp']);
    const nodes = w.findAll('[data-testid="port-node"]');
    expect(nodes.map((n) => n.attributes('data-node'))).toEqual(['node-a', 'node-b']);
    const marks = nodes[0].findAll('[data-testid="backend-row"]').map((r) => [r.attributes('data-endpoint'), r.attributes('data-mark')]);
    expect(marks).toEqual([
      ['10.1.0.5:8080', 'OK'],
      ['10.1.0.9:8080', 'STALE'],
      ['10.1.0.6:8080', 'NOT-READY'],
      ['10.1.0.7:8080', 'MISSING'],
    ]);
    const stale = nodes[0].get('[data-mark="STALE"]');
    expect(stale.text()).toContain('STALE');
    expect(stale.text()).toContain('KUBE-SEP-OLD');
    expect(stale.get('[data-testid="evidence-line"]').text()).toBe('nodes/node-a/iptables-save.txt:42 -A KUBE-SVC-ABC -j KUBE-SEP-OLD');
    const ok = nodes[0].get('[data-mark="OK"]');
    expect(ok.text()).toContain('shop/web-1');
    expect(ok.text()).toContain('50.0%');
    expect(ok.text()).toContain('yes/yes/no');
  });

  it('lists the frontends and the findings of the Service', async () => {
    const w = await open();
    expect(w.get('[data-testid="frontends"]').text()).toContain('10.96.0.10:80/tcp');
    expect(w.findAll('[data-testid="service-finding"]').map((f) => f.attributes('data-check'))).toEqual(['stale-backend', 'missing-backend']);
  });

  it('follows a backend evidence line to the Rules view', async () => {
    const w = await open();
    await w.get('[data-mark="STALE"] [data-testid="evidence-line"]').trigger('click');
    await settle(0);
    expect(h.router.currentRoute.value.fullPath).toBe('/rules/node-a?file=iptables-save.txt&line=42');
  });

  it('links each port to the node comparison', async () => {
    const w = await open();
    const link = w.get('[data-testid="compare-link"]');
    await link.trigger('click');
    await settle(0);
    expect(h.router.currentRoute.value.name).toBe('compare');
    expect(h.router.currentRoute.value.query).toEqual({ service: 'shop/web', port: 'shop/web:http/tcp' });
  });

  it('narrows the nodes with the node picker', async () => {
    const w = await open();
    await w.get('[data-testid="detail-node"]').setValue('node-b');
    expect(w.findAll('[data-testid="port-node"]').map((n) => n.attributes('data-node'))).toEqual(['node-b']);
  });

  it('says so when the Service is unknown', async () => {
    const w = await open('shop', 'nope');
    expect(w.get('[data-testid="detail-error"]').text()).toContain('shop/nope');
    expect(w.findAll('[data-testid="service-port"]')).toHaveLength(0);
  });
});

describe('CompareView', () => {
  let h: Harness;
  let w: VueWrapper | undefined;
  afterEach(() => {
    w?.unmount();
    h.uninstall();
  });

  async function open(path: string): Promise<VueWrapper> {
    h = harness();
    await loadSession(h);
    w = await mountAt(h, CompareView, path);
    return w;
  }
  const side = (w: VueWrapper, s: 'a' | 'b') =>
    w.findAll(`[data-testid="compare-side-${s}"] [data-testid="backend-row"]`).map((r) => `${r.attributes('data-endpoint')} ${r.attributes('data-mark')} ${r.attributes('data-differs')}`);

  it('prefills from the query and highlights the rows that differ', async () => {
    const w = await open('/compare?service=shop/web&port=shop/web:http/tcp&a=node-a&b=node-b');
    const result = w.get('[data-testid="compare-result"]');
    expect(result.attributes('data-differences')).toBe('4');
    expect(side(w, 'a')).toEqual(['10.1.0.5:8080 OK false', '10.1.0.9:8080 STALE true', '10.1.0.6:8080 NOT-READY true', '10.1.0.7:8080 MISSING true']);
    expect(side(w, 'b')).toEqual(['10.1.0.5:8080 OK false', '10.1.0.7:8080 OK true']);
  });

  it('offers the pickers only once their options are known', async () => {
    const w = await open('/compare');
    expect(w.find('[data-testid="compare-port"]').exists()).toBe(false);
    expect(w.find('[data-testid="compare-node-a"]').exists()).toBe(false);
    const service = w.get('[data-testid="compare-service"]');
    expect(service.findAll('option').map((o) => o.text())).toEqual(['choose a Service', 'shop/web', 'shop/api', 'kube-system/metrics']);
    await service.setValue('shop/web');
    await settle(0);
    expect(w.get('[data-testid="compare-port"]').findAll('option').map((o) => o.text())).toEqual(['shop/web:http/tcp']);
    expect((w.get('[data-testid="compare-node-a"]').element as HTMLSelectElement).value).toBe('node-a');
    expect((w.get('[data-testid="compare-node-b"]').element as HTMLSelectElement).value).toBe('node-b');
    expect(w.find('[data-testid="compare-result"]').exists()).toBe(true);
    expect(h.router.currentRoute.value.query).toEqual({ service: 'shop/web', port: 'shop/web:http/tcp', a: 'node-a', b: 'node-b' });
  });

  it('shows no difference when a node is compared with itself', async () => {
    const w = await open('/compare?service=shop/web&a=node-b&b=node-b');
    expect(w.get('[data-testid="compare-result"]').attributes('data-differences')).toBe('0');
    expect(w.get('[data-testid="compare-summary"]').text()).toBe('Both nodes program the same backends.');
  });
});
