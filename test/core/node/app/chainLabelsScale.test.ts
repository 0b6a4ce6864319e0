import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../../core/common/analyze/analyzeSnapshot';
import { prepareCluster } from '../../../../core/common/analyze/prepareCluster';
import type { SessionInfo } from '../../../../core/common/contract';
import type { SnapshotData } from '../../../../core/common/model';
import type { ClusterState } from '../../../../core/common/model';
import { createSessionStore } from '../../../../core/node/app/sessions';
import type { Session } from '../../../../core/node/app/sessions';
import { ruleText, serviceDetail } from '../../../../core/node/app/sessionViews';
import { nftRoundTrip } from '../../../helpers/nftNetns';
import { describeWithTools } from '../../../helpers/requireTool';
import { clusterBuilder, nodeIpOf, toClusterJson } from '../../../helpers/scenario/clusterBuilder';
import { renderKubeProxyIptables } from '../../../helpers/scenario/kubeProxyIptables';
import { renderKubeProxyNftables } from '../../../helpers/scenario/kubeProxyNftables';

// Chain labels of the rule viewer on a generated snapshot built like bench/generate.ts (hash-named
// Services, 100 per namespace), in kube-proxy's large-cluster mode (no per-endpoint comments): every
// KUBE-SVC/SVL/EXT/FW/SEP chain names its Service. The expected Service of each chain is read from
// the dump itself (the `ns/name:port` comment of the KUBE-SERVICES / KUBE-NODEPORTS jump, carried
// along the -j edges), not from the engine. Work is counted with the session's analysis counter.

const SERVICES = 300;
const CLUSTER_CIDR = '100.64.0.0/10';
const NODE = 'node-1';
const IPTABLES = 'iptables-save.txt';

const ref = (i: number): string => `ns-${String(Math.floor(i / 100)).padStart(4, '0')}/svc-${String(i).padStart(5, '0')}`;

