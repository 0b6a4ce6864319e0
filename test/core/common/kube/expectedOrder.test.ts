import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinHostPort } from '../../../../core/common/kube/chainNames';
import { indexCluster } from '../../../../core/common/kube/clusterIndex';
import { expectedServicePorts } from '../../../../core/common/kube/expectedServicePorts';
import type { ClusterState, Pod } from '../../../../core/common/model';
import { ep, pod, slice, svc } from './kubeFixtures';

// prepareExpected sorts endpoints without building their `ip:port` keys: the order must be
// exactly kube-proxy's byEndpoint string order, each `ip:port` once (first listing wins).

const state = (p: Partial<ClusterState>): ClusterState => ({ services: [], endpointSlices: [], pods: [], nodes: [], ...p });

function byKeyString(list: { ip: string; port: number }[]): string[] {
  const keys = list.map((e) => joinHostPort(e.ip, e.port));
  const sorted = keys.map((k, i) => ({ k, i })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i));
  return [...new Set(sorted.map((x) => x.k))];
}

const v4 = fc.constantFrom('10.0.0.1', '10.0.0.10', '10.0.0.100', '10.0.0.2', '10.0.1.1', '9.0.0.1', '100.64.0.1', '10.0.0.1');
const v6 = fc.constantFrom('fd00::1', 'fd00::10', 'fd00::1:0', 'fd00::a', 'fd00::', 'fd01::1', '2001:db8::1');

describe('expected endpoints are in kube-proxy byEndpoint order', () => {
  it.each([
    { name: 'IPv4', family: 4 as const, ips: v4 },
    { name: 'IPv6', family: 6 as const, ips: v6 },
  ])('$name: sorted by the ip:port string, each ip:port once, whatever the slice order', ({ family, ips }) => {
    fc.assert(
      fc.property(fc.array(fc.tuple(ips, fc.constantFrom(80, 8080, 9, 443, 10000)), { minLength: 0, maxLength: 12 }), (eps) => {
        // One slice per endpoint so each endpoint can carry its own port.
        const slices = eps.map(([ip, port], i) =>
          slice('ns', 's', `s-${i}`, [ep(ip)], { addressType: family === 6 ? 'IPv6' : 'IPv4', ports: [{ name: 'http', port, protocol: 'TCP' }] }),
        );
        const clusterIP = family === 6 ? 'fd00:96::1' : '10.96.0.1';
        const service = svc('ns', 's', { clusterIP, clusterIPs: [clusterIP], ipFamilies: [family === 6 ? 'IPv6' : 'IPv4'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
        const [port] = expectedServicePorts(indexCluster(state({ services: [service], endpointSlices: slices })), 'n1', family);
        const want = byKeyString(eps.map(([ip, p]) => ({ ip, port: p })));
        expect(port.allEndpoints.map((e) => joinHostPort(e.ip, e.port))).toEqual(want);
        expect(port.clusterEndpoints.map((e) => joinHostPort(e.ip, e.port))).toEqual(want);
      }),
    );
  });
});

describe('podsByIp is built on first read', () => {
  it.each([
    { name: 'no pods', pods: [] as Pod[], want: {} },
    { name: 'one pod per IP', pods: [pod('a', 'p1', ['10.0.0.1']), pod('a', 'p2', ['10.0.0.2'])], want: { '10.0.0.1': ['p1'], '10.0.0.2': ['p2'] } },
    { name: 'pods sharing an IP keep their order', pods: [pod('a', 'h1', ['192.168.0.1']), pod('b', 'h2', ['192.168.0.1'])], want: { '192.168.0.1': ['h1', 'h2'] } },
    { name: 'a dual-stack pod is listed under both IPs', pods: [pod('a', 'd', ['10.0.0.3', 'fd00::3'])], want: { '10.0.0.3': ['d'], 'fd00::3': ['d'] } },
  ])('$name', ({ pods, want }) => {
    const index = indexCluster(state({ pods }));
    const got = Object.fromEntries([...index.podsByIp].map(([ip, list]) => [ip, list.map((p) => p.metadata.name)]));
    expect(got).toEqual(want);
    expect(index.podsByIp).toBe(index.podsByIp);
  });
});
