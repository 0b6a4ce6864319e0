import { describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../../core/common/analyze/analyzeSnapshot';
import { iptablesEndpointChainName } from '../../../../core/common/kube/chainNames';
import { CATALOG_FAMILY_CHECKS, CATALOG_NODE_CHECKS } from '../../../../core/common/checks/catalog';
import type { AnalysisResult, CheckId, Finding } from '../../../../core/common/model';
import { NODE, OVERALL_RULES, overallCluster, snapshotOf } from './_overallSnapshot';
import type { OverallCluster } from './_overallSnapshot';

const NOW = new Date('2025-01-01T00:00:00Z');

function run(c: OverallCluster | null, nodes?: Record<string, string>): AnalysisResult {
  return analyzeSnapshot(snapshotOf(c, nodes), { now: NOW, version: 'test' });
}

/** The wider catalog's checks (tested in test/core/common/checks/catalog); this file is about the core ones. */
const CATALOG = new Set<CheckId>([...CATALOG_FAMILY_CHECKS, ...CATALOG_NODE_CHECKS].map((c) => c.id).concat('publish-not-ready', 'endpointslice-hygiene'));

function core(findings: Finding[]): Finding[] {
  return findings.filter((f) => !CATALOG.has(f.check));
}

function brief(f: Finding) {
  return { check: f.check, severity: f.severity, node: f.node, service: f.service, endpoint: f.endpoint, pod: f.pod };
}

/** The fixture's one by-design finding: svc6 has no endpoints (kube-proxy REJECTs it). */
const SVC6: ReturnType<typeof brief> = { check: 'no-endpoints', severity: 'high', node: null, service: 'ns6/svc6', endpoint: null, pod: null };

/** Rules where `ns/name:p80`'s endpoint `from` is replaced by `to`, with the SEP chain renamed as kube-proxy would. */
function moveEndpoint(rules: string, spn: string, from: string, to: string): string {
  const oldChain = iptablesEndpointChainName(spn, 'tcp', `${from}:80`);
  const newChain = iptablesEndpointChainName(spn, 'tcp', `${to}:80`);
  return rules.split(oldChain).join(newChain).split(`${from}:80`).join(`${to}:80`).split(`-s ${from} `).join(`-s ${to} `);
}

function endpointsOf(c: OverallCluster, sliceName: string) {
  return c.endpointSlices.find((s) => s.metadata.name === sliceName)!.endpoints!;
}

type Case = { name: string; mutate: (c: OverallCluster) => void; expect: ReturnType<typeof brief>[] };

const cases: Case[] = [
  { name: 'the kube-proxy test rules match their inputs: only svc6 has no endpoints', mutate: () => {}, expect: [SVC6] },
  {
    name: 'a deleted pod still in the rules is a stale backend',
    mutate: (c) => {
      endpointsOf(c, 'svc4-1').splice(0, 1);
      c.pods = c.pods.filter((p) => p.metadata.name !== 'svc4-a');
    },
    expect: [{ check: 'stale-backend', severity: 'critical', node: NODE, service: 'ns4/svc4', endpoint: '10.180.0.4:80', pod: null }, SVC6],
  },
  {
    name: 'a reused IP names the pod that has it now',
    mutate: (c) => {
      endpointsOf(c, 'svc4-1').splice(0, 1);
      const pod = c.pods.find((p) => p.metadata.name === 'svc4-a')!;
      pod.metadata = { name: 'batch-job', namespace: 'jobs', labels: { app: 'batch' } };
    },
    expect: [{ check: 'stale-backend', severity: 'critical', node: NODE, service: 'ns4/svc4', endpoint: '10.180.0.4:80', pod: 'jobs/batch-job' }, SVC6],
  },
  {
    name: 'a pod that turned not ready but is still in the rules is a not-ready backend',
    mutate: (c) => {
      endpointsOf(c, 'svc4-1')[0].conditions = { ready: false, serving: false, terminating: false };
      c.pods.find((p) => p.metadata.name === 'svc4-a')!.status!.conditions = [{ type: 'Ready', status: 'False' }];
    },
    expect: [SVC6, { check: 'not-ready-backend', severity: 'high', node: NODE, service: 'ns4/svc4', endpoint: '10.180.0.4:80', pod: 'ns4/svc4-a' }],
  },
  {
    name: 'a new endpoint the rules lack is a missing backend',
    mutate: (c) => {
      endpointsOf(c, 'svc4-1').push({ addresses: ['10.180.0.9'], conditions: { ready: true }, targetRef: { kind: 'Pod', namespace: 'ns4', name: 'svc4-c' } });
    },
    expect: [SVC6, { check: 'missing-backend', severity: 'high', node: NODE, service: 'ns4/svc4', endpoint: '10.180.0.9:80', pod: 'ns4/svc4-c' }],
  },
  {
    name: 'a deleted Service is one orphan finding, not stale backends',
    mutate: (c) => {
      c.services = c.services.filter((s) => s.metadata.name !== 'svc3');
      c.endpointSlices = c.endpointSlices.filter((s) => s.metadata.name !== 'svc3-1');
    },
    expect: [SVC6, { check: 'orphan-rules', severity: 'high', node: NODE, service: 'ns3/svc3', endpoint: null, pod: null }],
  },
  {
    name: 'a new Service with endpoints and no rules is not programmed',
    mutate: (c) => {
      const svc = structuredClone(c.services[0]);
      svc.metadata.name = 'svc7';
      svc.spec.clusterIP = '172.30.0.47';
      svc.spec.clusterIPs = ['172.30.0.47'];
      c.services.push(svc);
      const slice = structuredClone(c.endpointSlices[0]);
      slice.metadata = { name: 'svc7-1', namespace: 'ns1', labels: { 'kubernetes.io/service-name': 'svc7' } };
      c.endpointSlices.push(slice);
    },
    expect: [{ check: 'service-not-programmed', severity: 'critical', node: NODE, service: 'ns1/svc7', endpoint: null, pod: null }, SVC6],
  },
  {
    name: 'only terminating endpoints left is an info finding',
    mutate: (c) => {
      endpointsOf(c, 'svc1-1')[0].conditions = { ready: false, serving: true, terminating: true };
    },
    expect: [SVC6, { check: 'terminating-fallback', severity: 'info', node: null, service: 'ns1/svc1', endpoint: null, pod: null }],
  },
  {
    name: 'a REJECT for a Service that now has endpoints is stale (one finding, the REJECT covers the address)',
    mutate: (c) => {
      const slice = structuredClone(c.endpointSlices[0]);
      slice.metadata = { name: 'svc6-1', namespace: 'ns6', labels: { 'kubernetes.io/service-name': 'svc6' } };
      slice.endpoints![0].targetRef = undefined;
      slice.endpoints![0].addresses = ['10.180.0.6'];
      c.endpointSlices.push(slice);
    },
    expect: [{ check: 'no-endpoints', severity: 'high', node: NODE, service: 'ns6/svc6', endpoint: null, pod: null }],
  },
];

describe('analyzeSnapshot on kube-proxy TestOverallIPTablesRules', () => {
  it.each(cases)('$name', (c) => {
    const cluster = overallCluster();
    c.mutate(cluster);
    const res = run(cluster);
    expect(core(res.findings).map(brief)).toEqual(c.expect);
    expect(res.nodes).toEqual([expect.objectContaining({ node: NODE, status: 'analyzed', mode: 'iptables', servicePorts: 6, malformedLines: 0 })]);
    for (const f of res.findings) expect(f.evidence.length).toBeGreaterThan(0);
  });

  it('fills the result envelope', () => {
    const res = run(overallCluster());
    expect(res).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'proxyscope', version: 'test' },
      generatedAt: '2025-01-01T00:00:00.000Z',
      snapshot: { source: 'test', nodes: [NODE], cluster: { services: 6, endpointSlices: 5, pods: 6, nodes: 1 } },
      // no-endpoints (svc6); the catalog's notes on svc5's NodePort and svc2's ETP=Local DROP.
      counts: { critical: 0, high: 1, medium: 0, low: 0, info: 2 },
    });
    expect(res.findings.filter((f) => CATALOG.has(f.check)).map((f) => [f.check, f.service])).toEqual([
      ['source-ranges', 'ns5/svc5'],
      ['local-policy-black-hole', 'ns2/svc2'],
    ]);
  });

  it('is deterministic', () => {
    const cluster = overallCluster();
    endpointsOf(cluster, 'svc4-1').splice(0, 1);
    expect(run(cluster)).toEqual(run(cluster));
  });

  it('without cluster.json runs rule-level checks and says what it could not check', () => {
    const res = run(null);
    expect(res.findings).toEqual([]);
    expect(res.snapshot.cluster).toBeNull();
    expect(res.limitations[0]).toMatch(/no cluster\.json.*only rule-level checks ran.*stale backends.*not-ready backends, missing backends, Services not programmed, orphan rules/);
  });

  it('treats an unreadable cluster.json like a missing one', () => {
    const res = analyzeSnapshot({ ...snapshotOf(null), clusterJson: '{ not json' }, { now: NOW });
    expect(res.findings).toEqual([]);
    expect(res.limitations[0]).toMatch(/cluster\.json could not be used \(cluster\.json is not valid JSON/);
  });

  it('compares nodes: the outdated node is named once by its backend findings, and as the minority without cluster.json', () => {
    const moved = moveEndpoint(OVERALL_RULES, 'ns4/svc4:p80', '10.180.0.4', '10.180.0.8');
    const nodes = { [NODE]: OVERALL_RULES, n2: OVERALL_RULES, n3: moved };
    const withCluster = core(run(overallCluster(), nodes).findings).filter((f) => f.node === 'n3').map(brief);
    expect(withCluster).toEqual([
      { check: 'stale-backend', severity: 'critical', node: 'n3', service: 'ns4/svc4', endpoint: '10.180.0.8:80', pod: null },
      { check: 'missing-backend', severity: 'high', node: 'n3', service: 'ns4/svc4', endpoint: '10.180.0.4:80', pod: 'ns4/svc4-a' },
    ]);
    const without = run(null, nodes).findings.map(brief);
    expect(without).toEqual([{ check: 'node-divergence', severity: 'high', node: 'n3', service: 'ns4/svc4', endpoint: null, pod: null }]);
  });

  it('analyzes the other nodes when one node fails or has no dump', () => {
    const snap = snapshotOf(overallCluster());
    snap.nodes.push({ name: 'empty', files: { 'node.json': '{}' } });
    snap.nodes.push({ name: 'weird', files: { 'iptables-save.txt': '\u0000garbage\n*nat\n-A\nCOMMIT\n' } });
    const res = analyzeSnapshot(snap, { now: NOW });
    expect(res.nodes.map((n) => [n.node, n.status])).toEqual([[NODE, 'analyzed'], ['empty', 'no-dump'], ['weird', 'analyzed']]);
    expect(res.limitations).toContain('Node empty has no kube-proxy data-plane dump (iptables-save.txt, nft.json / nft.txt or ipvsadm.txt), so nothing was checked there.');
    expect(res.limitations).toContain('Node weird: none of its dumps holds kube-proxy rules in any mode, so its Services were not checked (see the proxy-mode-mismatch note).');
    expect(res.findings.some((f) => f.check === 'dump-malformed' && f.node === 'weird')).toBe(true);
  });
});
