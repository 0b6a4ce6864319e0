import type { ClusterState } from '../../../core/common/model';
import { iptablesChainName, iptablesEndpointChainName } from '../../../core/common/kube/chainNames';
import type { IptablesFault } from './iptablesFaults';
import { applyInputFaults, chainRenames, probabilitiesFor, renameChains } from './iptablesFaults';
import type { ProxyEndpoint, ProxyServicePort } from './proxyEndpoints';
import { endpointSets } from './proxyEndpoints';
import type { FlannelOptions } from './systemChains';
import { systemTables } from './systemChains';

// Writes the iptables-restore input kube-proxy's iptables proxier would write for one node,
// following the rule shapes of kubernetes pkg/proxy/iptables/proxier.go (v1.34, syncProxyRules
// and writeServiceToEndpointRules): KUBE-SERVICES / KUBE-NODEPORTS / KUBE-EXT / KUBE-FW /
// KUBE-SVC / KUBE-SVL / KUBE-SEP in nat, REJECT/DROP markers and KUBE-FORWARD in filter.
// Written from reading that code; nothing is copied. Services are written sorted (kube-proxy
// iterates a Go map) so the output is deterministic.
//
// With `system: true` (default) the text also holds what is on a real node around kube-proxy's
// own restore input: the built-in chains with the jump rules kube-proxy and kubelet install,
// kubelet's canary/hint chains and kube-proxy's KUBE-PROXY-CANARY in mangle, nat and filter.

export interface KubeProxyIptablesOptions {
  /** false = large-cluster mode (>1000 endpoints): no per-endpoint and SVC->SEP comments. */
  comments: boolean;
  /** kube-proxy --cluster-cidr (the ByCIDR local-traffic detector); '' = no detector. */
  clusterCIDR: string;
  faults?: readonly IptablesFault[];
  /** Node IP for the source-range "allow from node" rules; default: the Node's InternalIP. */
  nodeIP?: string;
  /** Include built-in chains, jump rules, kubelet chains and canaries (default true). */
  system?: boolean;
  /** nfacct counters (default false: iptables-restore fails when the nfacct objects are absent). */
  nfacct?: boolean;
  /** --iptables-localhost-nodeports (default true). */
  localhostNodePorts?: boolean;
  masqueradeAll?: boolean;
  /** MASQUERADE --random-fully (default true, every current iptables has it). */
  randomFully?: boolean;
  /** Add flannel's chains (a CNI sharing the tables, as on real nodes); needs `system`. */
  flannel?: FlannelOptions;
}

const MASQ_MARK = '0x4000';
const q = (s: string) => `"${s}"`;

interface Buffers {
  filterChains: string[];
  filterRules: string[];
  natChains: string[];
  natRules: string[];
}

function chainLine(name: string): string {
  return `:${name} - [0:0]`;
}

function chainOf(sp: ProxyServicePort, prefix: string, endpoint?: string): string {
  if (prefix === 'KUBE-SEP') return iptablesEndpointChainName(sp.spn, sp.proto, endpoint ?? '');
  return iptablesChainName(prefix as 'KUBE-SVC', sp.spn, sp.proto);
}

