import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../../../core/common/model';
import { traceNode } from '../../../../core/common/trace/traceNode';
import type { TraceOutcome, TraceQuery, TraceResult } from '../../../../core/common/trace/traceTypes';
import { iptablesRoundTrip } from '../../../helpers/netns';
import { describeWithTools } from '../../../helpers/requireTool';
import { clusterBuilder, nodeIpOf } from '../../../helpers/scenario/clusterBuilder';
import { renderKubeProxyIptables } from '../../../helpers/scenario/kubeProxyIptables';

// The packet trace over iptables dumps: kube-proxy's rules for one node, as its iptables proxier
// writes them (test/helpers/scenario), traced for each kind of Service frontend. The same
// cases run on the REAL iptables-save output of those rules further down.

function cluster(): { state: ClusterState; clusterCIDR: string } {
  const b = clusterBuilder().node('n1').node('n2');
  b.service('shop/web', { clusterIP: '10.96.0.100', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('shop/web', 3);
  b.service('shop/np', { type: 'NodePort', clusterIP: '10.96.0.101', ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080 }] }).pods('shop/np', 2);
  b.service('shop/empty', { clusterIP: '10.96.0.102', ports: [{ name: 'http', port: 80 }] });
  b.service('shop/lb', {
    type: 'LoadBalancer',
    clusterIP: '10.96.0.103',
    loadBalancerIPs: ['203.0.113.10'],
    loadBalancerSourceRanges: ['198.51.100.0/24'],
    ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30081 }],
  }).pods('shop/lb', 2);
  b.service('shop/local', {
    type: 'NodePort',
    clusterIP: '10.96.0.104',
    externalTrafficPolicy: 'Local',
    ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30090 }],
  }).pods('shop/local', 1, { nodes: ['n2'] });
  b.service('shop/sticky', { clusterIP: '10.96.0.105', affinitySeconds: 10800, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }).pods('shop/sticky', 2);
  b.service('shop/dns', { clusterIP: '10.96.0.106', ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }] }).pods('shop/dns', 1);
  return { state: b.build(), clusterCIDR: b.clusterCIDR };
}

const { state, clusterCIDR } = cluster();
const NODE_IP = nodeIpOf(state, 'n1') as string;
const RULES = renderKubeProxyIptables(state, 'n1', { comments: true, clusterCIDR });
/** Pod IPs of a Service's pods, in kube-proxy's endpoint order (sorted as text). */
const podIPs = (svc: string) =>
  state.pods
    .filter((p) => p.metadata.name.startsWith(`${svc}-`))
    .map((p) => p.status?.podIP as string)
    .sort();

function trace(dump: string, q: TraceQuery, file = 'iptables-save.txt'): TraceResult {
  return traceNode({ name: 'n1', files: { [file]: dump } }, q, { nodeIPs: [NODE_IP], podCIDRs: ['10.244.0.0/24'] });
}

/** End states as compact strings: `dnat 10.244.0.2:8080 p=0.3333 masq=...`. */
function ends(r: TraceResult): string[] {
  expect(r.error).toBeUndefined();
  return r.planes[0].outcomes.map(short).sort();
}

function short(o: TraceOutcome): string {
  const to = o.kind === 'dnat' ? ` ${o.ip?.includes(':') ? `[${o.ip}]` : o.ip}:${o.port}` : '';
  const masq = o.masquerade === 'conditional' ? ` masq if ${(o.masqueradeWhen ?? []).join(' | ')}` : o.masquerade ? ' masq' : '';
  const when = o.when.length > 0 ? ` when ${o.when.join(' | ')}` : '';
  return `${o.kind}${to} p=${Number(o.probability.toFixed(4))}${masq}${when}`;
}

const web = podIPs('web');
const np = podIPs('np');
const lb = podIPs('lb');
const local = podIPs('local');
const sticky = podIPs('sticky');
const dns = podIPs('dns');

