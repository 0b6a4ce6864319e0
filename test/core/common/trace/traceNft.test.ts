import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceNode } from '../../../../core/common/trace/traceNode';
import type { TraceOutcome, TraceQuery, TraceResult } from '../../../../core/common/trace/traceTypes';

// The packet trace over kube-proxy's nftables table. Inputs: the upstream nftables proxier's
// `TestOverallNFTablesRules` transaction (corpus), and the real `nft list ruleset` / `nft -j list
// ruleset` output of it (derived corpus files): ns1/svc1 ClusterIP 1 endpoint, ns2/svc2 ETP Local
// without local endpoints, ns3/svc3 NodePort, ns4/svc4 2 endpoints, ns5/svc5 LB with source
// ranges and affinity, ns6/svc6 no endpoints. Node IP 192.168.0.2, cluster CIDR 10.0.0.0/8.

const CORPUS = join(__dirname, '../../../fixtures/corpus/nftables');
const read = (f: string) => readFileSync(join(CORPUS, f), 'utf8');
const INPUTS = [
  { input: 'nft list ruleset', file: 'nft.txt', text: read('derived-nft-1.0.6-a-list-ruleset-of-k8s-test-overall.nft') },
  { input: 'nft -j list ruleset', file: 'nft.json', text: read('derived-nft-1.0.6-j-list-ruleset-of-k8s-test-overall.json') },
  { input: "kube-proxy's nft -f transaction", file: 'nft.txt', text: read('k8s-test-overall-nft-transaction.nft') },
];
const NODE_IP = '192.168.0.2';

function trace(file: string, text: string, q: TraceQuery, nodeIPs = [NODE_IP]): TraceResult {
  return traceNode({ name: 'n1', files: { [file]: text } }, q, { nodeIPs });
}

function short(o: TraceOutcome): string {
  const to = o.kind === 'dnat' ? ` ${o.ip?.includes(':') ? `[${o.ip}]` : o.ip}:${o.port}` : '';
  const masq = o.masquerade === 'conditional' ? ` masq if ${(o.masqueradeWhen ?? []).join(' | ')}` : o.masquerade ? ' masq' : '';
  const when = o.when.length > 0 ? ` when ${o.when.join(' | ')}` : '';
  return `${o.kind}${to} p=${Number(o.probability.toFixed(4))}${masq}${when}`;
}

function ends(r: TraceResult): string[] {
  expect(r.error).toBeUndefined();
  expect(r.planes.map((p) => p.plane)).toEqual(['nftables']);
  return r.planes[0].outcomes.map(short).sort();
}

const cases: { name: string; q: TraceQuery; want: string[] }[] = [
  {
    name: 'a ClusterIP with 2 endpoints: numgen mod 2, 1/2 each, no masquerade from a pod',
    q: { dst: '172.30.0.44', port: 80, protocol: 'tcp', src: '10.1.1.1' },
    want: ['dnat 10.180.0.4:80 p=0.5', 'dnat 10.180.0.5:80 p=0.5'],
  },
  {
    name: 'the same ClusterIP from any source: masqueraded from outside the cluster CIDR or when hairpinning',
    q: { dst: '172.30.0.44', port: 80, protocol: 'tcp' },
    want: ['dnat 10.180.0.4:80 p=0.5 masq if source not in 10.0.0.0/8 | source is 10.180.0.4', 'dnat 10.180.0.5:80 p=0.5 masq if source not in 10.0.0.0/8 | source is 10.180.0.5'],
  },
  {
    name: 'a Service without endpoints goes to reject-chain through @no-endpoint-services',
    q: { dst: '172.30.0.46', port: 80, protocol: 'tcp' },
    want: ['reject p=1'],
  },
  {
    name: 'a load balancer with source ranges admits a client inside them',
    q: { dst: '5.6.7.8', port: 80, protocol: 'tcp', src: '203.0.113.5' },
    want: ['dnat 10.180.0.3:80 p=1 masq'],
  },
  {
    name: 'a load balancer with source ranges drops a client outside them (firewall chain)',
    q: { dst: '5.6.7.8', port: 80, protocol: 'tcp', src: '192.0.2.1' },
    want: ['drop p=1'],
  },
  {
    name: 'a NodePort with externalTrafficPolicy Local and no local endpoint drops external clients',
    q: { dst: NODE_IP, port: 3001, protocol: 'tcp', src: '192.0.2.1' },
    want: ['drop p=1'],
  },
  {
    name: 'that NodePort short-circuits pod traffic to the cluster-wide endpoints',
    q: { dst: NODE_IP, port: 3001, protocol: 'tcp', src: '10.1.1.1' },
    want: ['dnat 10.180.0.2:80 p=1'],
  },
  {
    name: 'an ETP Local external IP without local endpoints drops external clients',
    q: { dst: '192.168.99.22', port: 80, protocol: 'tcp', src: '192.0.2.1' },
    want: ['drop p=1'],
  },
  {
    name: 'an ETP Cluster NodePort is DNATed and masqueraded',
    q: { dst: NODE_IP, port: 3003, protocol: 'tcp', src: '192.0.2.1' },
    want: ['dnat 10.180.0.3:80 p=1 masq'],
  },
  {
    name: 'an unknown port on a ClusterIP is rejected by cluster-ips-check',
    q: { dst: '172.30.0.41', port: 81, protocol: 'tcp', src: '10.1.1.1' },
    want: ['reject p=1'],
  },
  {
    name: 'an unallocated address in the service CIDR is dropped',
    q: { dst: '172.30.0.99', port: 80, protocol: 'tcp', src: '10.1.1.1' },
    want: ['drop p=1'],
  },
  {
    name: 'UDP to a TCP-only ClusterIP matches no service-ips element and is rejected by cluster-ips-check',
    q: { dst: '172.30.0.41', port: 80, protocol: 'udp', src: '10.1.1.1' },
    want: ['reject p=1'],
  },
];

