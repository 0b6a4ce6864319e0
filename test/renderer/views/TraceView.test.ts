// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ok } from '../../../core/common/contract';
import type { TraceRequest } from '../../../core/common/contract';
import type { SnapshotNode } from '../../../core/common/model/analysis';
import { traceNode } from '../../../core/common/trace/traceNode';
import { traceOptionsFromCluster } from '../../../core/common/trace/traceOptionsFromCluster';
import type { TraceResult } from '../../../core/common/trace/traceTypes';
import clusterJson from '../../../assets/demo/cluster.json?raw';
import w2Iptables from '../../../assets/demo/nodes/worker-2/iptables-save.txt?raw';
import w5Iptables from '../../../assets/demo/nodes/worker-5/iptables-save.txt?raw';
import w5Ipvs from '../../../assets/demo/nodes/worker-5/ipvsadm.txt?raw';
import w5Ipset from '../../../assets/demo/nodes/worker-5/ipset.txt?raw';
import w5Addr from '../../../assets/demo/nodes/worker-5/ip-addr.txt?raw';
import w5Mode from '../../../assets/demo/nodes/worker-5/proxy-mode.txt?raw';
import { assertNoInjectedMarkup, callsOf, mountAt, nodeSummary, resetApi, sessionInfo, settle, stubApi } from './harness';
import type { Mounted } from './harness';

vi.mock('../../../renderer/api', async () => (await import('./fakeApi')).apiModule);

// The trace results come from the real engine on the demo snapshot (assets/demo): worker-2 has a
// stale backend of shop/web (10.244.1.5, 1 in 4), worker-5 (IPVS) a real server at weight 0.
const DEMO: Record<string, SnapshotNode> = {
  'worker-2': { name: 'worker-2', files: { 'iptables-save.txt': w2Iptables } },
  'worker-5': {
    name: 'worker-5',
    files: { 'iptables-save.txt': w5Iptables, 'ipvsadm.txt': w5Ipvs, 'ipset.txt': w5Ipset, 'ip-addr.txt': w5Addr, 'proxy-mode.txt': w5Mode },
  },
};

function realTrace(req: TraceRequest): TraceResult {
  const node = DEMO[req.node];
  const { options } = traceOptionsFromCluster(clusterJson, req.node);
  const { dst, port, protocol, src, fromLocalProcess } = req;
  return traceNode(node, { dst, port, protocol, ...(src ? { src } : {}), ...(fromLocalProcess ? { fromLocalProcess } : {}) }, options);
}

const SESSION = sessionInfo([nodeSummary('worker-2'), nodeSummary('worker-5', { mode: 'ipvs' })]);