const cases: { name: string; q: TraceQuery; want: string[] }[] = [
  {
    name: 'a ClusterIP with 3 endpoints lands on each with probability 1/3, masqueraded from outside the cluster CIDR or when hairpinning',
    q: { dst: '10.96.0.100', port: 80, protocol: 'tcp' },
    want: web.map((ip) => `dnat ${ip}:8080 p=0.3333 masq if source not in 10.244.0.0/16 | source is ${ip}`),
  },
  {
    name: 'a ClusterIP traced from a pod is not masqueraded unless the pod is the backend',
    q: { dst: '10.96.0.100', port: 80, protocol: 'tcp', src: web[0] },
    want: web.map((ip) => `dnat ${ip}:8080 p=0.3333${ip === web[0] ? ' masq' : ''}`),
  },
  {
    name: 'a NodePort on the node address lands on each endpoint, always masqueraded (ETP Cluster)',
    q: { dst: NODE_IP, port: 30080, protocol: 'tcp', src: '192.0.2.7' },
    want: np.map((ip) => `dnat ${ip}:8080 p=0.5 masq`),
  },
  {
    name: 'a Service without endpoints is rejected by the filter table',
    q: { dst: '10.96.0.102', port: 80, protocol: 'tcp' },
    want: ['reject p=1'],
  },
  {
    name: 'a NodePort with externalTrafficPolicy Local and no local endpoint drops external clients',
    q: { dst: NODE_IP, port: 30090, protocol: 'tcp', src: '192.0.2.7' },
    want: ['drop p=1'],
  },
  {
    name: 'the same ETP Local NodePort still serves pods of the cluster (short-circuited to the cluster chain)',
    q: { dst: NODE_IP, port: 30090, protocol: 'tcp', src: '10.244.1.9' },
    want: [`dnat ${local[0]}:8080 p=1`],
  },
  {
    name: 'a load balancer with source ranges admits a client inside the ranges',
    q: { dst: '203.0.113.10', port: 80, protocol: 'tcp', src: '198.51.100.7' },
    want: lb.map((ip) => `dnat ${ip}:8080 p=0.5 masq`),
  },
  {
    name: 'a load balancer with source ranges drops a client outside them',
    q: { dst: '203.0.113.10', port: 80, protocol: 'tcp', src: '192.0.2.7' },
    want: ['drop p=1'],
  },
  {
    name: 'a load balancer with source ranges and no --from lists both, each under its condition',
    q: { dst: '203.0.113.10', port: 80, protocol: 'tcp' },
    want: ['drop p=1 when source not in 198.51.100.0/24', ...lb.map((ip) => `dnat ${ip}:8080 p=0.5 masq when source in 198.51.100.0/24`)],
  },
  {
    name: 'session affinity: a client in a recent list goes to its endpoint, others are balanced',
    q: { dst: '10.96.0.105', port: 80, protocol: 'tcp', src: '10.244.1.50' },
    want: [
      `dnat ${sticky[0]}:8080 p=1 when client is in recent list X (seen in the last 10800s)`,
      `dnat ${sticky[1]}:8080 p=1 when client is not in recent list X and client is in recent list Y (seen in the last 10800s)`,
      ...sticky.map((ip) => `dnat ${ip}:8080 p=0.5 when client is not in recent list X and client is not in recent list Y`),
    ],
  },
  {
    name: 'UDP is matched on its own KUBE-SERVICES rule',
    q: { dst: '10.96.0.106', port: 53, protocol: 'udp', src: '10.244.1.50' },
    want: [`dnat ${dns[0]}:53 p=1`],
  },
  {
    name: 'the wrong protocol reaches no Service rule and leaves without DNAT',
    q: { dst: '10.96.0.106', port: 53, protocol: 'tcp', src: '10.244.1.50' },
    want: ['accept-no-dnat p=1'],
  },
  {
    name: 'a packet from a process on the node goes through nat OUTPUT and is DNATed the same way',
    q: { dst: '10.96.0.101', port: 80, protocol: 'tcp', fromLocalProcess: true, src: NODE_IP },
    want: np.map((ip) => `dnat ${ip}:8080 p=0.5 masq`),
  },
];

