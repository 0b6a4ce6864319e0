import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterState, EndpointSlice, Service } from '../../core/common/model';
import { iptablesChainName, iptablesEndpointChainName } from '../../core/common/kube/chainNames';
import { clusterBuilder } from './scenario/clusterBuilder';
import { renderKubeProxyIptables } from './scenario/kubeProxyIptables';

// The writer is checked against kube-proxy's own expected restore input from its unit tests
// (shared corpus, transcribed inputs in corpus/cluster/), compared per chain: kube-proxy's test
// helper sorts chains too, and its Service order comes from a Go map.

const CORPUS = join(__dirname, '..', 'fixtures', 'corpus');
const read = (p: string) => readFileSync(join(CORPUS, p), 'utf8');

interface TranscribedService {
  namespace: string;
  name: string;
  type: Service['spec']['type'];
  clusterIP: string;
  externalIPs?: string[];
  loadBalancerIngressIPs?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  healthCheckNodePort?: number;
  loadBalancerSourceRanges?: string[];
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  ports: { name: string; port: number; protocol: 'TCP'; nodePort?: number; targetPort?: number }[];
}
interface TranscribedSlice {
  namespace: string;
  name: string;
  serviceName: string;
  ports: { name: string; port: number; protocol: 'TCP' }[];
  endpoints: { addresses: string[]; nodeName?: string; ready?: boolean; serving?: boolean; terminating?: boolean }[];
}

function toService(s: TranscribedService): Service {
  const { namespace, name, loadBalancerIngressIPs, ...spec } = s;
  return {
    kind: 'Service',
    metadata: { namespace, name },
    spec,
    status: { loadBalancer: { ingress: (loadBalancerIngressIPs ?? []).map((ip) => ({ ip })) } },
  };
}

function toSlice(s: TranscribedSlice): EndpointSlice {
  return {
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: { namespace: s.namespace, name: s.name, labels: { 'kubernetes.io/service-name': s.serviceName } },
    ports: s.ports,
    endpoints: s.endpoints.map(({ addresses, nodeName, ...conditions }) => ({ addresses, ...(nodeName ? { nodeName } : {}), conditions })),
  };
}

function state(services: TranscribedService[], slices: TranscribedSlice[]): ClusterState {
  return { services: services.map(toService), endpointSlices: slices.map(toSlice), pods: [], nodes: [] };
}

/** table -> { declared chains, rules per chain in order }. */
function byChain(text: string): Record<string, { chains: string[]; rules: Record<string, string[]> }> {
  const out: Record<string, { chains: string[]; rules: Record<string, string[]> }> = {};
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) out[(table = line.slice(1))] = { chains: [], rules: {} };
    else if (line.startsWith(':')) out[table].chains.push(line.split(' ')[0].slice(1));
    else if (line.startsWith('-A ')) (out[table].rules[line.split(' ')[1]] ??= []).push(line);
  }
  for (const t of Object.values(out)) t.chains.sort();
  return out;
}

const overall = JSON.parse(read('cluster/k8s-test-overall-inputs.json')) as { services: TranscribedService[]; endpointSlices: TranscribedSlice[] };
const itp = JSON.parse(read('cluster/k8s-test-itp-and-terminating-inputs.json')) as {
  scenarios: { dump: string; service: TranscribedService | string; endpointSlice: TranscribedSlice }[];
};

const cases: { name: string; dump: string; state: ClusterState; node: string; randomFully: boolean; nfacct: boolean }[] = [
  { name: 'TestOverallIPTablesRules', dump: 'iptables/k8s-test-overall-restore-input.rules', state: state(overall.services, overall.endpointSlices), node: 'test-node', randomFully: false, nfacct: true },
  ...itp.scenarios.map((s, i) => ({
    name: s.dump,
    dump: s.dump,
    state: state([typeof s.service === 'string' ? (itp.scenarios[i - 1].service as TranscribedService) : s.service], [s.endpointSlice]),
    node: 'test-hostname',
    randomFully: false,
    nfacct: false,
  })),
];

