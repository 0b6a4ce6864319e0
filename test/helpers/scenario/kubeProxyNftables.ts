import type { ClusterState } from '../../../core/common/model';
import { joinHostPort, nftAffinitySetName } from '../../../core/common/kube/chainNames';
import type { NftFault } from './nftFaults';
import { applyNftInputFaults, nftChainOf, nftChainRenames, renameNftChains } from './nftFaults';
import type { NftTx } from './nftTransaction';
import { nftTx } from './nftTransaction';
import type { ProxyEndpoint, ProxyServicePort } from './proxyEndpoints';
import { endpointSets } from './proxyEndpoints';

// Writes the `nft -f` transaction kube-proxy's nftables proxier writes on a full sync of one
// node, following kubernetes pkg/proxy/nftables/proxier.go (v1.33+/v1.34: setupNFTables,
// syncProxyRules, writeServiceToEndpointRules): table `ip kube-proxy`, base chains, the
// dispatch maps (service-ips, service-nodeports), the no-endpoint and firewall maps, and per
// Service port `service-` / `local-` / `external-` / `firewall-` / `endpoint-` chains with
// `numgen random mod N vmap` load balancing and `affinity-` sets. Written from reading that code;
// nothing is copied. Endpoint selection is the test helpers' own (proxyEndpoints.ts), never the
// engine's. Objects are added in kube-proxy's order, which never refers to an object before
// adding it (nft -f rejects that). Flush/delete commands of a resync are left out: the output is
// meant for an empty table, as after a fresh start. Services are written sorted by name (kube-
// proxy walks a Go map), so the output is deterministic.

export interface KubeProxyNftablesOptions {
  /** IP family of the proxier (default 4). Endpoint selection (proxyEndpoints.ts) is IPv4-only for now. */
  family?: 4 | 6;
  /** kube-proxy --cluster-cidr (the ByCIDR local-traffic detector); '' = no detector. */
  clusterCIDR: string;
  /**
   * Addresses that accept NodePorts (v1.34 default `--nodeport-addresses primary`: the node's IP);
   * the first one is also the node IP for source-range rules. [] = every local address
   * (`fib daddr type local`), as with `--nodeport-addresses` unset on older releases.
   */
  nodeIPs: string[];
  faults?: readonly NftFault[];
  /** ServiceCIDRs of the family; traffic to unallocated addresses in them is dropped. */
  serviceCIDRs?: string[];
  masqueradeAll?: boolean;
  /** Default `0x004000` (kube-proxy formats 1 << 14 with `%#08x`); its unit tests use `0x4000`. */
  masqueradeMark?: string;
}

const REJECT_CHAIN = 'reject-chain';
const MARK_MASQ = 'mark-for-masquerade';

interface Family {
  ip: 'ip' | 'ip6';
  addr: string;
  noLocalhost: string;
}

// Base chains: filter before DNAT for firewall-check, filter at 0 for the no-endpoint and
// ClusterIP checks, nat at dstnat/srcnat (priorities as numbers, as knftables resolves them).
const BASE_CHAINS: [string, 'filter' | 'nat', string, number][] = [
  ['filter-prerouting-pre-dnat', 'filter', 'prerouting', -110],
  ['filter-output-pre-dnat', 'filter', 'output', -110],
  ['filter-input', 'filter', 'input', 0],
  ['filter-forward', 'filter', 'forward', 0],
  ['filter-output', 'filter', 'output', 0],
  ['nat-prerouting', 'nat', 'prerouting', -100],
  ['nat-output', 'nat', 'output', -100],
  ['nat-postrouting', 'nat', 'postrouting', 100],
];

// [destination, source, extra match]
const JUMP_CHAINS: [string, string, string][] = [
  ['nodeport-endpoints-check', 'filter-input', 'ct state new '],
  ['service-endpoints-check', 'filter-input', 'ct state new '],
  ['service-endpoints-check', 'filter-forward', 'ct state new '],
  ['service-endpoints-check', 'filter-output', 'ct state new '],
  ['firewall-check', 'filter-prerouting-pre-dnat', 'ct state new '],
  ['firewall-check', 'filter-output-pre-dnat', 'ct state new '],
  ['services', 'nat-output', ''],
  ['services', 'nat-prerouting', ''],
  ['masquerading', 'nat-postrouting', ''],
  ['cluster-ips-check', 'filter-forward', 'ct state new '],
  ['cluster-ips-check', 'filter-output', 'ct state new '],
];

export function renderKubeProxyNftables(state: ClusterState, nodeName: string, opts: KubeProxyNftablesOptions): string {
  if ((opts.family ?? 4) === 6) throw new Error('renderKubeProxyNftables: IPv6 needs IPv6 endpoint selection in proxyEndpoints.ts (IPv4 only today)');
  const fam: Family = { ip: 'ip', addr: 'ipv4_addr', noLocalhost: 'ip daddr != 127.0.0.0/8' };
  const faults = opts.faults ?? [];
  const ports = applyNftInputFaults(state, faults);
  const tx = nftTx(fam.ip);
  setup(tx, fam, opts);
  for (const sp of ports) writeServicePort(tx, fam, sp, nodeName, opts);
  return renameNftChains(tx.text(), nftChainRenames(ports, faults));
}

