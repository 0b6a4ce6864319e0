import { describe, expect, it } from 'vitest';
import { indexCluster } from '../../../../core/common/kube/clusterIndex';
import { expectedServicePorts } from '../../../../core/common/kube/expectedServicePorts';
import {
  iptablesChainName,
  iptablesEndpointChainName,
  joinHostPort,
  nftEndpointChainName,
  nftServiceChainName,
  servicePortName,
} from '../../../../core/common/kube/chainNames';
import type { ExpectedEndpoint, ExpectedServicePort } from '../../../../core/common/model';
import { readCorpus, toService, toSlice } from './corpusCluster';
import type { TService, TSlice } from './corpusCluster';

// The corpus records what kube-proxy actually programmed for these inputs (its own unit tests);
// our expectation must match it endpoint for endpoint.

const eps = (list: ExpectedEndpoint[]) => list.map((e) => joinHostPort(e.ip, e.port));
const spnOf = (p: ExpectedServicePort) => servicePortName(p.id.namespace, p.id.name, p.id.portName);

interface ItpScenario {
  test: string;
  service: TService | string;
  endpointSlice: TSlice;
  expected: { svc?: string; svl?: string; ext?: string; svcEndpoints?: string[]; svlEndpoints?: string[]; sep?: Record<string, string> };
}
interface ItpFile { proxierContext: { nodeName: string }; scenarios: ItpScenario[] }

const itp = readCorpus<ItpFile>('k8s-test-itp-and-terminating-inputs.json');
let lastService: TService | undefined;
const itpCases = itp.scenarios.map((s) => {
  const service = typeof s.service === 'string' ? lastService! : s.service;
  lastService = service;
  return { name: s.test, service, slice: s.endpointSlice, expected: s.expected };
});

describe('expectedServicePorts on k8s-test-itp-and-terminating-inputs.json', () => {
  it.each(itpCases)('$name: cluster and local sets equal what kube-proxy programmed', ({ service, slice, expected }) => {
    const index = indexCluster({ services: [toService(service)], endpointSlices: [toSlice(slice)], pods: [], nodes: [] });
    const [port] = expectedServicePorts(index, itp.proxierContext.nodeName, 4);
    expect(port.proxied).toBe(true);
    expect(eps(port.clusterEndpoints)).toEqual(expected.svcEndpoints ?? []);
    expect(eps(port.localEndpoints)).toEqual(expected.svlEndpoints ?? []);
    const spn = spnOf(port);
    if (expected.svc) expect(iptablesChainName('KUBE-SVC', spn, port.id.protocol)).toBe(expected.svc);
    if (expected.svl) expect(iptablesChainName('KUBE-SVL', spn, port.id.protocol)).toBe(expected.svl);
    if (expected.ext) expect(iptablesChainName('KUBE-EXT', spn, port.id.protocol)).toBe(expected.ext);
    // Every programmed endpoint gets a KUBE-SEP chain; their names and set must match the dump.
    const reachable = new Map<string, string>();
    for (const e of [...port.clusterEndpoints, ...port.localEndpoints]) {
      const ep = joinHostPort(e.ip, e.port);
      reachable.set(ep, iptablesEndpointChainName(spn, port.id.protocol, ep));
    }
    expect(Object.fromEntries([...reachable].sort())).toEqual(expected.sep ?? Object.fromEntries([...reachable].sort()));
  });

  it('marks the only-terminating local set as the serving+terminating fallback', () => {
    const c = itpCases[3];
    const index = indexCluster({ services: [toService(c.service)], endpointSlices: [toSlice(c.slice)], pods: [], nodes: [] });
    const [port] = expectedServicePorts(index, itp.proxierContext.nodeName, 4);
    expect(port.localUsesTerminatingFallback).toBe(true);
    expect(port.clusterUsesTerminatingFallback).toBe(false);
    expect(port.affinitySeconds).toBe(10800);
    expect(port.loadBalancerIPs).toEqual(['1.2.3.4']);
  });
});

interface ChainNames {
  iptables: { svc?: string; ext?: string; fw?: string; sep?: Record<string, string> };
  nftables: { service?: string; external?: string; firewall?: string; endpoints?: Record<string, string> };
}
interface OverallFile {
  proxierContext: { nodeName: string };
  services: TService[];
  endpointSlices: TSlice[];
  expectedChainNames: Record<string, ChainNames | string>;
}

