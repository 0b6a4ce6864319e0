// The iptables rules kube-proxy's IPVS proxier writes next to its virtual servers, as
// iptables-restore input (pkg/proxy/ipvs/proxier.go v1.34: createAndLinkKubeChain,
// writeIptablesRules, acceptIPVSTraffic, ipsetWithIptablesChain). Written from reading that code,
// nothing copied. Around them, what kubelet adds on every node (KUBE-IPTABLES-HINT,
// KUBE-KUBELET-CANARY). The IPVS proxier runs no iptables monitor, so there is no
// KUBE-PROXY-CANARY, and since kubelet 1.28 no KUBE-FIREWALL / KUBE-MARK-DROP either.

export interface IpvsIptablesInput {
  /** Sets that have members (kube-proxy writes a set's match rule only when it is not empty). */
  nonEmpty: ReadonlySet<string>;
  /** kube-proxy --cluster-cidr (the local-traffic detector); '' = none. */
  clusterCIDR: string;
  masqueradeAll?: boolean;
  randomFully?: boolean;
  /** LB `ip`/`proto`/`port` the node may not reach (source ranges that exclude the node IP). */
  lbNoNodeAccess: { ip: string; proto: string; port: number }[];
  /** Write kubelet's chains and the built-in chains (default true). */
  system?: boolean;
}

const MARK = '0x004000';
const q = (s: string) => `"${s}"`;
const decl = (name: string, policy = '-') => `:${name} ${policy} [0:0]`;

// Set comments (pkg/proxy/ipvs/ipset.go).
export const SET_COMMENTS: Record<string, string> = {
  'KUBE-LOOP-BACK': 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose',
  'KUBE-CLUSTER-IP': 'Kubernetes service cluster ip + port for masquerade purpose',
  'KUBE-EXTERNAL-IP': 'Kubernetes service external ip + port for masquerade and filter purpose',
  'KUBE-EXTERNAL-IP-LOCAL': 'Kubernetes service external ip + port with externalTrafficPolicy=local',
  'KUBE-LOAD-BALANCER': 'Kubernetes service lb portal',
  'KUBE-LOAD-BALANCER-FW': 'Kubernetes service load balancer ip + port for load balancer with sourceRange',
  'KUBE-LOAD-BALANCER-LOCAL': 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local',
  'KUBE-LOAD-BALANCER-SOURCE-IP': 'Kubernetes service load balancer ip + port + source IP for packet filter purpose',
  'KUBE-LOAD-BALANCER-SOURCE-CIDR': 'Kubernetes service load balancer ip + port + source cidr for packet filter purpose',
  'KUBE-NODE-PORT-TCP': 'Kubernetes nodeport TCP port for masquerade purpose',
  'KUBE-NODE-PORT-LOCAL-TCP': 'Kubernetes nodeport TCP port with externalTrafficPolicy=local',
  'KUBE-NODE-PORT-UDP': 'Kubernetes nodeport UDP port for masquerade purpose',
  'KUBE-NODE-PORT-LOCAL-UDP': 'Kubernetes nodeport UDP port with externalTrafficPolicy=local',
  'KUBE-NODE-PORT-SCTP-HASH': "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'",
  'KUBE-NODE-PORT-LOCAL-SCTP-HASH': "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'",
  'KUBE-HEALTH-CHECK-NODE-PORT': 'Kubernetes health check node port',
};

