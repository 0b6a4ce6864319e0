import { describe, expect, it } from 'vitest';
import { indexCluster } from '../../../../core/common/kube/clusterIndex';
import { expectedForNode, expectedServicePorts, prepareExpected } from '../../../../core/common/kube/expectedServicePorts';
import type { ClusterState, ExpectedEndpoint, Service } from '../../../../core/common/model';
import { ep, node, slice, svc } from './kubeFixtures';

const keys = (l: ExpectedEndpoint[]) => l.map((e) => `${e.ip.includes(':') ? `[${e.ip}]` : e.ip}:${e.port}`);
const state = (p: Partial<ClusterState>): ClusterState => ({ services: [], endpointSlices: [], pods: [], nodes: [], ...p });
const one = (p: Partial<ClusterState>, nodeName = 'n1', family: 4 | 6 = 4) => {
  const ports = expectedServicePorts(indexCluster(state(p)), nodeName, family);
  expect(ports).toHaveLength(1);
  return ports[0];
};

describe('not-proxied Services are returned with a reason', () => {
  it.each([
    { name: 'headless (clusterIP None)', service: svc('ns', 's', { clusterIP: 'None' }), reason: 'headless' },
    { name: 'headless (no clusterIP)', service: svc('ns', 's', { clusterIP: '' }), reason: 'headless' },
    { name: 'ExternalName', service: svc('ns', 's', { type: 'ExternalName', clusterIP: undefined, externalName: 'x.example' }), reason: 'external-name' },
    {
      name: 'service-proxy-name label',
      service: svc('ns', 's', {}, { metadata: { name: 's', labels: { 'service.kubernetes.io/service-proxy-name': 'other' } } }),
      reason: 'service-proxy-name',
    },
    {
      name: 'IPv6-only Service seen by the IPv4 proxier',
      service: svc('ns', 's', { clusterIP: 'fd00::10', clusterIPs: ['fd00::10'], ipFamilies: ['IPv6'] }),
      reason: 'no-cluster-ip-family',
    },
    { name: 'IPv6 clusterIP without ipFamilies (version skew)', service: svc('ns', 's', { clusterIP: 'fd00::10' }), reason: 'no-cluster-ip-family' },
  ] as { name: string; service: Service; reason: string }[])('$name -> $reason', ({ service, reason }) => {
    const port = one({ services: [service], endpointSlices: [slice('ns', 's', 's-1', [ep('10.0.0.1')])] });
    expect(port.proxied).toBe(false);
    expect(port.notProxiedReason).toBe(reason);
    expect(port.clusterEndpoints).toEqual([]);
    expect(port.localEndpoints).toEqual([]);
    expect(keys(port.allEndpoints)).toEqual(['10.0.0.1:8080']);
  });
});

describe('dual-stack', () => {
  const dual = svc('ns', 's', {
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10', 'fd00::10'],
    ipFamilies: ['IPv4', 'IPv6'],
    externalIPs: ['192.0.2.1', '2001:db8::1'],
    loadBalancerSourceRanges: ['10.0.0.0/8', ' 2001:db8::/32'],
  });
  const slices = [
    slice('ns', 's', 's-v4', [ep('10.0.0.1'), ep('10.0.0.2')]),
    slice('ns', 's', 's-v6', [ep('fd00:1::1'), ep('10.0.0.9')], { addressType: 'IPv6' }),
    slice('ns', 's', 's-fqdn', [ep('db.example')], { addressType: 'FQDN' }),
  ];
  it.each([
    { family: 4 as const, clusterIP: '10.96.0.10', externalIPs: ['192.0.2.1'], ranges: ['10.0.0.0/8'], eps: ['10.0.0.1:8080', '10.0.0.2:8080'] },
    { family: 6 as const, clusterIP: 'fd00::10', externalIPs: ['2001:db8::1'], ranges: ['2001:db8::/32'], eps: ['[fd00:1::1]:8080'] },
  ])('IPv$family sees only its own addresses and slices', ({ family, clusterIP, externalIPs, ranges, eps }) => {
    const port = one({ services: [dual], endpointSlices: slices }, 'n1', family);
    expect(port.proxied).toBe(true);
    expect(port.clusterIP).toBe(clusterIP);
    expect(port.externalIPs).toEqual(externalIPs);
    expect(port.sourceRanges).toEqual(ranges);
    expect(keys(port.allEndpoints)).toEqual(eps);
    expect(keys(port.clusterEndpoints)).toEqual(eps);
  });
});

