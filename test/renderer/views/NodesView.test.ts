// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ok, fail } from '../../../core/common/contract';
import type { NodeView } from '../../../core/common/contract';
import type { AnalysisResult, NodeSummary } from '../../../core/common/model/analysis';
import type { Finding, Severity } from '../../../core/common/model/finding';
import { useSessionStore } from '../../../renderer/src/stores/session';
import { assertNoInjectedMarkup, callsOf, emitEvent, mountAt, nodeSummary, resetApi, sessionInfo, settle, stubApi } from './harness';
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

function view(summary: NodeSummary, extra: Partial<NodeView> = {}): NodeView {
  return { summary, via: null, address: null, scanStatus: null, scanMessage: null, commands: [], kubeProxy: { mode: null, healthz: null }, ...extra };
}

const HEALTHY = '{"lastUpdated": "2025-01-01T00:00:00Z","currentTime": "2025-01-01T00:00:03Z", "nodeEligible": true}';

/** A scanned session: cp-1 fine, worker-4 partly, worker-9 unreachable, worker-x a debug pod. */
function scannedViews(rescannable: boolean): NodeView[] {
  const scan = rescannable ? { rescannable: true, context: 'prod' } : {};
  return [
    view(NODES[0], { ...scan, via: 'ssh', address: '10.0.0.1:22', scanStatus: 'ok', scanMessage: '', kubeProxy: { mode: 'iptables', healthz: HEALTHY } }),
    view(NODES[1], {
      ...scan,
      via: 'ssh',
      address: '10.0.0.4:22',
      scanStatus: 'partial',
      scanMessage: '1 command failed',
      commands: [
        { id: 'iptables-save', status: 'ok', message: '', bytes: 10, durationMs: 5 },
        { id: 'conntrack', status: 'sudo-denied', message: 'sudo: a password is required', bytes: 0, durationMs: 3 },
      ],
      kubeProxy: { mode: 'nftables', healthz: null },
    }),
    view(NODES[2], { ...scan, via: 'ssh', address: '10.0.0.9:22', scanStatus: 'unreachable', scanMessage: 'connect ECONNREFUSED 10.0.0.9:22' }),
    view(NODES[3], { ...scan, via: 'pod', address: 'pod proxyscope/ps-worker-x', scanStatus: 'ok', kubeProxy: { mode: 'ipvs', healthz: null } }),
  ];
}