describe.each(INPUTS)('traceNode on nftables ($input)', ({ file, text }) => {
  it.each(cases)('$name', ({ q, want }) => {
    expect(ends(trace(file, text, q))).toEqual([...want].sort());
  });
});

describe('traceNode on nftables: steps and details', () => {
  const [{ text }] = INPUTS;

  it('records each rule with its line and text, the vmap element that decided, and the numgen arms', () => {
    const r = trace('nft.txt', text, { dst: '172.30.0.44', port: 80, protocol: 'tcp', src: '10.1.1.1' });
    const lines = text.split('\n');
    const rules = r.planes[0].steps.filter((s) => s.kind === 'rule');
    for (const s of rules) expect(lines[s.line - 1].trim()).toBe(s.raw);
    expect(rules.find((s) => s.raw.startsWith('ip daddr . meta l4proto . th dport vmap @service-ips'))?.note).toMatch(/element line \d+: 172\.30\.0\.44 \. tcp \. 80 : goto service-LAUZTJTB/);
    expect(r.planes[0].steps.filter((s) => s.kind === 'branch').map((s) => s.note)).toEqual([
      'numgen 0: goto endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80 (p=0.5)',
      'numgen 1: goto endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80 (p=0.5)',
    ]);
  });

  it('follows a client that is in an affinity set straight to its endpoint', () => {
    const withEntry = text.replace(/(set affinity-GTK6MW7G[^{]*\{[^}]*timeout 3h\n)/, '$1\t\telements = { 10.1.1.1 timeout 3h expires 2h59m58s }\n');
    expect(withEntry).not.toBe(text);
    const hit = trace('nft.txt', withEntry, { dst: '172.30.0.45', port: 80, protocol: 'tcp', src: '10.1.1.1' });
    const miss = trace('nft.txt', withEntry, { dst: '172.30.0.45', port: 80, protocol: 'tcp', src: '10.2.2.2' });
    const affinityRule = (r: TraceResult) => r.planes[0].steps.find((s) => s.raw.startsWith('ip saddr @affinity-GTK6MW7G'));
    expect(affinityRule(hit)?.matched).toBe(true);
    expect(affinityRule(miss)?.matched).toBe(false);
    expect(ends(hit)).toEqual(['dnat 10.180.0.3:80 p=1']);
    expect(hit.planes[0].steps.some((s) => s.raw.startsWith('numgen'))).toBe(false);
  });

  it('makes an unknown affinity membership a condition when the source is not given', () => {
    const withEntry = text.replace(/(set affinity-GTK6MW7G[^{]*\{[^}]*timeout 3h\n)/, '$1\t\telements = { 10.1.1.1, 10.1.1.2 }\n');
    const r = trace('nft.txt', withEntry, { dst: '172.30.0.45', port: 80, protocol: 'tcp' });
    expect(r.planes[0].steps.some((s) => s.kind === 'branch' && /source in @affinity-GTK6MW7G/.test(s.note))).toBe(true);
  });

  it('traces the ip6 table with bracketed DNAT targets', () => {
    const v6 = read('derived-nft-1.0.6-a-list-ruleset-of-knftables-fake-test-kube-proxy-ipv6.nft');
    const r = trace('nft.txt', v6, { dst: 'fd00:172:30::41', port: 80, protocol: 'tcp', src: 'fd00:10::5' }, ['2001:db8::1']);
    expect(r.family).toBe(6);
    expect(ends(r)).toEqual(['dnat [fd00:10:180::1]:80 p=0.5', 'dnat [fd00:10:180::2:1]:80 p=0.5']);
  });

  it('spreads a real k3s NodePort over its 9 numgen arms, 1/9 each, masqueraded', () => {
    const k3s = read('real-k3s-nft-list-table-kube-proxy.nft');
    const r = trace('nft.txt', k3s, { dst: '10.34.4.246', port: 30000, protocol: 'tcp', src: '192.0.2.1' }, ['10.34.4.246']);
    const outs = r.planes[0].outcomes;
    expect(outs).toHaveLength(9);
    for (const o of outs) {
      expect(o.probability).toBeCloseTo(1 / 9, 9);
      expect([o.kind, o.port, o.masquerade]).toEqual(['dnat', 8080, true]);
    }
  });

  it('decides `fib daddr type local` NodePort rules from the node addresses', () => {
    const nft = `table ip kube-proxy {
\tmap service-nodeports {
\t\ttype inet_proto . inet_service : verdict
\t\telements = { tcp . 30080 : goto external-A }
\t}
\tchain nat-prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tjump services
\t}
\tchain services {
\t\tfib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports
\t}
\tchain external-A {
\t\tdnat to 10.244.1.5:8080
\t}
}
`;
    const q: TraceQuery = { dst: '172.18.0.2', port: 30080, protocol: 'tcp', src: '192.0.2.1' };
    expect(ends(trace('nft.txt', nft, q, ['172.18.0.2']))).toEqual(['dnat 10.244.1.5:8080 p=1']);
    expect(ends(trace('nft.txt', nft, q, ['172.18.0.3']))).toEqual(['accept-no-dnat p=1']);
    expect(ends(trace('nft.txt', nft, q, []))).toEqual(['accept-no-dnat p=1 when 172.18.0.2 is not an address of this node', 'dnat 10.244.1.5:8080 p=1 when 172.18.0.2 is an address of this node']);
  });

  it('lets a numgen value without an entry fall through to the next rule', () => {
    const nft = `table ip kube-proxy {
\tchain nat-prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tnumgen random mod 3 vmap { 0 : goto a, 1 : goto b }
\t}
\tchain a {
\t\tdnat to 10.0.0.1:80
\t}
\tchain b {
\t\tdnat to 10.0.0.2:80
\t}
}
`;
    expect(ends(trace('nft.txt', nft, { dst: '192.0.2.1', port: 80, protocol: 'tcp', src: '10.1.1.1' }))).toEqual([
      'accept-no-dnat p=0.3333',
      'dnat 10.0.0.1:80 p=0.3333',
      'dnat 10.0.0.2:80 p=0.3333',
    ]);
  });

  it('stops a jump loop instead of running forever', () => {
    const nft = `table ip kube-proxy {
\tchain nat-prerouting {
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tjump a
\t}
\tchain a {
\t\tjump b
\t}
\tchain b {
\t\tjump a
\t}
}
`;
    const r = trace('nft.txt', nft, { dst: '192.0.2.1', port: 80, protocol: 'tcp' });
    expect(ends(r)).toEqual(['incomplete p=1']);
    expect(r.planes[0].truncated).toBe(true);
  });

  it('traces nft.json in preference to nft.txt and says so', () => {
    const r = traceNode({ name: 'n1', files: { 'nft.json': INPUTS[1].text, 'nft.txt': INPUTS[0].text } }, { dst: '172.30.0.46', port: 80, protocol: 'tcp' }, { nodeIPs: [NODE_IP] });
    expect(r.planes).toHaveLength(1);
    expect(r.planes[0].file).toBe('nodes/n1/nft.json');
    expect(r.planes[0].notes.join('\n')).toContain('both nft.json and nft.txt present');
  });
});
