import { describe, expect, it } from 'vitest';
import { collectLimitations } from '../../../../core/common/analyze/limitations';
import type { NodeAnalysis, NodeSummary, ProxyMode } from '../../../../core/common/model';
import { toClusterJson } from '../../../helpers/scenario/clusterJson';
import { baseState, cluster, dualStack } from './_modeNodes';

function node(name: string, status: NodeSummary['status'], mode: ProxyMode | 'unknown', files: string[]): NodeAnalysis {
  return { summary: { node: name, status, mode, files, ruleCount: 0, servicePorts: 0, backends: 0, malformedLines: 0 }, programmed: [], findings: [] };
}

const snapshot = (names: string[], clusterJson?: string) => ({ source: 't', ...(clusterJson ? { clusterJson } : {}), nodes: names.map((name) => ({ name, files: {} })) });

describe('collectLimitations', () => {
  it.each([
    {
      name: 'a node without any data-plane dump',
      n: node('worker-1', 'no-dump', 'unknown', ['node.json']),
      want: 'Node worker-1 has no kube-proxy data-plane dump (iptables-save.txt, nft.json / nft.txt or ipvsadm.txt), so nothing was checked there.',
    },
    {
      name: 'a node whose reported mode was not captured',
      n: node('worker-1', 'no-dump', 'ipvs', ['iptables-save.txt', 'proxy-mode.txt']),
      want: 'Node worker-1 runs kube-proxy in ipvs mode (proxy-mode.txt), but the snapshot has no ipvsadm.txt (ipvsadm -Ln --exact), with ipset.txt and ip-addr.txt for it, so its Service rules were not checked.',
    },
    {
      name: 'a node with no kube-proxy plane at all',
      n: node('worker-1', 'analyzed', 'unknown', ['iptables-save.txt']),
      want: 'Node worker-1: none of its dumps holds kube-proxy rules in any mode, so its Services were not checked (see the proxy-mode-mismatch note).',
    },
  ])('says so for $name', ({ n, want }) => {
    const c = cluster();
    expect(collectLimitations(snapshot(['worker-1', 'worker-2', 'worker-3'], toClusterJson(baseState())), c, [n])).toContain(want);
  });

  it('names the iptables nodes without ip6tables-save.txt in a dual-stack cluster, not the nftables or IPVS ones (one capture shows both families)', () => {
    const state = dualStack(baseState(), 'shop/web', 'fd00:10:96::100');
    const nodes = [node('worker-1', 'analyzed', 'iptables', ['iptables-save.txt']), node('worker-2', 'analyzed', 'nftables', ['nft.json']), node('worker-3', 'analyzed', 'ipvs', ['ipvsadm.txt'])];
    const out = collectLimitations(snapshot(['worker-1', 'worker-2', 'worker-3'], toClusterJson(state)), cluster(state), nodes);
    expect(out).toContain('Some Services have IPv6 ClusterIPs but 1 node(s) have no ip6tables-save.txt, so their IPv6 rules were not checked: worker-1.');
  });
});