describe('NodesView with scan records', () => {
  let m: Mounted | null = null;
  beforeEach(() => resetApi());
  afterEach(() => {
    m?.wrapper.unmount();
    m = null;
  });

  const rowOf = (node: string) => m!.wrapper.find(`[data-testid="node-row"][data-node="${node}"]`);
  const cell = (node: string, id: string) => rowOf(node).find(`[data-testid="${id}"]`).text();
  const tid = (id: string) => m!.wrapper.find(`[data-testid="${id}"]`);

  async function mountScanned(rescannable = true): Promise<Mounted> {
    stubApi({ nodes: ({ sessionId }) => (sessionId === 's1' ? ok(scannedViews(rescannable)) : fail('not-found', 'no such session')) });
    m = await mountAt('/nodes', { session: sessionInfo(NODES), analysis: ANALYSIS });
    return m;
  }

  it('loads the node records of the current session', async () => {
    await mountScanned();
    expect(callsOf('nodes')).toEqual([{ sessionId: 's1' }]);
  });

  it.each([
    ['cp-1', 'node-access', 'SSH 10.0.0.1:22'],
    ['worker-x', 'node-access', 'debug pod proxyscope/ps-worker-x'],
    ['cp-1', 'node-scan-state', 'collected'],
    ['worker-9', 'node-scan-state', 'could not connect (address, port or firewall)'],
    ['cp-1', 'node-kube-proxy', 'mode iptables; last rules sync 3 s before the check'],
    ['worker-x', 'node-kube-proxy', 'mode ipvs; not collected'],
  ])('shows %s\'s %s in words', async (node, id, text) => {
    await mountScanned();
    expect(cell(node, id)).toBe(text);
  });

  it('marks each row with its recorded scan state', async () => {
    await mountScanned();
    expect(m!.wrapper.findAll('[data-testid="node-row"]').map((r) => r.attributes('data-state'))).toEqual(['ok', 'partial', 'unreachable', 'ok']);
  });

  it('says why a node\'s scan failed, with the failed commands', async () => {
    await mountScanned();
    const problems = m!.wrapper.findAll('[data-testid="node-scan-problem"]').map((p) => p.text());
    expect(problems).toEqual([
      'Scan: collected, but some commands failed — 1 command failed\n  conntrack: sudo: a password is required',
      'Scan: could not connect (address, port or firewall) — connect ECONNREFUSED 10.0.0.9:22',
    ]);
    // The scan's reason replaces the generic "no dump" text.
    expect(m!.wrapper.findAll('[data-testid="node-error"]').map((e) => e.text())).toEqual(['iptables-save.txt is not an iptables-save dump']);
  });

  it('leaves snapshots without scan records as they were (no records, no rescan)', async () => {
    stubApi({ nodes: () => ok(NODES.map((n) => view(n))) });
    m = await mountAt('/nodes', { session: sessionInfo(NODES), analysis: ANALYSIS });
    expect(m.wrapper.findAll('[data-testid="node-access"]').map((c) => c.text())).toEqual(['–', '–', '–', '–']);
    expect(m.wrapper.findAll('[data-testid="node-row"]').map((r) => r.attributes('data-state'))).toEqual(['', '', '', '']);
    expect(m.wrapper.find('[data-testid="node-rescan"]').exists()).toBe(false);
    expect(m.wrapper.find('[data-testid="nodes-rescan-all"]').exists()).toBe(false);
  });

  it.each([
    [true, 4, true],
    [false, 0, false],
  ])('offers rescans only for a session a scan made (rescannable=%s)', async (rescannable, buttons, all) => {
    await mountScanned(rescannable);
    expect(m!.wrapper.findAll('[data-testid="node-rescan"]')).toHaveLength(buttons);
    expect(tid('nodes-rescan-all').exists()).toBe(all);
  });

  it('rescans one node, follows it live, and loads the merged session when done', async () => {
    await mountScanned();
    stubApi({
      startScan: () => ok({ scanId: 'scan-1' }),
      analysis: ({ sessionId }) => (sessionId === 's2' ? ok({ ...ANALYSIS, nodes: NODES }) : fail('not-found', 'x')),
      services: () => ok([]),
    });
    await rowOf('worker-4').find('[data-testid="node-rescan"]').trigger('click');
    await settle();
    expect(callsOf('startScan')).toEqual([{ context: 'prod', via: 'ssh', mergeInto: 's1', nodes: ['worker-4'] }]);
    expect(tid('nodes-scan-cancel').exists()).toBe(true);
    expect(m!.wrapper.findAll('[data-testid="node-rescan"]').every((b) => b.attributes('disabled') !== undefined)).toBe(true);

    emitEvent({ type: 'scan-node', scanId: 'scan-1', node: 'worker-4', state: 'connecting', message: 'connecting to 10.0.0.4:22' });
    await settle();
    expect(rowOf('worker-4').attributes('data-state')).toBe('connecting');
    expect(cell('worker-4', 'node-scan-state')).toBe('connecting: connecting to 10.0.0.4:22');
    emitEvent({ type: 'scan-node', scanId: 'other-scan', node: 'worker-4', state: 'timeout', message: 'not ours' });
    emitEvent({ type: 'scan-node', scanId: 'scan-1', node: 'worker-4', state: 'ok', message: '' });
    await settle();
    expect(rowOf('worker-4').attributes('data-state')).toBe('ok');
    expect(rowOf('cp-1').attributes('data-state')).toBe('ok');

    emitEvent({ type: 'scan-done', scanId: 'scan-1', sessionId: 's2' });
    await settle();
    const session = useSessionStore(m!.pinia);
    expect(session.info?.id).toBe('s2');
    expect(session.info?.source).toBe('scan of prod');
    expect(callsOf('nodes')).toEqual([{ sessionId: 's1' }, { sessionId: 's2' }]);
    expect(tid('nodes-scan-cancel').exists()).toBe(false);
  });

  it('rescans every node with Rescan all', async () => {
    await mountScanned();
    stubApi({ startScan: () => ok({ scanId: 'scan-all' }) });
    await tid('nodes-rescan-all').trigger('click');
    await settle();
    expect(callsOf('startScan')).toEqual([{ context: 'prod', via: 'ssh', mergeInto: 's1' }]);
  });

  it('applies events that arrive before startScan answers', async () => {
    await mountScanned();
    let answer: (v: ReturnType<typeof ok<{ scanId: string }>>) => void = () => undefined;
    stubApi({ startScan: () => new Promise((r) => (answer = r)) });
    await rowOf('cp-1').find('[data-testid="node-rescan"]').trigger('click');
    await settle();
    emitEvent({ type: 'scan-node', scanId: 'early', node: 'cp-1', state: 'collecting', message: 'running iptables-save' });
    answer(ok({ scanId: 'early' }));
    await settle();
    expect(rowOf('cp-1').attributes('data-state')).toBe('collecting');
  });

  it('cancels the rescan; the rows keep saying where each node stopped', async () => {
    await mountScanned();
    stubApi({ startScan: () => ok({ scanId: 'scan-c' }), cancel: () => ok(true) });
    await tid('nodes-rescan-all').trigger('click');
    await settle();
    emitEvent({ type: 'scan-node', scanId: 'scan-c', node: 'worker-9', state: 'connecting', message: 'connecting to 10.0.0.9:22' });
    await settle();
    await tid('nodes-scan-cancel').trigger('click');
    await settle();
    expect(callsOf('cancel')).toEqual([{ id: 'scan-c' }]);
    emitEvent({ type: 'scan-node', scanId: 'scan-c', node: 'worker-9', state: 'cancelled', message: 'cancelled before the node was contacted' });
    emitEvent({ type: 'scan-done', scanId: 'scan-c', sessionId: null, error: { code: 'cancelled', message: 'the scan was cancelled' } });
    await settle();
    expect(rowOf('worker-9').attributes('data-state')).toBe('cancelled');
    expect(tid('nodes-scan-error').text()).toBe('the scan was cancelled');
    expect(tid('nodes-scan-cancel').exists()).toBe(false);
    expect(useSessionStore(m!.pinia).info?.id).toBe('s1');
  });

  it('shows why a rescan could not start', async () => {
    await mountScanned();
    stubApi({ startScan: () => fail('unsupported', 'this snapshot was not made by a scan in this window') });
    await tid('nodes-rescan-all').trigger('click');
    await settle();
    expect(tid('nodes-scan-error').text()).toBe('this snapshot was not made by a scan in this window');
    expect(tid('nodes-rescan-all').attributes('disabled')).toBeUndefined();
  });

  it('shows hostile scan records as text', async () => {
    const evil = '<img src=x onerror=alert(1)>\u202e';
    stubApi({ nodes: () => ok([view(NODES[2], { via: 'ssh', address: evil, scanStatus: 'auth-failed', scanMessage: evil, kubeProxy: { mode: evil, healthz: evil } })]) });
    m = await mountAt('/nodes', { session: sessionInfo([NODES[2]]) });
    assertNoInjectedMarkup();
    expect(cell('worker-9', 'node-access')).toBe('SSH <img src=x onerror=alert(1)><U+202E>');
    expect(tid('node-scan-problem').text()).toContain('<img src=x onerror=alert(1)><U+202E>');
  });
});