function setup(tx: NftTx, fam: Family, opts: KubeProxyNftablesOptions): void {
  const mark = opts.masqueradeMark ?? '0x004000';
  const matchAll = opts.nodeIPs.length === 0;
  tx.table('rules for kube-proxy');
  for (const [name, type, hook, priority] of BASE_CHAINS) tx.baseChain(name, type, hook, priority);
  for (const [dst, src, extra] of JUMP_CHAINS) {
    tx.chain(dst);
    tx.rule(src, `${extra}jump ${dst}`);
  }
  for (const c of ['services', 'cluster-ips-check', 'masquerading', MARK_MASQ]) tx.chain(c);
  tx.rule(MARK_MASQ, `mark set mark or ${mark}`);
  tx.rule('masquerading', `mark and ${mark} == 0 return`);
  tx.rule('masquerading', `mark set mark xor ${mark}`);
  tx.rule('masquerading', 'masquerade fully-random');

  tx.set('cluster-ips', [`type ${fam.addr}`, 'comment "Active ClusterIPs"']);
  tx.rule('cluster-ips-check', `${fam.ip} daddr @cluster-ips reject`, 'Reject traffic to invalid ports of ClusterIPs');
  if (opts.serviceCIDRs?.length) tx.rule('cluster-ips-check', `${fam.ip} daddr { ${opts.serviceCIDRs.join(',')} } drop`, 'Drop traffic to unallocated ClusterIPs');

  // With every local address accepting NodePorts kube-proxy deletes the set (add+delete); an
  // empty table never had it, so it is simply not added.
  if (!matchAll) {
    tx.set('nodeport-ips', [`type ${fam.addr}`, 'comment "IPs that accept NodePort traffic"']);
    for (const ip of opts.nodeIPs) tx.element('nodeport-ips', ip);
  }
  const dispatch = `${fam.addr} . inet_proto . inet_service : verdict`;
  tx.map('no-endpoint-services', [`type ${dispatch}`, 'comment "vmap to drop or reject packets to services with no endpoints"']);
  tx.map('no-endpoint-nodeports', ['type inet_proto . inet_service : verdict', 'comment "vmap to drop or reject packets to service nodeports with no endpoints"']);
  tx.chain(REJECT_CHAIN, 'helper for @no-endpoint-services / @no-endpoint-nodeports');
  tx.rule(REJECT_CHAIN, 'reject');
  tx.rule('service-endpoints-check', `${fam.ip} daddr . meta l4proto . th dport vmap @no-endpoint-services`);
  const nodePortDest = matchAll ? fam.noLocalhost : `${fam.ip} daddr @nodeport-ips`;
  tx.rule('nodeport-endpoints-check', `${nodePortDest} meta l4proto . th dport vmap @no-endpoint-nodeports`);

  tx.map('firewall-ips', [`type ${dispatch}`, 'comment "destinations that are subject to LoadBalancerSourceRanges"']);
  tx.chain('firewall-check');
  tx.rule('firewall-check', `${fam.ip} daddr . meta l4proto . th dport vmap @firewall-ips`);

  tx.map('service-ips', [`type ${dispatch}`, 'comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"']);
  tx.map('service-nodeports', ['type inet_proto . inet_service : verdict', 'comment "NodePort traffic"']);
  tx.rule('services', `${fam.ip} daddr . meta l4proto . th dport vmap @service-ips`);
  tx.rule('services', `${matchAll ? `fib daddr type local ${fam.noLocalhost}` : `${fam.ip} daddr @nodeport-ips`} meta l4proto . th dport vmap @service-nodeports`);
}