/** Recent-list names are chain hashes: normalise them to X, Y in order of appearance. */
function normaliseRecent(lines: string[]): string[] {
  const names = new Map<string, string>();
  return lines
    .map((l) =>
      l.replace(/recent list (KUBE-SEP-[A-Z0-9]+)/g, (_m, n: string) => {
        if (!names.has(n)) names.set(n, String.fromCharCode(88 + names.size));
        return `recent list ${names.get(n)}`;
      }),
    )
    .sort();
}

describe('traceNode on iptables (kube-proxy restore input)', () => {
  it.each(cases)('$name', ({ q, want }) => {
    const got = ends(trace(RULES, q));
    if (want.some((w) => w.includes('recent list'))) expect(normaliseRecent(got)).toEqual(normaliseRecent(want));
    else expect(got).toEqual([...want].sort());
  });

  it('prints every rule met with its line number and raw text, and whether it matched', () => {
    const r = trace(RULES, { dst: '10.96.0.100', port: 80, protocol: 'tcp' });
    const lines = RULES.split('\n');
    const steps = r.planes[0].steps.filter((s) => s.kind === 'rule');
    expect(steps.length).toBeGreaterThan(5);
    for (const s of steps) expect(lines[s.line - 1]).toBe(s.raw);
    expect(steps.some((s) => s.matched === false)).toBe(true);
    expect(steps.filter((s) => s.matched === 'branch' && /random: taken with p=0\.3333/.test(s.note))).toHaveLength(1);
    expect(steps.filter((s) => s.matched === true && /^DNAT to /.test(s.note))).toHaveLength(3);
  });

  it('opens one branch per side of each random choice and ends every path', () => {
    const r = trace(RULES, { dst: '10.96.0.100', port: 80, protocol: 'tcp', src: '10.244.1.50' });
    const steps = r.planes[0].steps;
    expect(steps.filter((s) => s.kind === 'branch').map((s) => s.note)).toEqual(['taken (p=0.3333)', 'not taken (p=0.6667)', 'taken (p=0.5)', 'not taken (p=0.5)']);
    expect(steps.filter((s) => s.kind === 'end')).toHaveLength(3);
  });

  it('folds long runs of non-matching rules unless asked for all of them', () => {
    const q: TraceQuery = { dst: '10.96.0.200', port: 80, protocol: 'tcp' };
    const folded = trace(RULES, q).planes[0].steps;
    const all = traceNode({ name: 'n1', files: { 'iptables-save.txt': RULES } }, q, { nodeIPs: [NODE_IP], allRules: true }).planes[0].steps;
    expect(folded.some((s) => s.kind === 'skipped')).toBe(true);
    expect(all.some((s) => s.kind === 'skipped')).toBe(false);
    expect(all.length).toBeGreaterThan(folded.length);
  });

  it('does not depend on kube-proxy comments (large-cluster mode)', () => {
    const bare = renderKubeProxyIptables(state, 'n1', { comments: false, clusterCIDR });
    const q: TraceQuery = { dst: '10.96.0.100', port: 80, protocol: 'tcp', src: '10.244.1.50' };
    expect(ends(trace(bare, q))).toEqual(ends(trace(RULES, q)));
  });

  describe('IPv6 (real ip6tables-save output)', () => {
    const dump = readFileSync(join(__dirname, '../../../fixtures/trace/ipv6-iptables/ip6tables-save.txt'), 'utf8');
    const v6 = (q: TraceQuery, nodeIPs: string[]) => traceNode({ name: 'n1', files: { 'ip6tables-save.txt': dump } }, q, { nodeIPs });

    it('balances a ClusterIP over bracketed IPv6 endpoints', () => {
      const r = v6({ dst: 'fd00:10:96::10', port: 80, protocol: 'tcp', src: 'fd00:10:244:1::5' }, ['2001:db8::2']);
      expect(r.family).toBe(6);
      expect(ends(r)).toEqual(['dnat [fd00:10:244:1::5]:8080 p=0.5 masq', 'dnat [fd00:10:244:2::6]:8080 p=0.5']);
    });

    it('rejects a Service without endpoints', () => {
      expect(ends(v6({ dst: 'fd00:10:96::20', port: 80, protocol: 'tcp' }, ['2001:db8::2']))).toEqual(['reject p=1']);
    });

    it('keeps --dst-type LOCAL a condition when no IPv6 node address is known', () => {
      expect(ends(v6({ dst: 'fd00:10:96::20', port: 80, protocol: 'tcp' }, [NODE_IP]))).toEqual([
        'accept-no-dnat p=1 when fd00:10:96::20 is an address of this node',
        'reject p=1 when fd00:10:96::20 is not an address of this node',
      ]);
    });
  });
});