describe('renderKubeProxyIptables', () => {
  it.each(cases)('writes the same rules per chain as kube-proxy for $name', ({ dump, state, node, randomFully, nfacct }) => {
    const text = renderKubeProxyIptables(state, node, { comments: true, clusterCIDR: '10.0.0.0/8', nodeIP: '192.168.0.2', system: false, randomFully, nfacct });
    expect(byChain(text)).toEqual(byChain(read(dump)));
  });

  it('drops only the per-endpoint comments in large-cluster mode', () => {
    const s = cases[0].state;
    const opts = { clusterCIDR: '10.0.0.0/8', nodeIP: '192.168.0.2', system: false, randomFully: false, nfacct: true };
    const withComments = renderKubeProxyIptables(s, 'test-node', { ...opts, comments: true }).split('\n');
    const without = renderKubeProxyIptables(s, 'test-node', { ...opts, comments: false }).split('\n');
    expect(without).toHaveLength(withComments.length);
    const stripped = withComments.map((l) =>
      /^-A KUBE-(SEP|SVC|SVL)-/.test(l) && !l.includes('cluster IP"') ? l.replace(/ -m comment --comment ("[^"]*"|\S+)/, '') : l,
    );
    expect(without).toEqual(stripped);
  });

  it('writes probabilities 1/(n-i) with ten decimals and leaves the last rule unconditional', () => {
    const b = clusterBuilder().node('n1').service('ns/web', { ports: [{ name: 'http', port: 80 }] }).pods('ns/web', 4);
    const rules = renderKubeProxyIptables(b.build(), 'n1', { comments: true, clusterCIDR: b.clusterCIDR })
      .split('\n')
      .filter((l) => l.startsWith(`-A ${iptablesChainName('KUBE-SVC', 'ns/web:http', 'tcp')} `) && l.includes('KUBE-SEP'));
    expect(rules.map((l) => /--probability (\S+)/.exec(l)?.[1] ?? null)).toEqual(['0.2500000000', '0.3333333333', '0.5000000000', null]);
  });

  it.each([
    { fault: { kind: 'drop-endpoint' as const, service: 'ns/web', ip: '10.244.0.3' }, present: ['10.244.0.2:80', '10.244.0.4:80'], absent: ['10.244.0.3:80'] },
    { fault: { kind: 'extra-endpoint' as const, service: 'ns/web', ip: '10.244.0.99' }, present: ['10.244.0.99:80', '10.244.0.3:80'], absent: [] },
  ])('applies the $fault.kind fault to the DNAT targets', ({ fault, present, absent }) => {
    const b = clusterBuilder().node('n1').service('ns/web', { ports: [{ name: 'http', port: 80 }] }).pods('ns/web', 3);
    const text = renderKubeProxyIptables(b.build(), 'n1', { comments: true, clusterCIDR: b.clusterCIDR, faults: [fault] });
    const targets = [...text.matchAll(/--to-destination (\S+)/g)].map((m) => m[1]);
    for (const t of present) expect(targets).toContain(t);
    for (const t of absent) expect(targets).not.toContain(t);
  });

  it.each([
    { name: 'drop-service-port leaves no trace of the Service port', fault: { kind: 'drop-service-port' as const, service: 'ns/web' }, gone: ['ns/web:http', iptablesChainName('KUBE-SVC', 'ns/web:http', 'tcp')], kept: ['ns/db:pg'] },
    { name: 'ignore-readiness programs the not-ready pod', fault: { kind: 'ignore-readiness' as const, service: 'ns/web' }, gone: [], kept: ['{sick}:80'] },
    { name: 'skew-probability writes the given probability', fault: { kind: 'skew-probability' as const, service: 'ns/web', probabilities: [0.9] }, gone: ['--probability 0.3333333333'], kept: ['--probability 0.9000000000', '--probability 0.5000000000'] },
  ])('fault $name', ({ fault, gone, kept }) => {
    const b = clusterBuilder().node('n1').node('n2').service('ns/web', { ports: [{ name: 'http', port: 80 }] }).pods('ns/web', 3).service('ns/db', { ports: [{ name: 'pg', port: 5432 }] }).pods('ns/db', 1);
    const sick = b.podsOf('ns/web')[2];
    b.setPod(sick.name, { ready: false });
    b.scale('ns/web', 4);
    const text = renderKubeProxyIptables(b.build(), 'n1', { comments: true, clusterCIDR: b.clusterCIDR, faults: [fault] });
    const plain = renderKubeProxyIptables(b.build(), 'n1', { comments: true, clusterCIDR: b.clusterCIDR });
    expect(plain).not.toContain(`${sick.ip}:80`);
    for (const g of gone) expect(text).not.toContain(g);
    for (const k of kept) expect(text).toContain(k.replace('{sick}', sick.ip));
  });

  it('old-state renders a deleted Service from the older state (orphan rules)', () => {
    const before = clusterBuilder().node('n1').service('ns/old', { ports: [{ name: 'http', port: 80 }] }).pods('ns/old', 2);
    const now = before.clone().removeService('ns/old').build();
    const text = renderKubeProxyIptables(now, 'n1', { comments: true, clusterCIDR: before.clusterCIDR, faults: [{ kind: 'old-state', service: 'ns/old', state: before.build() }] });
    expect(text).toContain(`-j ${iptablesChainName('KUBE-SVC', 'ns/old:http', 'tcp')}`);
    expect(renderKubeProxyIptables(now, 'n1', { comments: true, clusterCIDR: before.clusterCIDR })).not.toContain('ns/old');
  });

  it('throws when a fault names a Service port that does not exist', () => {
    const b = clusterBuilder().node('n1').service('ns/web', { ports: [{ name: 'http', port: 80 }] });
    expect(() => renderKubeProxyIptables(b.build(), 'n1', { comments: true, clusterCIDR: b.clusterCIDR, faults: [{ kind: 'drop-service-port', service: 'ns/nope' }] })).toThrow(/no Service port ns\/nope/);
  });

  it('renames every reference of a hand-renamed chain and nothing else', () => {
    const b = clusterBuilder().node('n1').service('ns/web', { ports: [{ name: 'http', port: 80 }] }).pods('ns/web', 2);
    const sep = iptablesEndpointChainName('ns/web:http', 'tcp', '10.244.0.2:80');
    const opts = { comments: true, clusterCIDR: b.clusterCIDR };
    const plain = renderKubeProxyIptables(b.build(), 'n1', opts);
    const renamed = renderKubeProxyIptables(b.build(), 'n1', { ...opts, faults: [{ kind: 'rename-chain', service: 'ns/web', chain: 'KUBE-SEP', to: 'KUBE-SEP-HANDEDITED000001' }] });
    expect(renamed).not.toContain(sep);
    expect(renamed.replaceAll('KUBE-SEP-HANDEDITED000001', sep)).toBe(plain);
  });
});