describe('TraceView', () => {
  let m: Mounted | null = null;
  beforeEach(() => {
    resetApi();
    stubApi({ trace: (req) => ok(realTrace(req)) });
  });
  afterEach(() => {
    m?.wrapper.unmount();
    m = null;
  });

  it('prefills from the route and runs the trace', async () => {
    m = await mountAt('/trace?node=worker-2&dst=10.96.0.104&port=80&protocol=tcp', { session: SESSION });
    expect(callsOf('trace')).toEqual([{ sessionId: 's1', node: 'worker-2', dst: '10.96.0.104', port: 80, protocol: 'tcp' }]);
    expect((m.wrapper.find('[data-testid="trace-dst"]').element as HTMLInputElement).value).toBe('10.96.0.104');
    expect((m.wrapper.find('[data-testid="trace-port"]').element as HTMLInputElement).value).toBe('80');
    expect(m.wrapper.find('[data-testid="trace-result"]').exists()).toBe(true);
  });

  it('shows every outcome with its DNAT target and probability', async () => {
    m = await mountAt('/trace?node=worker-2&dst=10.96.0.104&port=80', { session: SESSION });
    const expected = realTrace({ sessionId: 's1', node: 'worker-2', dst: '10.96.0.104', port: 80, protocol: 'tcp' });
    const outcomes = m.wrapper.findAll('[data-testid="trace-outcome"]');
    expect(outcomes).toHaveLength(expected.planes.flatMap((p) => p.outcomes).length);
    const dnat = outcomes.filter((o) => o.attributes('data-kind') === 'dnat');
    expect(dnat.map((o) => o.find('[data-testid="trace-outcome-target"]').text())).toContain('to 10.244.1.5:8080');
    const stale = dnat.find((o) => o.text().includes('10.244.1.5:8080'));
    expect(stale?.find('[data-testid="trace-outcome-probability"]').text()).toBe('25.0%');
    expect(stale?.text()).toMatch(/masqueraded/);
  });

  it('lists every step, indented by depth, with matched and unmatched rules told apart', async () => {
    m = await mountAt('/trace?node=worker-2&dst=10.96.0.104&port=80', { session: SESSION });
    const expected = realTrace({ sessionId: 's1', node: 'worker-2', dst: '10.96.0.104', port: 80, protocol: 'tcp' });
    const steps = m.wrapper.findAll('[data-testid="trace-step"]');
    expect(steps).toHaveLength(expected.planes[0].steps.length);
    const deep = expected.planes[0].steps.findIndex((s) => s.depth >= 2);
    expect(steps[deep].attributes('style')).toContain(`padding-left: ${8 + expected.planes[0].steps[deep].depth * 18}px`);
    expect(steps.some((s) => s.classes('ps-matched'))).toBe(true);
    expect(steps.some((s) => s.classes('ps-unmatched'))).toBe(true);
    expect(steps.filter((s) => s.attributes('data-kind') === 'branch').length).toBeGreaterThan(0);
  });

  it('opens the Rules view at a step\'s file and line', async () => {
    m = await mountAt('/trace?node=worker-2&dst=10.96.0.104&port=80', { session: SESSION });
    const line = m.wrapper.findAll('[data-testid="trace-step-line"]').find((l) => l.text() === 'iptables-save.txt:288');
    expect(line).toBeDefined();
    await line?.trigger('click');
    const router = m.router;
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('rules'), { timeout: 20_000 });
    const r = router.currentRoute.value;
    expect(r.name).toBe('rules');
    expect(r.params.node).toBe('worker-2');
    expect(r.query).toEqual({ file: 'iptables-save.txt', line: '288' });
  });

  it('shows an IPVS real server at weight 0 as draining', async () => {
    m = await mountAt('/trace?node=worker-5&dst=10.96.0.104&port=80', { session: SESSION });
    const ipvs = m.wrapper.find('[data-testid="trace-plane"][data-plane="ipvs"]');
    expect(ipvs.exists()).toBe(true);
    const draining = ipvs.findAll('[data-testid="trace-outcome"]').filter((o) => o.find('[data-testid="trace-outcome-draining"]').exists());
    expect(draining.length).toBeGreaterThan(0);
    expect(draining[0].text()).toContain('10.244.1.4:8080');
    expect(draining[0].find('[data-testid="trace-outcome-probability"]').text()).toBe('0%');
  });

  it('runs the trace the form describes', async () => {
    m = await mountAt('/trace', { session: SESSION });
    expect(callsOf('trace')).toEqual([]);
    await m.wrapper.find('[data-testid="trace-node"]').setValue('worker-2');
    await m.wrapper.find('[data-testid="trace-dst"]').setValue('10.96.0.104');
    await m.wrapper.find('[data-testid="trace-port"]').setValue('80');
    await m.wrapper.find('[data-testid="trace-protocol"]').setValue('udp');
    await m.wrapper.find('[data-testid="trace-src"]').setValue('10.244.3.9');
    await m.wrapper.find('form').trigger('submit');
    await settle();
    expect(callsOf('trace')).toEqual([{ sessionId: 's1', node: 'worker-2', dst: '10.96.0.104', port: 80, protocol: 'udp', src: '10.244.3.9' }]);
  });

  const errors: { name: string; setup: () => void; path: string; message: RegExp }[] = [
    { name: 'a port that is not a number', setup: () => undefined, path: '/trace?node=worker-2&dst=10.96.0.104&port=http', message: /port number/ },
    { name: 'a query the engine refuses', setup: () => undefined, path: '/trace?node=worker-2&dst=nonsense&port=80', message: /not an IP address/ },
    {
      name: 'an API error',
      setup: () => stubApi({ trace: () => ({ ok: false, error: { code: 'not-found', message: 'no node worker-2 in this session' } }) }),
      path: '/trace?node=worker-2&dst=10.96.0.104&port=80',
      message: /no node worker-2/,
    },
  ];

  it.each(errors)('shows $name as a trace error', async ({ setup, path, message }) => {
    setup();
    m = await mountAt(path, { session: SESSION });
    expect(m.wrapper.find('[data-testid="trace-error"]').text()).toMatch(message);
    expect(m.wrapper.find('[data-testid="trace-result"]').exists()).toBe(false);
  });

  it('shows hostile rule text and notes as text', async () => {
    const hostile = '<img src=x onerror=alert(1)><script>alert(1)</script>\u202e';
    stubApi({
      trace: (req) => {
        const r = realTrace(req);
        r.notes.push(hostile);
        r.planes[0].steps[0] = { ...r.planes[0].steps[0], raw: hostile, note: hostile, chain: hostile };
        r.planes[0].outcomes[0] = { ...r.planes[0].outcomes[0], when: [hostile], note: hostile };
        return ok(r);
      },
    });
    m = await mountAt('/trace?node=worker-2&dst=10.96.0.104&port=80', { session: SESSION });
    assertNoInjectedMarkup();
    expect(m.wrapper.find('[data-testid="trace-step"]').text()).toContain('<img src=x onerror=alert(1)><script>alert(1)</script><U+202E>');
  });
});