describe('endpoint list as kube-proxy builds it', () => {
  it.each([
    {
      name: 'nil conditions read as ready and serving, not terminating',
      eps: [ep('10.0.0.1', { ready: null, serving: null, terminating: null }), ep('10.0.0.2')],
      all: ['10.0.0.1:8080', '10.0.0.2:8080'],
      cluster: ['10.0.0.1:8080', '10.0.0.2:8080'],
    },
    {
      name: 'only addresses[0] is used',
      eps: [{ addresses: ['10.0.0.1', '10.0.0.7'] }],
      all: ['10.0.0.1:8080'],
      cluster: ['10.0.0.1:8080'],
    },
    {
      name: 'wrong-family addresses in an IPv4 slice are dropped',
      eps: [ep('fd00::1'), ep('10.0.0.1')],
      all: ['10.0.0.1:8080'],
      cluster: ['10.0.0.1:8080'],
    },
    {
      name: 'endpoints without addresses are skipped',
      eps: [{ addresses: [] }, ep('10.0.0.1')],
      all: ['10.0.0.1:8080'],
      cluster: ['10.0.0.1:8080'],
    },
    {
      // Plain string order, as Go's sort on Endpoint.String(): '0' < ':' puts .10 before .1.
      name: 'endpoints are sorted by ip:port string',
      eps: [ep('10.0.0.2'), ep('10.0.0.1'), ep('10.0.0.10')],
      all: ['10.0.0.10:8080', '10.0.0.1:8080', '10.0.0.2:8080'],
      cluster: ['10.0.0.10:8080', '10.0.0.1:8080', '10.0.0.2:8080'],
    },
    {
      name: 'ready endpoints win over terminating ones',
      eps: [ep('10.0.0.1', { ready: false, serving: true, terminating: true }), ep('10.0.0.2', { ready: true })],
      all: ['10.0.0.1:8080', '10.0.0.2:8080'],
      cluster: ['10.0.0.2:8080'],
    },
  ])('$name', ({ eps, all, cluster }) => {
    const port = one({ services: [svc('ns', 's')], endpointSlices: [slice('ns', 's', 's-1', eps)] });
    expect(keys(port.allEndpoints)).toEqual(all);
    expect(keys(port.clusterEndpoints)).toEqual(cluster);
  });

  it('reports the terminating fallback when no endpoint is ready', () => {
    const port = one({
      services: [svc('ns', 's')],
      endpointSlices: [slice('ns', 's', 's-1', [ep('10.0.0.1', { ready: false, serving: true, terminating: true }), ep('10.0.0.2', { ready: false, serving: false, terminating: true })])],
    });
    expect(keys(port.clusterEndpoints)).toEqual(['10.0.0.1:8080']);
    expect(port.clusterUsesTerminatingFallback).toBe(true);
  });

  it('merges endpoints of several slices and keeps the same ip:port once', () => {
    const port = one({
      services: [svc('ns', 's')],
      endpointSlices: [slice('ns', 's', 's-1', [ep('10.0.0.1')]), slice('ns', 's', 's-2', [ep('10.0.0.1'), ep('10.0.0.2')])],
    });
    expect(keys(port.allEndpoints)).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
    expect(port.allEndpoints[0].slice).toBe('s-1');
  });

  it('prefers the local copy of an endpoint listed twice with different nodes', () => {
    const st = state({
      services: [svc('ns', 's', { internalTrafficPolicy: 'Local' })],
      endpointSlices: [slice('ns', 's', 's-1', [ep('10.0.0.1', { nodeName: 'n2' })]), slice('ns', 's', 's-2', [ep('10.0.0.1', { nodeName: 'n1' })])],
    });
    const index = indexCluster(st);
    expect(keys(expectedServicePorts(index, 'n1', 4)[0].localEndpoints)).toEqual(['10.0.0.1:8080']);
    expect(keys(expectedServicePorts(index, 'n2', 4)[0].localEndpoints)).toEqual(['10.0.0.1:8080']);
    expect(keys(expectedServicePorts(index, 'n3', 4)[0].localEndpoints)).toEqual([]);
  });

  it('records node, zone, slice and target Pod of each endpoint', () => {
    const port = one({
      services: [svc('ns', 's')],
      endpointSlices: [slice('ns', 's', 's-1', [ep('10.0.0.1', { nodeName: 'n2', zone: 'z1', targetRef: { kind: 'Pod', name: 'p1' } })])],
    });
    expect(port.allEndpoints[0]).toEqual({ ip: '10.0.0.1', port: 8080, ready: true, serving: true, terminating: false, nodeName: 'n2', zone: 'z1', pod: 'ns/p1', slice: 's-1' });
  });

  it('ignores slices without the service-name label and slices kube-proxy filters out', () => {
    const unlabelled = slice('ns', 's', 's-x', [ep('10.0.0.9')]);
    delete unlabelled.metadata.labels;
    const port = one({
      services: [svc('ns', 's')],
      endpointSlices: [unlabelled, slice('ns', 's', 's-y', [ep('10.0.0.8')], { labels: { 'service.kubernetes.io/headless': '' } }), slice('ns', 's', 's-1', [ep('10.0.0.1')])],
    });
    expect(keys(port.allEndpoints)).toEqual(['10.0.0.1:8080']);
  });
});

