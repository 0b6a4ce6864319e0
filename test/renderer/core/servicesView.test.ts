// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import type { VueWrapper } from '@vue/test-utils';
import ServicesView from '../../../renderer/src/views/ServicesView.vue';
import { manyServiceRows } from '../../helpers/fakeApi';
import { harness, loadSession, mountAt, settle } from './mountWith';
import type { Harness } from './mountWith';

describe('ServicesView', () => {
  let h: Harness;
  let w: VueWrapper | undefined;
  afterEach(() => {
    w?.unmount();
    h.uninstall();
  });

  async function open(data = {}): Promise<VueWrapper> {
    h = harness(data);
    await loadSession(h);
    w = await mountAt(h, ServicesView, '/services');
    return w;
  }
  const rows = (w: VueWrapper) => w.findAll('[data-testid="service-row"]');
  const count = (w: VueWrapper) => w.get('[data-testid="services-count"]').text();

  it('lists the Services with type, IPs, ports and a findings badge', async () => {
    const w = await open();
    expect(count(w)).toBe('3 services');
    expect(rows(w).map((r) => r.attributes('data-key'))).toEqual(['shop/web', 'shop/api', 'kube-system/metrics']);
    const web = rows(w)[0];
    expect(web.text()).toContain('ClusterIP');
    expect(web.text()).toContain('10.96.0.10');
    expect(web.text()).toContain('http 80/tcp');
    expect(web.get('[data-severity]').attributes('data-severity')).toBe('high');
  });

  it('opens the Service detail on click', async () => {
    const w = await open();
    await rows(w)[1].trigger('click');
    await settle(0);
    expect(h.router.currentRoute.value.name).toBe('service');
    expect(h.router.currentRoute.value.params).toEqual({ namespace: 'shop', name: 'api' });
  });

  describe('with 30k Services', () => {
    const N = 30_000;

    it('counts them all and renders only a window of rows', async () => {
      const w = await open({ services: manyServiceRows(N) });
      expect(count(w)).toBe(`${N} services`);
      expect(rows(w).length).toBeGreaterThan(10);
      expect(rows(w).length).toBeLessThan(100);
      expect(rows(w)[0].attributes('data-key')).toBe('ns-0/svc-0');
    });

    // Expected counts worked out by hand (rows: ns-<i % 50>/svc-<i>, IP 10.0.<i >> 8>.<i & 255>, port 1000+i).
    it.each([
      { name: 'a name prefix', q: 'svc-2999', n: 11 }, // svc-2999, svc-29990..29999
      { name: 'namespace/name', q: 'ns-7/svc-7', n: 23 }, // 7, 707, 757, 7007..7957 step 50
      { name: 'a ClusterIP', q: '10.0.1.44', n: 1 }, // i = 300
      { name: 'a port', q: '1005/tcp', n: 3 }, // 1005, 11005, 21005
      { name: 'two words (all must match)', q: 'ns-49 svc-2999', n: 2 }, // svc-2999, svc-29999
      { name: 'upper case', q: 'SVC-29999', n: 1 },
      { name: 'nothing', q: 'no-such', n: 0 },
    ])('filters by $name', async ({ q, n }) => {
      const w = await open({ services: manyServiceRows(N) });
      await w.get('[data-testid="services-search"]').setValue(q);
      await settle();
      expect(count(w)).toBe(`${n} services`);
      expect(rows(w).length).toBe(Math.min(n, rows(w).length));
      expect(rows(w).length).toBeLessThan(100);
      if (n > 0 && n < 30) expect(rows(w)).toHaveLength(n);
      await w.get('[data-testid="services-search"]').setValue('');
      await settle();
      expect(count(w)).toBe(`${N} services`);
    });
  });
});
