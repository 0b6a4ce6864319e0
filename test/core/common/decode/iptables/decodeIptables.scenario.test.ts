import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../../../../core/common/model';
import { iptablesChainName, iptablesEndpointChainName } from '../../../../../core/common/kube/chainNames';
import { clusterBuilder } from '../../../../helpers/scenario/clusterBuilder';
import type { IptablesFault } from '../../../../helpers/scenario/iptablesFaults';
import { renderKubeProxyIptables } from '../../../../helpers/scenario/kubeProxyIptables';
import { endpointSets, proxyServicePorts } from '../../../../helpers/scenario/proxyEndpoints';
import { backendsOf, decodeText, markerLines, namesFor, probabilitySum, servicePort } from './decodeHelpers';

// Round trip against the scenario writer (test/helpers/scenario/kubeProxyIptables.ts, which
// follows pkg/proxy/iptables/proxier.go): what the writer programs for node n1 must decode back
// to the same Service ports and endpoint sets, with and without comments.

function cluster(): ClusterState {
  return clusterBuilder()
    .node('n1')
    .node('n2')
    .service('shop/web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] })
    .pods('shop/web', 3)
    .service('shop/api', {
      type: 'NodePort',
      externalTrafficPolicy: 'Local',
      ports: [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: 'grpc', port: 9090 },
      ],
    })
    .pods('shop/api', 3)
    .service('shop/lb', {
      type: 'LoadBalancer',
      loadBalancerIPs: ['203.0.113.10'],
      loadBalancerSourceRanges: ['198.51.100.0/24'],
      affinitySeconds: 600,
      externalIPs: ['192.0.2.7'],
      ports: [{ name: 'https', port: 443 }],
    })
    .pods('shop/lb', 2)
    .service('infra/dns', { ports: [{ port: 53, protocol: 'UDP' }] })
    .pods('infra/dns', 2)
    .service('shop/internal', { internalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80 }] })
    .pods('shop/internal', 2, { nodes: ['n2'] })
    .service('shop/empty', { ports: [{ name: 'http', port: 80 }] })
    .build();
}

const variants = [
  { name: 'with comments', comments: true },
  { name: 'in large-cluster mode (no endpoint comments)', comments: false },
];

describe('decodeIptables round trip through the scenario kube-proxy writer', () => {
  const state = cluster();
  const ports = proxyServicePorts(state);
  const vip = (spn: string): string => ports.find((p) => p.spn === spn)?.clusterIP ?? 'missing';
  const names = namesFor(state.services);
  const cases = variants.flatMap((v) => ports.map((sp) => ({ variant: v.name, comments: v.comments, sp })));

  it.each(cases)('$variant: $sp.spn/$sp.proto decodes to the endpoints kube-proxy picks on n1', ({ comments, sp }) => {
    const text = renderKubeProxyIptables(state, 'n1', { comments, clusterCIDR: '10.244.0.0/16' });
    const node = decodeText(text, names);
    const got = servicePort(node, sp.spn);
    expect(got.id).toEqual({ namespace: sp.namespace, name: sp.name, portName: sp.portName, protocol: sp.proto });
    const sets = endpointSets(sp, 'n1');
    const want = (eps: { hostPort: string }[]) => eps.map((e) => e.hostPort).sort();
    expect(backendsOf(got.clusterPath).sort()).toEqual(sets.usesCluster ? want(sets.cluster) : []);
    expect(backendsOf(got.localPath).sort()).toEqual(sets.usesLocal ? want(sets.local) : []);
    for (const path of [got.clusterPath, got.localPath]) if (path !== undefined) expect(probabilitySum(path)).toBeCloseTo(1, 9);
    // Chain-backed Service ports map by hash; marker-only ones (no endpoints) by their comment or frontend.
    expect(got.idSource).toBe(got.chains.length > 0 ? 'hash' : 'comment');
    expect(got.frontends.some((f) => f.kind === 'cluster-ip' && f.ip === sp.clusterIP && f.port === sp.port) || !sets.hasAny || sp.internalLocal).toBe(true);
  });

  it.each(variants)('$name: no unmapped chains and no name mismatches', ({ comments }) => {
    const node = decodeText(renderKubeProxyIptables(state, 'n1', { comments, clusterCIDR: '10.244.0.0/16' }), names);
    expect(node.facts.unmappedChains).toEqual([]);
    expect(node.nameMismatches).toEqual([]);
    expect(node.facts.endpointCommentsPresent).toBe(comments);
  });

  it.each(variants)('$name: the LoadBalancer with source ranges and affinity decodes its firewall', ({ comments }) => {
    const node = decodeText(renderKubeProxyIptables(state, 'n1', { comments, clusterCIDR: '10.244.0.0/16' }), names);
    const lb = servicePort(node, 'shop/lb:https');
    expect(lb.frontends.map((f) => `${f.kind} ${f.ip ?? '*'} ${f.path}`).sort()).toEqual([
      `cluster-ip ${vip('shop/lb:https')} cluster`,
      'external-ip 192.0.2.7 external',
      'load-balancer 203.0.113.10 firewall',
      'node-port * external',
    ].sort());
    expect(lb.sourceRanges).toEqual(['198.51.100.0/24']);
    expect(lb.clusterPath?.affinitySeconds).toBe(600);
    expect(markerLines(lb)).toEqual(['drop firewall load-balancer 203.0.113.10:443/tcp']);
  });

  it.each(variants)('$name: ITP=Local without local endpoints and a Service without endpoints keep their markers', ({ comments }) => {
    const node = decodeText(renderKubeProxyIptables(state, 'n1', { comments, clusterCIDR: '10.244.0.0/16' }), names);
    expect(markerLines(servicePort(node, 'shop/internal:http'))).toEqual([`drop no-local-endpoints cluster-ip ${vip('shop/internal:http')}:80/tcp`]);
    expect(markerLines(servicePort(node, 'shop/empty:http'))).toEqual([`reject no-endpoints cluster-ip ${vip('shop/empty:http')}:80/tcp`]);
  });
});