// ipsetWithIptablesChain: [set, table, from chain, to, match type, -p]; Local sets before the others.
const SET_JUMPS: readonly [string, 'nat' | 'filter', string, string, string, string][] = [
  ['KUBE-LOOP-BACK', 'nat', 'KUBE-POSTROUTING', 'MASQUERADE', 'dst,dst,src', ''],
  ['KUBE-LOAD-BALANCER', 'nat', 'KUBE-SERVICES', 'KUBE-LOAD-BALANCER', 'dst,dst', ''],
  ['KUBE-LOAD-BALANCER-LOCAL', 'nat', 'KUBE-LOAD-BALANCER', 'RETURN', 'dst,dst', ''],
  ['KUBE-NODE-PORT-LOCAL-TCP', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'tcp'],
  ['KUBE-NODE-PORT-TCP', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'tcp'],
  ['KUBE-NODE-PORT-LOCAL-UDP', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'udp'],
  ['KUBE-NODE-PORT-UDP', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'udp'],
  ['KUBE-NODE-PORT-LOCAL-SCTP-HASH', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst,dst', 'sctp'],
  ['KUBE-NODE-PORT-SCTP-HASH', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst,dst', 'sctp'],
  ['KUBE-LOAD-BALANCER-FW', 'filter', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'dst,dst', ''],
  ['KUBE-LOAD-BALANCER-SOURCE-CIDR', 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
  ['KUBE-LOAD-BALANCER-SOURCE-IP', 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
];

const NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ'];
const FILTER_CHAINS = ['KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER'];

export function renderIpvsIptables(input: IpvsIptablesInput): string {
  const nat: string[] = [];
  const filter: string[] = [];
  const set = (name: string, match: string) => `-m set --match-set ${name} ${match}`;
  const has = (name: string) => input.nonEmpty.has(name);

  nat.push('-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN');
  for (const [name, table, from, to, match, proto] of SET_JUMPS) {
    if (!has(name)) continue;
    const rule = `-A ${from}${proto ? ` -p ${proto}` : ''} -m comment --comment ${q(SET_COMMENTS[name])} ${set(name, match)} -j ${to}`;
    (table === 'nat' ? nat : filter).push(rule);
  }
  if (has('KUBE-CLUSTER-IP')) {
    const head = `-A KUBE-SERVICES -m comment --comment ${q(SET_COMMENTS['KUBE-CLUSTER-IP'])}`;
    if (input.masqueradeAll) nat.push(`${head} ${set('KUBE-CLUSTER-IP', 'dst,dst')} -j KUBE-MARK-MASQ`);
    else if (input.clusterCIDR) nat.push(`${head} ${set('KUBE-CLUSTER-IP', 'dst,dst')} ! -s ${input.clusterCIDR} -j KUBE-MARK-MASQ`);
    else nat.push(`${head} ${set('KUBE-CLUSTER-IP', 'src,dst')} -j KUBE-MARK-MASQ`);
  }
  for (const name of ['KUBE-EXTERNAL-IP', 'KUBE-EXTERNAL-IP-LOCAL']) {
    if (!has(name)) continue;
    const head = `-A KUBE-SERVICES -m comment --comment ${q(SET_COMMENTS[name])} ${set(name, 'dst,dst')}`;
    if (name === 'KUBE-EXTERNAL-IP') nat.push(`${head} -j KUBE-MARK-MASQ`);
    nat.push(`${head} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`);
    nat.push(`${head} -m addrtype --dst-type LOCAL -j ACCEPT`);
  }
  nat.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT');
  nat.push('-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ');
  filter.push('-A KUBE-SOURCE-RANGES-FIREWALL -j DROP');
  for (const e of input.lbNoNodeAccess) {
    filter.push(`-A KUBE-IPVS-OUT-FILTER -s ${e.ip} -m ipvs --vaddr ${e.ip} --vproto ${e.proto} --vport ${e.port} -j DROP`);
  }
  for (const name of ['KUBE-CLUSTER-IP', 'KUBE-LOAD-BALANCER']) if (has(name)) nat.push(`-A KUBE-SERVICES ${set(name, 'dst,dst')} -j ACCEPT`);
  filter.push(`-A KUBE-FORWARD -m comment --comment ${q('kubernetes forwarding rules')} -m mark --mark ${MARK}/${MARK} -j ACCEPT`);
  filter.push(`-A KUBE-FORWARD -m comment --comment ${q('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  filter.push(`-A KUBE-NODE-PORT -m comment --comment ${q(SET_COMMENTS['KUBE-HEALTH-CHECK-NODE-PORT'])} ${set('KUBE-HEALTH-CHECK-NODE-PORT', 'dst')} -j ACCEPT`);
  for (const name of ['KUBE-LOAD-BALANCER', 'KUBE-CLUSTER-IP', 'KUBE-EXTERNAL-IP', 'KUBE-EXTERNAL-IP-LOCAL']) {
    filter.push(`-A KUBE-IPVS-FILTER ${set(name, 'dst,dst')} -j RETURN`);
  }
  filter.push(`-A KUBE-IPVS-FILTER ${set('KUBE-HEALTH-CHECK-NODE-PORT', 'dst')} -j RETURN`);
  filter.push(`-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW ${set('KUBE-IPVS-IPS', 'dst')} -j REJECT`);
  nat.push(`-A KUBE-POSTROUTING -m mark ! --mark ${MARK}/${MARK} -j RETURN`);
  nat.push(`-A KUBE-POSTROUTING -j MARK --xor-mark ${MARK}`);
  nat.push(`-A KUBE-POSTROUTING -m comment --comment ${q('kubernetes service traffic requiring SNAT')} -j MASQUERADE${input.randomFully === false ? '' : ' --random-fully'}`);
  nat.push(`-A KUBE-MARK-MASQ -j MARK --or-mark ${MARK}`);

  const system = input.system ?? true;
  // Jumps kube-proxy prepends (iptablesJumpChain, EnsureRule Prepend): the last one written ends up first.
  const jumps = system
    ? {
        filter: [
          `-A INPUT -m comment --comment ${q('kubernetes ipvs access filter')} -j KUBE-IPVS-FILTER`,
          `-A INPUT -m comment --comment ${q('kube-proxy firewall rules')} -j KUBE-PROXY-FIREWALL`,
          `-A INPUT -m comment --comment ${q('kubernetes health check rules')} -j KUBE-NODE-PORT`,
          `-A FORWARD -m comment --comment ${q('kube-proxy firewall rules')} -j KUBE-PROXY-FIREWALL`,
          `-A FORWARD -m comment --comment ${q('kubernetes forwarding rules')} -j KUBE-FORWARD`,
          `-A OUTPUT -m comment --comment ${q('kubernetes ipvs access filter')} -j KUBE-IPVS-OUT-FILTER`,
        ],
        nat: [
          `-A PREROUTING -m comment --comment ${q('kubernetes service portals')} -j KUBE-SERVICES`,
          `-A OUTPUT -m comment --comment ${q('kubernetes service portals')} -j KUBE-SERVICES`,
          `-A POSTROUTING -m comment --comment ${q('kubernetes postrouting rules')} -j KUBE-POSTROUTING`,
        ],
      }
    : { filter: [], nat: [] };
  const builtins = (names: string[]) => (system ? names.map((c) => decl(c, 'ACCEPT')) : []);
  const kubelet = system ? [decl('KUBE-KUBELET-CANARY')] : [];
  return [
    ...(system ? ['*mangle', ...builtins(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']), decl('KUBE-IPTABLES-HINT'), ...kubelet, 'COMMIT'] : []),
    '*filter',
    ...builtins(['INPUT', 'FORWARD', 'OUTPUT']),
    ...kubelet,
    ...FILTER_CHAINS.map((c) => decl(c)),
    ...jumps.filter,
    ...filter,
    'COMMIT',
    '*nat',
    ...builtins(['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']),
    ...kubelet,
    ...NAT_CHAINS.map((c) => decl(c)),
    ...jumps.nat,
    ...nat,
    'COMMIT',
    '',
  ].join('\n');
}

/** How many rules match each set: what `ipset list` reports as References. */
export function setReferences(rules: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of rules.matchAll(/--match-set (\S+)/g)) out.set(m[1], (out.get(m[1]) ?? 0) + 1);
  return out;
}