describe('Service port to EndpointSlice port matching', () => {
  it.each([
    { name: 'named port matches by name', svcPort: { name: 'http', port: 80 }, slicePorts: [{ name: 'metrics', port: 9090 }, { name: 'http', port: 8080 }], want: ['10.0.0.1:8080'] },
    { name: 'unnamed matches unnamed ("")', svcPort: { port: 80 }, slicePorts: [{ name: '', port: 8080 }], want: ['10.0.0.1:8080'] },
    { name: 'unnamed matches a slice port without name', svcPort: { port: 80 }, slicePorts: [{ port: 8080 }], want: ['10.0.0.1:8080'] },
    { name: 'unnamed matches null name', svcPort: { port: 80 }, slicePorts: [{ name: null, port: 8080 }], want: ['10.0.0.1:8080'] },
    { name: 'protocol must match', svcPort: { name: 'dns', port: 53, protocol: 'UDP' as const }, slicePorts: [{ name: 'dns', port: 53, protocol: 'TCP' as const }], want: [] },
    { name: 'UDP matches UDP', svcPort: { name: 'dns', port: 53, protocol: 'UDP' as const }, slicePorts: [{ name: 'dns', port: 5353, protocol: 'UDP' as const }], want: ['10.0.0.1:5353'] },
    { name: 'a port number of 0 is ignored', svcPort: { name: 'http', port: 80 }, slicePorts: [{ name: 'http', port: 0 }], want: [] },
    { name: 'no matching name gives no endpoints', svcPort: { name: 'http', port: 80 }, slicePorts: [{ name: 'https', port: 8443 }], want: [] },
  ])('$name', ({ svcPort, slicePorts, want }) => {
    const port = one({
      services: [svc('ns', 's', { ports: [svcPort] })],
      endpointSlices: [slice('ns', 's', 's-1', [ep('10.0.0.1')], { ports: slicePorts })],
    });
    expect(keys(port.clusterEndpoints)).toEqual(want);
    expect(port.id.portName).toBe(svcPort.name ?? '');
    expect(port.id.protocol).toBe((svcPort.protocol ?? 'TCP').toLowerCase());
  });
});