describe('decodeIptables on dumps with injected faults', () => {
  const state = cluster();
  const names = namesFor(state.services);
  const web = proxyServicePorts(state).find((p) => p.spn === 'shop/web:http');
  if (web === undefined) throw new Error('no shop/web:http');
  const render = (faults: IptablesFault[], comments = true) =>
    decodeText(renderKubeProxyIptables(state, 'n1', { comments, clusterCIDR: '10.244.0.0/16', faults }), names);

  it('reports a hand-renamed KUBE-SVC chain as a name mismatch, mapped through its comment', () => {
    const node = render([{ kind: 'rename-chain', service: 'shop/web', port: 'http', chain: 'KUBE-SVC', to: 'KUBE-SVC-AAAAAAAAAAAAAAAA' }]);
    const sp = servicePort(node, 'shop/web:http');
    expect(sp.idSource).toBe('comment');
    expect(sp.clusterPath?.chain).toBe('KUBE-SVC-AAAAAAAAAAAAAAAA');
    expect(node.nameMismatches).toEqual([
      expect.objectContaining({
        chain: 'KUBE-SVC-AAAAAAAAAAAAAAAA',
        claimed: 'shop/web:http tcp',
        expected: [iptablesChainName('KUBE-SVC', 'shop/web:http', 'tcp')],
      }),
    ]);
  });

  it('maps a renamed chain through its frontend when comments are gone', () => {
    const node = render([{ kind: 'rename-chain', service: 'shop/web', port: 'http', chain: 'KUBE-SVC', to: 'KUBE-SVC-AAAAAAAAAAAAAAAA' }], false);
    const sp = servicePort(node, 'shop/web:http');
    expect(sp.idSource).toBe('comment');
    expect(node.nameMismatches.map((m) => m.chain)).toEqual(['KUBE-SVC-AAAAAAAAAAAAAAAA']);
  });

  it('reports a hand-renamed KUBE-SEP chain with the name its DNAT target implies', () => {
    const ep = web.endpoints[0].hostPort;
    const node = render([{ kind: 'rename-chain', service: 'shop/web', port: 'http', chain: 'KUBE-SEP', endpoint: ep, to: 'KUBE-SEP-BBBBBBBBBBBBBBBB' }]);
    expect(node.nameMismatches).toEqual([
      expect.objectContaining({
        chain: 'KUBE-SEP-BBBBBBBBBBBBBBBB',
        claimed: `shop/web:http tcp -> ${ep}`,
        expected: [iptablesEndpointChainName('shop/web:http', 'tcp', ep)],
      }),
    ]);
    expect(servicePort(node, 'shop/web:http').idSource).toBe('hash');
  });

  it('keeps skewed probabilities as written and computes the resulting shares', () => {
    const node = render([{ kind: 'skew-probability', service: 'shop/web', port: 'http', probabilities: [0.9, 0.5] }]);
    const path = servicePort(node, 'shop/web:http').clusterPath;
    expect(path?.steps.map((s) => s.probability)).toEqual([0.9, 0.5, undefined]);
    const shares = path?.backends.map((b) => b.probability) ?? [];
    expect(shares[0]).toBeCloseTo(0.9, 9);
    expect(shares[1]).toBeCloseTo(0.05, 9);
    expect(shares[2]).toBeCloseTo(0.05, 9);
  });

  it('shows an extra endpoint the API no longer lists as an ordinary backend', () => {
    const node = render([{ kind: 'extra-endpoint', service: 'shop/web', port: 'http', ip: '10.244.9.9' }]);
    expect(backendsOf(servicePort(node, 'shop/web:http').clusterPath)).toContain('10.244.9.9:8080');
  });
});