/** `generated` Services like bench/generate.ts, plus a LoadBalancer with eTP=Local and source ranges (SVL/EXT/FW chains). */
function generatedState(generated: number, nodes: number): ClusterState {
  const b = clusterBuilder({ clusterCIDR: CLUSTER_CIDR, nodeCIDRMaskSize: 14, serviceCIDR: '10.96.0.0/12', podDetail: 'lean' });
  for (let i = 1; i <= nodes; i++) b.node(`node-${i}`);
  b.service('default/kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }], manualEndpoints: [{ ip: '172.18.0.2' }] });
  for (let i = 0; i < generated; i++) b.service(ref(i), { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods(ref(i), 3);
  b.service('edge/lb', {
    type: 'LoadBalancer',
    ports: [{ name: 'https', port: 443, targetPort: 8443 }],
    loadBalancerIPs: ['203.0.113.10'],
    loadBalancerSourceRanges: ['198.51.100.0/24'],
    externalTrafficPolicy: 'Local',
  }).pods('edge/lb', 4);
  return b.build();
}

function session(snapshot: SnapshotData): Session {
  const result = analyzeSnapshot(snapshot);
  const cluster = snapshot.clusterJson !== undefined ? prepareCluster(snapshot.clusterJson) : null;
  const info = { id: 's' } as unknown as SessionInfo;
  return createSessionStore().add({ id: 's', info, snapshot, cluster, result });
}

const SERVICE_CHAIN = /^KUBE-(SVC|SVL|EXT|FW|SEP)-/;

/** chain -> `ns/name`, from the dump's comments on the entry jumps and its -j edges. */
function servicesFromDump(dump: string): Map<string, string> {
  const owner = new Map<string, string>();
  const edges: [string, string][] = [];
  for (const line of dump.split('\n')) {
    const m = /^-A (\S+) .*-j (KUBE-(?:SVC|SVL|EXT|FW|SEP)-\S+)/.exec(line);
    if (!m) continue;
    const comment = /--comment "?([^ ":]+\/[^ ":]+):/.exec(line);
    if ((m[1] === 'KUBE-SERVICES' || m[1] === 'KUBE-NODEPORTS') && comment) owner.set(m[2], comment[1]);
    else edges.push([m[1], m[2]]);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const [from, to] of edges) {
      const o = owner.get(from);
      if (o !== undefined && !owner.has(to)) {
        owner.set(to, o);
        changed = true;
      }
    }
  }
  return owner;
}

function labelsOf(s: Session, node: string, file: string): { chain: string; service: string | null }[] {
  const r = ruleText(s, node, file);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.chains;
}

describe('chain labels of a generated snapshot without per-endpoint comments', () => {
  let state: ClusterState;
  let dump: string;
  let s: Session;

  beforeAll(() => {
    state = generatedState(SERVICES, 4);
    dump = renderKubeProxyIptables(state, NODE, { comments: false, clusterCIDR: CLUSTER_CIDR });
    s = session({ source: 'generated', clusterJson: toClusterJson(state, { indent: 0 }), nodes: [{ name: NODE, files: { [IPTABLES]: dump } }] });
  });

  it('renders the dump in large-cluster mode (no per-endpoint comments)', () => {
    expect(dump).not.toMatch(/^-A KUBE-SEP-.*--comment/m);
    expect(dump).toMatch(/^:KUBE-SVL-/m);
    expect(dump).toMatch(/^:KUBE-FW-/m);
  });

  it('labels every KUBE-SVC/SVL/EXT/FW/SEP chain with the Service the dump routes it for', () => {
    const want = servicesFromDump(dump);
    const got = labelsOf(s, NODE, IPTABLES).filter((c) => SERVICE_CHAIN.test(c.chain));
    const kinds = new Set(got.map((c) => c.chain.split('-')[1]));
    expect([...kinds].sort()).toEqual(['EXT', 'FW', 'SEP', 'SVC', 'SVL']);
    // A SVC chain per Service port (edge/lb's cluster path too; its local path is the SVL chain), a SEP per endpoint.
    expect(got.filter((c) => c.chain.startsWith('KUBE-SVC-')).length).toBe(SERVICES + 2);
    expect(got.filter((c) => c.chain.startsWith('KUBE-SEP-')).length).toBe(SERVICES * 3 + 1 + 4);
    const wrong = got.filter((c) => want.get(c.chain) === undefined || c.service === null || !c.service.startsWith(`${want.get(c.chain)}:`));
    expect(wrong).toEqual([]);
  });

  it('analyses the node once for any number of rule views and Service details', () => {
    for (let i = 0; i < 3; i++) labelsOf(s, NODE, IPTABLES);
    for (const key of [ref(0), ref(150), ref(SERVICES - 1), 'edge/lb', ref(0)]) {
      const d = serviceDetail(s, key);
      expect(d.ok && d.value.ports.length).toBe(1);
    }
    expect(s.stats.nodeAnalyses).toBe(1);
  });

  it('keeps the labels of a file viewed once when the node model was dropped', () => {
    labelsOf(s, NODE, IPTABLES);
    s.nodeCache.clear();
    const before = s.stats.nodeAnalyses;
    const again = labelsOf(s, NODE, IPTABLES);
    expect(s.stats.nodeAnalyses).toBe(before);
    expect(again.filter((c) => c.chain.startsWith('KUBE-SVC-') && c.service === null)).toEqual([]);
  });
});

describe('Service details with more nodes than node models kept', () => {
  const nodes = ['node-1', 'node-2', 'node-3'];
  let s: Session;

  beforeAll(() => {
    const state = generatedState(20, 3);
    s = session({
      source: 'generated',
      clusterJson: toClusterJson(state, { indent: 0 }),
      nodes: nodes.map((name) => ({ name, files: { [IPTABLES]: renderKubeProxyIptables(state, name, { comments: false, clusterCIDR: CLUSTER_CIDR }) } })),
    });
    s.nodeCacheSize = 2;
  });

  it.each([
    { step: 'a first Service analyses every node', service: ref(1), analyses: 3 },
    { step: 'a second Service reuses the two models kept and rebuilds one', service: ref(2), analyses: 4 },
    { step: 'a Service seen before is answered from the detail cache', service: ref(1), analyses: 4 },
  ])('$step', ({ service, analyses }) => {
    const d = serviceDetail(s, service);
    expect(d.ok).toBe(true);
    expect(s.stats.nodeAnalyses).toBe(analyses);
  });

  it('lists the per-node results in node order whatever order they were computed in', () => {
    const d = serviceDetail(s, ref(3));
    if (!d.ok) throw new Error(d.error.message);
    const fresh = session(s.snapshot);
    const f = serviceDetail(fresh, ref(3));
    if (!f.ok) throw new Error(f.error.message);
    expect(d.value).toEqual(f.value);
  });
});

describeWithTools(['netns', 'nft'], 'chain labels of nft listings', () => {
  it('labels nft.txt from the nft.json model of the same ruleset (only one listing is decoded)', () => {
    const state = generatedState(30, 2);
    const ip = nodeIpOf(state, NODE);
    const nft = nftRoundTrip(renderKubeProxyNftables(state, NODE, { clusterCIDR: CLUSTER_CIDR, nodeIPs: ip ? [ip] : [], serviceCIDRs: ['10.96.0.0/12'] }));
    const s = session({ source: 'generated', clusterJson: toClusterJson(state, { indent: 0 }), nodes: [{ name: NODE, files: { 'nft.txt': nft.text, 'nft.json': nft.json } }] });
    const byFile = ['nft.txt', 'nft.json'].map((file) => labelsOf(s, NODE, file).filter((c) => /^(service|endpoint|external|firewall)-[A-Z0-9]{8}-/.test(c.chain)));
    for (const chains of byFile) {
      expect(chains.length).toBeGreaterThan(30 * 4);
      // Chain names carry `ns/name/proto/port`: the label must name the same Service.
      const wrong = chains.filter((c) => c.service === null || !c.service.startsWith(`${c.chain.split('-').slice(2).join('-').split('/').slice(0, 2).join('/')}:`));
      expect(wrong).toEqual([]);
    }
    expect(s.stats.nodeAnalyses).toBe(1);
  });
});