export function renderKubeProxyIptables(state: ClusterState, nodeName: string, opts: KubeProxyIptablesOptions): string {
  const faults = opts.faults ?? [];
  const ports = applyInputFaults(state, faults);
  const nodeIP =
    opts.nodeIP ?? state.nodes.find((n) => n.metadata.name === nodeName)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const b: Buffers = { filterChains: [], filterRules: [], natChains: [], natRules: [] };
  const localhostNodePorts = opts.localhostNodePorts ?? true;

  for (const c of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL']) b.filterChains.push(chainLine(c));
  for (const c of ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']) b.natChains.push(chainLine(c));
  b.natRules.push(`-A KUBE-POSTROUTING -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  b.natRules.push(`-A KUBE-POSTROUTING -j MARK --xor-mark ${MASQ_MARK}`);
  b.natRules.push(`-A KUBE-POSTROUTING -m comment --comment ${q('kubernetes service traffic requiring SNAT')} -j MASQUERADE${opts.randomFully === false ? '' : ' --random-fully'}`);
  b.natRules.push(`-A KUBE-MARK-MASQ -j MARK --or-mark ${MASQ_MARK}`);
  // kube-proxy owns KUBE-FIREWALL only with localhost NodePorts; kubelet creates it otherwise.
  if (localhostNodePorts || (opts.system ?? true)) b.filterChains.push(chainLine('KUBE-FIREWALL'));
  if (localhostNodePorts) {
    b.filterRules.push(
      `-A KUBE-FIREWALL -m comment --comment ${q('block incoming localnet connections')} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
    );
  }

  for (const sp of ports) writeServicePort(b, sp, nodeName, nodeIP, opts, faults);

  const nodePortDest = localhostNodePorts ? '-m addrtype --dst-type LOCAL' : '-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8';
  b.natRules.push(
    `-A KUBE-SERVICES -m comment --comment ${q('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} ${nodePortDest} -j KUBE-NODEPORTS`,
  );
  b.filterRules.push(`-A KUBE-FORWARD -m conntrack --ctstate INVALID${opts.nfacct ? ' -m nfacct --nfacct-name ct_state_invalid_dropped_pkts' : ''} -j DROP`);
  b.filterRules.push(`-A KUBE-FORWARD -m comment --comment ${q('kubernetes forwarding rules')} -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`);
  b.filterRules.push(`-A KUBE-FORWARD -m comment --comment ${q('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);

  const sys = systemTables(opts.system ?? true, opts.flannel);
  const text = [
    ...sys.mangle,
    '*filter',
    ...sys.filterChains,
    ...b.filterChains,
    ...sys.filterRules,
    ...b.filterRules,
    'COMMIT',
    '*nat',
    ...sys.natChains,
    ...b.natChains,
    ...sys.natRules,
    ...b.natRules,
    'COMMIT',
    '',
  ].join('\n');
  return renameChains(text, chainRenames(ports, faults, chainOf));
}

function writeServicePort(
  b: Buffers,
  sp: ProxyServicePort,
  nodeName: string,
  nodeIP: string | undefined,
  opts: KubeProxyIptablesOptions,
  faults: readonly IptablesFault[],
): void {
  const { spn, proto } = sp;
  const sets = endpointSets(sp, nodeName);
  const svcChain = chainOf(sp, 'KUBE-SVC');
  const svlChain = chainOf(sp, 'KUBE-SVL');
  const extChain = chainOf(sp, 'KUBE-EXT');
  const fwChain = chainOf(sp, 'KUBE-FW');
  const usesSvc = sets.cluster.length > 0 && sets.usesCluster;
  const usesSvl = sets.local.length > 0 && sets.usesLocal;
  const internalChain = sp.internalLocal ? svlChain : svcChain;
  const hasInternal = sets.hasAny && (!sp.internalLocal || sets.local.length > 0);
  const externalPolicyChain = sp.externalLocal ? svlChain : svcChain;
  const hasExternal = sets.hasAny && (!sp.externalLocal || sets.local.length > 0);
  const usesExt = sets.hasAny && sp.externallyAccessible;
  const usesFw = sets.hasAny && sp.loadBalancerIPs.length > 0 && sp.sourceRanges.length > 0;
  const lbChain = usesFw ? fwChain : extChain;
  const match = (ip: string, port: number) => `-m ${proto} -p ${proto} -d ${ip} --dport ${port}`;

  let intTarget = '';
  let intComment = '';
  let extTarget = '';
  let extComment = '';
  if (!sets.hasAny) {
    intTarget = extTarget = 'REJECT';
    intComment = extComment = q(`${spn} has no endpoints`);
  } else {
    if (!hasInternal) [intTarget, intComment] = ['DROP', q(`${spn} has no local endpoints`)];
    if (!hasExternal) [extTarget, extComment] = ['DROP', q(`${spn} has no local endpoints`)];
  }

  // Frontends: cluster IP, external IPs, load-balancer IPs, NodePort, health check port.
  if (hasInternal) b.natRules.push(`-A KUBE-SERVICES -m comment --comment ${q(`${spn} cluster IP`)} ${match(sp.clusterIP, sp.port)} -j ${internalChain}`);
  else b.filterRules.push(`-A KUBE-SERVICES -m comment --comment ${intComment} ${match(sp.clusterIP, sp.port)} -j ${intTarget}`);
  for (const ip of sp.externalIPs) {
    if (sets.hasAny) b.natRules.push(`-A KUBE-SERVICES -m comment --comment ${q(`${spn} external IP`)} ${match(ip, sp.port)} -j ${extChain}`);
    if (!hasExternal) b.filterRules.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${extComment} ${match(ip, sp.port)} -j ${extTarget}`);
  }
  for (const ip of sp.loadBalancerIPs) {
    if (sets.hasAny) b.natRules.push(`-A KUBE-SERVICES -m comment --comment ${q(`${spn} loadbalancer IP`)} ${match(ip, sp.port)} -j ${lbChain}`);
    if (usesFw) b.filterRules.push(`-A KUBE-PROXY-FIREWALL -m comment --comment ${q(`${spn} traffic not accepted by ${fwChain}`)} ${match(ip, sp.port)} -j DROP`);
  }
  if (!hasExternal) {
    for (const ip of sp.loadBalancerIPs) b.filterRules.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${extComment} ${match(ip, sp.port)} -j ${extTarget}`);
  }
  if (sp.nodePort) {
    if (sets.hasAny) {
      if (opts.nfacct && (opts.localhostNodePorts ?? true)) {
        b.natRules.push(`-A KUBE-NODEPORTS -m comment --comment ${spn} -m ${proto} -p ${proto} -d 127.0.0.0/8 --dport ${sp.nodePort} -m nfacct --nfacct-name localhost_nps_accepted_pkts -j ${extChain}`);
      }
      b.natRules.push(`-A KUBE-NODEPORTS -m comment --comment ${spn} -m ${proto} -p ${proto} --dport ${sp.nodePort} -j ${extChain}`);
    }
    if (!hasExternal) {
      b.filterRules.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${extComment} -m addrtype --dst-type LOCAL -m ${proto} -p ${proto} --dport ${sp.nodePort} -j ${extTarget}`);
    }
  }
  if (sp.healthCheckNodePort) {
    b.filterRules.push(`-A KUBE-NODEPORTS -m comment --comment ${q(`${spn} health check node port`)} -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
  }

  // Masquerade off-cluster traffic to the cluster IP.
  if (hasInternal) {
    const head = `-A ${internalChain} -m comment --comment ${q(`${spn} cluster IP`)} ${match(sp.clusterIP, sp.port)}`;
    if (opts.masqueradeAll) b.natRules.push(`${head} -j KUBE-MARK-MASQ`);
    else if (opts.clusterCIDR) b.natRules.push(`${head} ! -s ${opts.clusterCIDR} -j KUBE-MARK-MASQ`);
  }

  if (usesExt) {
    b.natChains.push(chainLine(extChain));
    if (!sp.externalLocal) {
      b.natRules.push(`-A ${extChain} -m comment --comment ${q(`masquerade traffic for ${spn} external destinations`)} -j KUBE-MARK-MASQ`);
    } else {
      if (opts.clusterCIDR) b.natRules.push(`-A ${extChain} -m comment --comment ${q(`pod traffic for ${spn} external destinations`)} -s ${opts.clusterCIDR} -j ${svcChain}`);
      b.natRules.push(`-A ${extChain} -m comment --comment ${q(`masquerade LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
      b.natRules.push(`-A ${extChain} -m comment --comment ${q(`route LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j ${svcChain}`);
    }
    if (hasExternal) b.natRules.push(`-A ${extChain} -j ${externalPolicyChain}`);
  }

  if (usesFw) {
    b.natChains.push(chainLine(fwChain));
    const head = `-A ${fwChain} -m comment --comment ${q(`${spn} loadbalancer IP`)}`;
    let allowFromNode = false;
    for (const cidr of sp.sourceRanges) {
      b.natRules.push(`${head} -s ${cidr} -j ${extChain}`);
      if (nodeIP && cidrContains(cidr, nodeIP)) allowFromNode = true;
    }
    if (allowFromNode) for (const ip of sp.loadBalancerIPs) b.natRules.push(`${head} -s ${ip} -j ${extChain}`);
    b.natRules.push(`-A ${fwChain} -m comment --comment ${q(`other traffic to ${spn} will be dropped by KUBE-PROXY-FIREWALL`)}`);
  }

  if (usesSvc) {
    b.natChains.push(chainLine(svcChain));
    writeLoadBalancing(b, sp, svcChain, sets.cluster, opts.comments, faults);
  }
  if (usesSvl) {
    b.natChains.push(chainLine(svlChain));
    writeLoadBalancing(b, sp, svlChain, sets.local, opts.comments, faults);
  }

  for (const ep of sets.reachable) {
    const sep = chainOf(sp, 'KUBE-SEP', ep.hostPort);
    b.natChains.push(chainLine(sep));
    const head = `-A ${sep}${opts.comments ? ` -m comment --comment ${spn}` : ''}`;
    b.natRules.push(`${head} -s ${ep.ip} -j KUBE-MARK-MASQ`);
    const recent = sp.affinitySeconds !== undefined ? ` -m recent --name ${sep} --set` : '';
    b.natRules.push(`${head}${recent} -m ${proto} -p ${proto} -j DNAT --to-destination ${ep.hostPort}`);
  }
}

function writeLoadBalancing(
  b: Buffers,
  sp: ProxyServicePort,
  chain: string,
  endpoints: ProxyEndpoint[],
  comments: boolean,
  faults: readonly IptablesFault[],
): void {
  const comment = (ep: ProxyEndpoint) => (comments ? ` -m comment --comment ${q(`${sp.spn} -> ${ep.hostPort}`)}` : '');
  if (sp.affinitySeconds !== undefined) {
    for (const ep of endpoints) {
      const sep = chainOf(sp, 'KUBE-SEP', ep.hostPort);
      b.natRules.push(`-A ${chain}${comment(ep)} -m recent --name ${sep} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sep}`);
    }
  }
  const probabilities = probabilitiesFor(sp, endpoints.length, faults);
  endpoints.forEach((ep, i) => {
    const stat = i < endpoints.length - 1 ? ` -m statistic --mode random --probability ${probabilities[i]}` : '';
    b.natRules.push(`-A ${chain}${comment(ep)}${stat} -j ${chainOf(sp, 'KUBE-SEP', ep.hostPort)}`);
  });
}

function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? '32');
  const toInt = (s: string) => s.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - bits);
  const start = Math.floor(toInt(base) / size) * size;
  const n = toInt(ip);
  return n >= start && n < start + size;
}