function writeServicePort(tx: NftTx, fam: Family, sp: ProxyServicePort, nodeName: string, opts: KubeProxyNftablesOptions): void {
  const sets = endpointSets(sp, nodeName);
  const epChain = (ep: ProxyEndpoint) => nftChainOf(sp, 'endpoint', ep);
  const affinitySet = (ep: ProxyEndpoint) => nftAffinitySetName(sp.namespace, sp.name, sp.proto, sp.portName, ep.ip, ep.port);
  const clusterChain = nftChainOf(sp, 'service');
  const localChain = nftChainOf(sp, 'local');
  const extChain = nftChainOf(sp, 'external');
  const fwChain = nftChainOf(sp, 'firewall');
  const affinity = sp.affinitySeconds !== undefined;

  for (const ep of sets.reachable) tx.chain(epChain(ep));
  const usesCluster = sets.cluster.length > 0 && sets.usesCluster;
  if (usesCluster) tx.chain(clusterChain);
  const usesLocal = sets.local.length > 0 && sets.usesLocal;
  if (usesLocal) tx.chain(localChain);

  const hasInternal = sets.hasAny && (!sp.internalLocal || sets.local.length > 0);
  const internalChain = sp.internalLocal ? localChain : clusterChain;
  const hasExternal = sets.hasAny && (!sp.externalLocal || sets.local.length > 0);
  const externalPolicyChain = sp.externalLocal ? localChain : clusterChain;
  const usesExt = sets.hasAny && sp.externallyAccessible;
  if (usesExt) tx.chain(extChain);

  const intVerdict = !sets.hasAny ? `goto ${REJECT_CHAIN}` : 'drop';
  const extVerdict = intVerdict;
  const key = (ip: string) => `${ip} . ${sp.proto} . ${sp.port}`;
  const noEndpoint = (ip: string, verdict: string) => tx.element('no-endpoint-services', key(ip), { comment: sp.spn, value: verdict });

  tx.element('cluster-ips', sp.clusterIP);
  if (hasInternal) tx.element('service-ips', key(sp.clusterIP), { value: `goto ${internalChain}` });
  else noEndpoint(sp.clusterIP, intVerdict);

  for (const ip of sp.externalIPs) {
    if (sets.hasAny) tx.element('service-ips', key(ip), { value: `goto ${extChain}` });
    if (!hasExternal) noEndpoint(ip, extVerdict);
  }
  const usesFw = sp.loadBalancerIPs.length > 0 && sp.sourceRanges.length > 0;
  if (usesFw) tx.chain(fwChain);
  for (const ip of sp.loadBalancerIPs) {
    if (sets.hasAny) tx.element('service-ips', key(ip), { value: `goto ${extChain}` });
    if (usesFw) tx.element('firewall-ips', key(ip), { value: `goto ${fwChain}` });
  }
  if (!hasExternal) for (const ip of sp.loadBalancerIPs) noEndpoint(ip, extVerdict);
  if (sp.nodePort) {
    const npKey = `${sp.proto} . ${sp.nodePort}`;
    if (sets.hasAny) tx.element('service-nodeports', npKey, { value: `goto ${extChain}` });
    if (!hasExternal) tx.element('no-endpoint-nodeports', npKey, { comment: sp.spn, value: extVerdict });
  }

  // Masquerade off-cluster traffic to the cluster IP.
  if (hasInternal) {
    if (opts.masqueradeAll) tx.rule(internalChain, `${fam.ip} daddr ${sp.clusterIP} jump ${MARK_MASQ}`);
    else if (opts.clusterCIDR) tx.rule(internalChain, `${fam.ip} daddr ${sp.clusterIP} ${fam.ip} saddr != ${opts.clusterCIDR} jump ${MARK_MASQ}`);
  }

  if (usesExt) {
    if (!sp.externalLocal) {
      tx.rule(extChain, `jump ${MARK_MASQ}`);
    } else {
      if (opts.clusterCIDR) tx.rule(extChain, `${fam.ip} saddr ${opts.clusterCIDR} goto ${clusterChain}`, 'short-circuit pod traffic');
      tx.rule(extChain, `fib saddr type local jump ${MARK_MASQ}`, 'masquerade local traffic');
      tx.rule(extChain, `fib saddr type local goto ${clusterChain}`, 'short-circuit local traffic');
    }
    if (hasExternal) tx.rule(extChain, `goto ${externalPolicyChain}`);
  }

  if (usesFw) {
    const sources = [...sp.sourceRanges];
    const nodeIP = opts.nodeIPs[0];
    if (nodeIP && sp.sourceRanges.some((cidr) => cidrContains(cidr, nodeIP))) sources.push(...sp.loadBalancerIPs);
    tx.rule(fwChain, `${fam.ip} saddr != { ${sources.join(' , ')} } drop`);
  }

  if (affinity) {
    for (const ep of sets.reachable) tx.set(affinitySet(ep), [`type ${fam.addr}`, 'flags dynamic,timeout', `timeout ${sp.affinitySeconds}s`]);
  }
  const loadBalance = (chain: string, eps: ProxyEndpoint[]) => {
    if (affinity) for (const ep of eps) tx.rule(chain, `${fam.ip} saddr @${affinitySet(ep)} goto ${epChain(ep)}`);
    const arms = eps.map((ep, i) => `${i} : goto ${epChain(ep)}`).join(' , ');
    tx.rule(chain, `numgen random mod ${eps.length} vmap { ${arms} }`);
  };
  if (usesCluster) loadBalance(clusterChain, sets.cluster);
  if (usesLocal) loadBalance(localChain, sets.local);

  for (const ep of sets.reachable) {
    const chain = epChain(ep);
    tx.rule(chain, `${fam.ip} saddr ${ep.ip} jump ${MARK_MASQ}`);
    if (affinity) tx.rule(chain, `update @${affinitySet(ep)} { ${fam.ip} saddr }`);
    tx.rule(chain, `meta l4proto ${sp.proto} dnat to ${joinHostPort(ep.ip, ep.port)}`);
  }
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