describe('traceNode chain semantics', () => {
  const head = '*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n';
  const ruleSets: { name: string; rules: string[]; want: string[] }[] = [
    {
      name: 'RETURN goes back to the rule after the jump',
      rules: ['-A PREROUTING -j A', '-A PREROUTING -j DNAT --to-destination 10.0.0.2:80', '-A A -j RETURN', '-A A -j DNAT --to-destination 10.0.0.1:80'],
      want: ['dnat 10.0.0.2:80 p=1'],
    },
    {
      name: 'a chain entered by goto returns to the caller of its caller',
      rules: ['-A PREROUTING -j A', '-A PREROUTING -j DNAT --to-destination 10.0.0.3:80', '-A A -g B', '-A A -j DNAT --to-destination 10.0.0.1:80', '-A B -j RETURN'],
      want: ['dnat 10.0.0.3:80 p=1'],
    },
    {
      name: 'a jump loop is stopped and reported instead of running forever',
      rules: ['-A PREROUTING -j A', '-A A -j B', '-A B -j A'],
      want: ['incomplete p=1'],
    },
    {
      name: '! negation and a CIDR decide the source match',
      rules: ['-A PREROUTING ! -s 10.0.0.0/8 -j DROP', '-A PREROUTING -s 10.1.0.0/16 -j DNAT --to-destination 10.0.0.9:80'],
      want: ['dnat 10.0.0.9:80 p=1'],
    },
    {
      name: 'a port range and a destination CIDR match',
      rules: ['-A PREROUTING -d 192.0.2.0/24 -p tcp -m tcp --dport 70:90 -j DNAT --to-destination 10.0.0.8:80'],
      want: ['dnat 10.0.0.8:80 p=1'],
    },
    {
      name: 'statistic nth mode is a random branch of 1/every',
      rules: ['-A PREROUTING -m statistic --mode nth --every 4 --packet 0 -j DNAT --to-destination 10.0.0.1:80', '-A PREROUTING -j DNAT --to-destination 10.0.0.2:80'],
      want: ['dnat 10.0.0.1:80 p=0.25', 'dnat 10.0.0.2:80 p=0.75'],
    },
    {
      name: 'an unknown match module becomes a condition, not a guess',
      rules: ['-A PREROUTING -m owner --uid-owner 0 -j DROP'],
      want: ['accept-no-dnat p=1 when -m owner --uid-owner 0 does not match', 'drop p=1 when -m owner --uid-owner 0 matches'],
    },
  ];
  it.each(ruleSets)('$name', ({ rules, want }) => {
    const dump = `${head}${rules.join('\n')}\nCOMMIT\n`;
    expect(ends(trace(dump, { dst: '192.0.2.1', port: 80, protocol: 'tcp', src: '10.1.2.3' }))).toEqual(want);
  });
});

describeWithTools(['iptables-restore', 'iptables-save', 'unshare', 'netns'], 'traceNode on REAL iptables-save output', () => {
  const real = iptablesRoundTrip(RULES);

  it('reads the canonical dump, not the restore input', () => {
    expect(real).toMatch(/^# Generated by iptables-save/);
  });

  it.each(cases)('$name', ({ q, want }) => {
    const got = ends(trace(real, q));
    if (want.some((w) => w.includes('recent list'))) expect(normaliseRecent(got)).toEqual(normaliseRecent(want));
    else expect(got).toEqual([...want].sort());
  });
});
