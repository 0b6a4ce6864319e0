// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnalysisResult } from '../../../core/common/model/analysis';
import type { Finding, Severity } from '../../../core/common/model/finding';
import { assertNoInjectedMarkup, mountAt, nodeSummary, resetApi, sessionInfo } from './harness';
import type { Mounted } from './harness';

vi.mock('../../../renderer/api', async () => (await import('./fakeApi')).apiModule);

function finding(node: string | null, severity: Severity): Finding {
  return { check: 'stale-backend', severity, node, service: 'shop/web', port: 'http', protocol: 'tcp', endpoint: null, pod: null, title: 't', message: 'm', nextSteps: [], evidence: [] };
}

const NODES = [
  nodeSummary('cp-1', { ruleCount: 1234, servicePorts: 30, backends: 41, iptablesBackend: 'nf_tables' }),
  nodeSummary('worker-4', { mode: 'nftables', files: ['iptables-save.txt', 'nft.json'], malformedLines: 2 }),
  nodeSummary('worker-9', { status: 'no-dump', mode: 'unknown', files: [], ruleCount: 0, servicePorts: 0, backends: 0 }),
  nodeSummary('worker-x', { status: 'error', mode: 'unknown', files: ['iptables-save.txt'], error: 'iptables-save.txt is not an iptables-save dump' }),
];

const ANALYSIS: AnalysisResult = {
  schemaVersion: 1,
  tool: { name: 'proxyscope', version: 'test' },
  generatedAt: '2025-01-01T00:00:00Z',
  snapshot: { source: 'test', nodes: NODES.map((n) => n.node), cluster: null },
  nodes: NODES,
  findings: [finding('cp-1', 'high'), finding('cp-1', 'high'), finding('cp-1', 'info'), finding('worker-4', 'medium'), finding(null, 'critical')],
  limitations: [],
  counts: { critical: 1, high: 2, medium: 1, low: 0, info: 1 },
};

describe('NodesView', () => {
  let m: Mounted | null = null;
  beforeEach(() => resetApi());
  afterEach(() => {
    m?.wrapper.unmount();
    m = null;
  });

  it('shows one row per node with its status and mode', async () => {
    m = await mountAt('/nodes', { session: sessionInfo(NODES), analysis: ANALYSIS });
    const rows = m.wrapper.findAll('[data-testid="node-row"]');
    expect(rows.map((r) => [r.attributes('data-node'), r.attributes('data-mode'), r.attributes('data-status')])).toEqual([
      ['cp-1', 'iptables', 'analyzed'],
      ['worker-4', 'nftables', 'analyzed'],
      ['worker-9', 'unknown', 'no-dump'],
      ['worker-x', 'unknown', 'error'],
    ]);
    expect(rows[0].text()).toContain('1,234');
    expect(rows[0].text()).toContain('nf_tables');
    expect(rows[1].text()).toContain('iptables-save.txt, nft.json');
  });

  it('counts the findings of each node by severity', async () => {
    m = await mountAt('/nodes', { session: sessionInfo(NODES), analysis: ANALYSIS });
    const counts = m.wrapper.findAll('[data-testid="node-findings"]').map((c) => c.text());
    expect(counts).toEqual(['2 high1 info', '1 medium', 'none', 'none']);
  });

  it('says in words why a node could not be analysed', async () => {
    m = await mountAt('/nodes', { session: sessionInfo(NODES), analysis: ANALYSIS });
    const errors = m.wrapper.findAll('[data-testid="node-error"]').map((e) => e.text());
    expect(errors).toEqual([expect.stringMatching(/No iptables, nftables or IPVS dump/), 'iptables-save.txt is not an iptables-save dump']);
  });

  it.each([
    ['node-rules', 'rules'],
    ['node-terminal', 'terminal'],
  ])('%s opens the %s view of that node', async (button, name) => {
    m = await mountAt('/nodes', { session: sessionInfo(NODES), analysis: ANALYSIS });
    await m.wrapper.findAll('[data-testid="node-row"]')[1].find(`[data-testid="${button}"]`).trigger('click');
    const router = m.router;
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe(name), { timeout: 20_000 });
    expect(router.currentRoute.value.params.node).toBe('worker-4');
  });

  it('shows hostile node names and errors as text', async () => {
    const evil = '<img src=x onerror=alert(1)>\u202e';
    m = await mountAt('/nodes', { session: sessionInfo([nodeSummary(evil, { status: 'error', error: '<script>alert(1)</script>', iptablesBackend: evil })]) });
    assertNoInjectedMarkup();
    expect(m.wrapper.find('[data-testid="node-row"]').attributes('data-node')).toBe(evil);
    expect(m.wrapper.find('[data-testid="node-row"]').text()).toContain('<img src=x onerror=alert(1)><U+202E>');
    expect(m.wrapper.find('[data-testid="node-error"]').text()).toBe('<script>alert(1)</script>');
  });
});
