import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../../../../core/common/model';
import { buildIptablesNameTable } from '../../../../../core/common/kube/iptablesNameTable';
import { buildNftNameTable } from '../../../../../core/common/kube/nftNameTable';
import { clusterBuilder } from '../../../../helpers/scenario/clusterBuilder';
import { renderKubeProxyIptables } from '../../../../helpers/scenario/kubeProxyIptables';
import { renderKubeProxyNftables } from '../../../../helpers/scenario/kubeProxyNftables';
import { decodeText, overallNames, readRules } from '../iptables/decodeHelpers';
import { decodeNftText, overallNftNames, projectNode, readNft, withoutEvidence } from './nftDecodeHelpers';

// The five core checks must answer the same in every proxy mode for the same cluster state, so
// the nftables decoder has to fill the model exactly as the iptables decoder does. These tests
// decode both data planes of one cluster and compare what the checks read (projectNode).

describe('decodeNftables agrees with decodeIptables on kube-proxy TestOverall*Rules (same 6 Services)', () => {
  const iptables = projectNode(decodeText(readRules('k8s-test-overall-restore-input.rules'), overallNames()));

  it.each([
    'k8s-test-overall-nft-transaction.nft',
    'derived-nft-1.0.6-a-list-ruleset-of-k8s-test-overall.nft',
    'derived-nft-1.0.6-j-list-ruleset-of-k8s-test-overall.json',
  ])('%s: same Service ports, frontends, backend sets, markers, affinity and source ranges', (file) => {
    const nft = projectNode(decodeNftText(readNft(file), overallNftNames()));
    expect(nft).toEqual(iptables);
    expect(nft).toHaveLength(6);
  });
});

describe('decodeNftables reads every input form of one ruleset identically', () => {
  it.each([
    {
      ruleset: 'TestOverallNFTablesRules',
      family: 4 as const,
      files: ['k8s-test-overall-nft-transaction.nft', 'derived-nft-1.0.6-a-list-ruleset-of-k8s-test-overall.nft', 'derived-nft-1.0.6-j-list-ruleset-of-k8s-test-overall.json'],
    },
    {
      ruleset: 'the knftables IPv6 example',
      family: 6 as const,
      files: [
        'knftables-fake-test-kube-proxy-ipv6-transaction.nft',
        'derived-nft-1.0.6-a-list-ruleset-of-knftables-fake-test-kube-proxy-ipv6.nft',
        'derived-nft-1.0.6-j-list-ruleset-of-knftables-fake-test-kube-proxy-ipv6.json',
      ],
    },
  ])('$ruleset: transaction, `nft list` and `nft -j` give the same model apart from evidence', ({ family, files }) => {
    for (const names of [null, overallNftNames(family)]) {
      const [first, ...rest] = files.map((f) => withoutEvidence(decodeNftText(readNft(f), names, family)));
      for (const other of rest) expect(other).toEqual(first);
    }
  });
});

const CIDR = '10.244.0.0/16';

function scenario(build: (b: ReturnType<typeof clusterBuilder>) => void): ClusterState {
  const b = clusterBuilder({ clusterCIDR: CIDR }).node('n1').node('n2');
  build(b);
  return b.build();
}

const scenarios: { name: string; state: () => ClusterState }[] = [
  { name: 'ClusterIP with 3 endpoints on two nodes', state: () => scenario((b) => b.service('a/web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('a/web', 3)) },
  {
    name: 'NodePort ETP=Local with no local endpoint (drop marker) and with one',
    state: () =>
      scenario((b) => {
        b.service('a/np', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] }).pods('a/np', 1, { nodes: ['n2'] });
        b.service('a/np2', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, targetPort: 8080 }] }).pods('a/np2', 2);
      }),
  },
  {
    name: 'LoadBalancer with source ranges, ClientIP affinity, an external IP and two protocols',
    state: () =>
      scenario((b) =>
        b
          .service('a/lb', {
            type: 'LoadBalancer',
            loadBalancerIPs: ['203.0.113.9'],
            loadBalancerSourceRanges: ['198.51.100.0/24'],
            affinitySeconds: 600,
            externalIPs: ['192.0.2.5'],
            ports: [
              { name: 'https', port: 443, targetPort: 8443 },
              { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
            ],
          })
          .pods('a/lb', 2),
      ),
  },
  { name: 'NodePort with an external IP and no endpoints (reject markers)', state: () => scenario((b) => b.service('a/empty', { type: 'NodePort', externalIPs: ['192.0.2.6'], ports: [{ port: 81, targetPort: 8080 }] })) },
  {
    name: 'ITP=Local without and with a local endpoint',
    state: () =>
      scenario((b) => {
        b.service('a/itp', { internalTrafficPolicy: 'Local', ports: [{ port: 82, targetPort: 8080 }] }).pods('a/itp', 1, { nodes: ['n2'] });
        b.service('a/itp2', { internalTrafficPolicy: 'Local', ports: [{ port: 83, targetPort: 8080 }] }).pods('a/itp2', 2);
      }),
  },
];

describe('decodeNftables agrees with decodeIptables on generated kube-proxy rules of the same cluster', () => {
  it.each(scenarios)('$name', ({ state: make }) => {
    const state = make();
    const iptables = decodeText(renderKubeProxyIptables(state, 'n1', { comments: true, clusterCIDR: CIDR }), buildIptablesNameTable(state.services, 4));
    const nft = decodeNftText(renderKubeProxyNftables(state, 'n1', { clusterCIDR: CIDR, nodeIPs: ['172.18.0.2'] }), buildNftNameTable(state.services, 4));
    expect(projectNode(nft)).toEqual(projectNode(iptables));
    expect(nft.nameMismatches).toEqual([]);
    expect(nft.facts.unmappedChains).toEqual([]);
  });
});