const overall = readCorpus<OverallFile>('k8s-test-overall-inputs.json');
const overallIndex = indexCluster({
  services: overall.services.map(toService),
  endpointSlices: overall.endpointSlices.map(toSlice),
  pods: [],
  nodes: [],
});
const overallPorts = expectedServicePorts(overallIndex, overall.proxierContext.nodeName, 4);
const overallCases = Object.entries(overall.expectedChainNames)
  .filter((e): e is [string, ChainNames] => typeof e[1] === 'object')
  .map(([spn, names]) => ({ spn, names }));

describe('expectedServicePorts on k8s-test-overall-inputs.json', () => {
  it('returns one proxied port per Service port', () => {
    expect(overallPorts.map(spnOf).sort()).toEqual(overallCases.map((c) => c.spn).sort());
    expect(overallPorts.every((p) => p.proxied)).toBe(true);
  });

  it.each(overallCases)('$spn reaches exactly the endpoints kube-proxy gave chains', ({ spn, names }) => {
    const port = overallPorts.find((p) => spnOf(p) === spn)!;
    const reachable = [...port.clusterEndpoints, ...port.localEndpoints];
    const proto = port.id.protocol;
    const { namespace, name, portName } = port.id;
    const sep = Object.fromEntries(reachable.map((e) => [joinHostPort(e.ip, e.port), iptablesEndpointChainName(spn, proto, joinHostPort(e.ip, e.port))]));
    expect(sep).toEqual(names.iptables.sep ?? {});
    const nftEps = Object.fromEntries(reachable.map((e) => [joinHostPort(e.ip, e.port), nftEndpointChainName(namespace, name, proto, portName, e.ip, e.port)]));
    expect(nftEps).toEqual(names.nftables.endpoints ?? {});
    if (names.iptables.svc) expect(iptablesChainName('KUBE-SVC', spn, proto)).toBe(names.iptables.svc);
    if (names.iptables.ext) expect(iptablesChainName('KUBE-EXT', spn, proto)).toBe(names.iptables.ext);
    if (names.iptables.fw) expect(iptablesChainName('KUBE-FW', spn, proto)).toBe(names.iptables.fw);
    if (names.nftables.service) expect(nftServiceChainName('service', namespace, name, proto, portName)).toBe(names.nftables.service);
    if (names.nftables.external) expect(nftServiceChainName('external', namespace, name, proto, portName)).toBe(names.nftables.external);
    if (names.nftables.firewall) expect(nftServiceChainName('firewall', namespace, name, proto, portName)).toBe(names.nftables.firewall);
    // KUBE-EXT exists exactly when the port has an external frontend.
    expect(port.hasExternal).toBe(names.iptables.ext !== undefined);
  });

  it.each([
    { spn: 'ns2/svc2:p80', externalIPs: ['192.168.99.22'], lb: ['1.2.3.4'], nodePort: 3001, etpLocal: true, ranges: [] as string[] },
    { spn: 'ns4/svc4:p80', externalIPs: ['192.168.99.33'], lb: [], nodePort: undefined, etpLocal: false, ranges: [] },
    { spn: 'ns5/svc5:p80', externalIPs: [], lb: ['5.6.7.8'], nodePort: 3002, etpLocal: false, ranges: ['203.0.113.0/25'] },
  ])('$spn has the frontends and policies of the test Service', ({ spn, externalIPs, lb, nodePort, etpLocal, ranges }) => {
    const port = overallPorts.find((p) => spnOf(p) === spn)!;
    expect(port.externalIPs).toEqual(externalIPs);
    expect(port.loadBalancerIPs).toEqual(lb);
    expect(port.nodePort).toBe(nodePort);
    expect(port.externalPolicyLocal).toBe(etpLocal);
    expect(port.sourceRanges).toEqual(ranges);
  });

  it('gives ns2/svc2 (ETP Local, endpoint without nodeName) an empty local set', () => {
    const port = overallPorts.find((p) => spnOf(p) === 'ns2/svc2:p80')!;
    expect(port.localEndpoints).toEqual([]);
    expect(eps(port.clusterEndpoints)).toEqual(['10.180.0.2:80']);
  });

  it('gives ns6/svc6 no endpoints at all', () => {
    const port = overallPorts.find((p) => spnOf(p) === 'ns6/svc6:p80')!;
    expect(port.allEndpoints).toEqual([]);
    expect(port.clusterEndpoints).toEqual([]);
  });
});