describe('frontends and policies', () => {
  it.each([
    {
      name: 'LB ingress with ipMode Proxy gets no LB IP, hostname-only ingress neither',
      service: svc('ns', 's', { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }, {
        status: { loadBalancer: { ingress: [{ ip: '1.1.1.1' }, { ip: '2.2.2.2', ipMode: 'Proxy' }, { hostname: 'lb.example' }, { ip: '3.3.3.3', ipMode: 'VIP' }] } },
      }),
      lb: ['1.1.1.1', '3.3.3.3'], hasExternal: true, nodePort: 30080,
    },
    { name: 'a plain ClusterIP has no external frontend', service: svc('ns', 's'), lb: [], hasExternal: false, nodePort: undefined },
    { name: 'external IPs make it external', service: svc('ns', 's', { externalIPs: ['192.0.2.5'] }), lb: [], hasExternal: true, nodePort: undefined },
  ])('$name', ({ service, lb, hasExternal, nodePort }) => {
    const port = one({ services: [service] });
    expect(port.loadBalancerIPs).toEqual(lb);
    expect(port.hasExternal).toBe(hasExternal);
    expect(port.nodePort).toBe(nodePort);
  });

  it.each([
    { affinity: { sessionAffinity: 'ClientIP' as const }, want: 10800 },
    { affinity: { sessionAffinity: 'ClientIP' as const, sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, want: 60 },
    { affinity: { sessionAffinity: 'None' as const }, want: undefined },
  ])('affinity $affinity -> $want seconds', ({ affinity, want }) => {
    expect(one({ services: [svc('ns', 's', affinity)] }).affinitySeconds).toBe(want);
  });

  it.each([
    { spec: { type: 'ClusterIP' as const, externalTrafficPolicy: 'Local' as const }, etp: false },
    { spec: { type: 'NodePort' as const, externalTrafficPolicy: 'Local' as const }, etp: true },
    { spec: { type: 'ClusterIP' as const, externalTrafficPolicy: 'Local' as const, externalIPs: ['192.0.2.1'] }, etp: true },
    { spec: { type: 'LoadBalancer' as const, externalTrafficPolicy: 'Cluster' as const }, etp: false },
  ])('externalPolicyLocal for $spec is $etp', ({ spec, etp }) => {
    expect(one({ services: [svc('ns', 's', spec)] }).externalPolicyLocal).toBe(etp);
  });
});

describe('per-node selection', () => {
  const cluster = state({
    services: [
      svc('ns', 'zonal', {}),
      svc('ns', 'etp', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port: 80, nodePort: 30001 }] }),
      svc('ns', 'plain', {}),
    ],
    endpointSlices: [
      slice('ns', 'zonal', 'zonal-1', [
        ep('10.0.1.1', { nodeName: 'a1', zone: 'za', hints: { forZones: [{ name: 'za' }] } }),
        ep('10.0.2.1', { nodeName: 'b1', zone: 'zb', hints: { forZones: [{ name: 'zb' }] } }),
      ]),
      slice('ns', 'etp', 'etp-1', [ep('10.0.1.2', { nodeName: 'a1' }), ep('10.0.2.2', { nodeName: 'b1' })]),
      slice('ns', 'plain', 'plain-1', [ep('10.0.1.3', { nodeName: 'a1' })]),
    ],
    nodes: [node('a1', 'za'), node('b1', 'zb'), node('c1')],
  });
  const index = indexCluster(cluster);
  const byName = (nodeName: string) => new Map(expectedServicePorts(index, nodeName, 4).map((p) => [p.id.name, p]));

  it.each([
    { node: 'a1', zonal: ['10.0.1.1:8080'], topology: 'prefer-same-zone', etpLocal: ['10.0.1.2:8080'] },
    { node: 'b1', zonal: ['10.0.2.1:8080'], topology: 'prefer-same-zone', etpLocal: ['10.0.2.2:8080'] },
    { node: 'c1', zonal: ['10.0.1.1:8080', '10.0.2.1:8080'], topology: 'hints-incomplete', etpLocal: [] },
  ])('node $node gets its zone subset and its local endpoints', ({ node: n, zonal, topology, etpLocal }) => {
    const ports = byName(n);
    expect(keys(ports.get('zonal')!.clusterEndpoints)).toEqual(zonal);
    expect(ports.get('zonal')!.topology).toBe(topology);
    expect(keys(ports.get('etp')!.localEndpoints)).toEqual(etpLocal);
    expect(keys(ports.get('etp')!.clusterEndpoints)).toEqual(['10.0.1.2:8080', '10.0.2.2:8080']);
  });

  it('returns the same object to every node when the result cannot depend on the node', () => {
    expect(byName('a1').get('plain')).toBe(byName('b1').get('plain'));
    expect(byName('a1').get('etp')).not.toBe(byName('b1').get('etp'));
  });

  it('prepareExpected + expectedForNode give the same result as expectedServicePorts', () => {
    for (const prepared of [prepareExpected(index), prepareExpected(index, [4, 6])]) {
      for (const n of ['a1', 'b1', 'c1']) {
        expect(expectedForNode(prepared, n, 4)).toEqual(expectedServicePorts(index, n, 4));
      }
    }
  });

  it('returns one entry per Service port in Service order', () => {
    const index2 = indexCluster(state({ services: [svc('ns', 'm', { ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2, protocol: 'UDP' }] }), svc('ns', 'n')] }));
    expect(expectedServicePorts(index2, 'n1', 4).map((p) => `${p.id.name}:${p.id.portName}/${p.id.protocol}`)).toEqual(['m:a/tcp', 'm:b/udp', 'n:http/tcp']);
  });
});
