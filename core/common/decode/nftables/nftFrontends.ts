import type { FrontendKind, L4Protocol, NftElement, ProgrammedFrontend } from '../../model';
import { frontendKey } from '../../kube/iptablesNameTable';
import { parseComment } from '../iptables/commentNames';
import { kindFromComment } from '../iptables/frontendKind';
import { l4ProtocolOf } from './nftChainName';
import type { NftServiceRole } from './nftChainName';
import type { NftDecodeState, NftGroup, NftSlot } from './nftDecodeState';
import { addressKey, elementEvidence, groupOf, normAddr, slotOf } from './nftDecodeState';

// Frontends from kube-proxy's dispatch maps (pkg/proxy/nftables/proxier.go syncProxyRules):
//   service-ips        `addr . proto . port : goto service-X | local-X`  (ClusterIP, by traffic policy)
//                      `addr . proto . port : goto external-X`           (externalIPs, LB ingress IPs)
//   service-nodeports  `proto . port : goto external-X`                  (NodePorts)
//   firewall-ips       `lbIP . proto . port : goto firewall-X`           (loadBalancerSourceRanges; filter, not nat)
// The maps do not say whether an external- address is an external IP or an LB IP; firewall-ips
// (LB IPs only), an element comment, then the Service list decide, else it counts as external IP.

const PATH: Record<NftServiceRole, ProgrammedFrontend['path']> = {
  service: 'cluster',
  local: 'local',
  external: 'external',
  firewall: 'firewall',
};

const CANDIDATES: Record<NftServiceRole, readonly FrontendKind[]> = {
  service: ['cluster-ip', 'external-ip', 'load-balancer'],
  local: ['cluster-ip', 'external-ip', 'load-balancer'],
  external: ['external-ip', 'load-balancer', 'cluster-ip'],
  firewall: ['load-balancer', 'external-ip'],
};

export interface ServiceAddress {
  ip: string | undefined;
  protocol: L4Protocol;
  port: number;
}

/** `[addr, proto, port]` (service maps) or `[proto, port]` (NodePort maps) -> address; null otherwise. */
export function elementAddress(el: NftElement, withIP: boolean): ServiceAddress | null {
  const k = el.key;
  if (k.length !== (withIP ? 3 : 2)) return null;
  const protocol = l4ProtocolOf(k[withIP ? 1 : 0]);
  const port = Number(k[withIP ? 2 : 1]);
  if (protocol === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) return null;
  return { ip: withIP ? normAddr(k[0]) : undefined, protocol, port };
}

/** Kind of a service address: what only kube-proxy's sets can say first, then the Service list. */
export function addressKind(st: NftDecodeState, a: ServiceAddress, candidates: readonly FrontendKind[], comment: string | undefined): FrontendKind {
  const fromComment = kindFromComment(parseComment(comment)?.role);
  if (fromComment !== undefined) return fromComment;
  const ip = a.ip;
  if (ip === undefined) return 'node-port';
  if (st.clusterIPs.has(ip)) return 'cluster-ip';
  if (st.firewallByAddress.has(addressKey(ip, a.protocol, a.port))) return 'load-balancer';
  const names = st.names;
  if (names !== null) {
    for (const kind of candidates) if (names.byFrontend.has(frontendKey(kind, ip, a.protocol, a.port))) return kind;
  }
  return candidates[0];
}

/** Adds `f` to the group, or its evidence to an identical frontend already there. */
function addFrontend(g: NftGroup, f: ProgrammedFrontend): void {
  for (const seen of g.frontends) {
    if (seen.kind === f.kind && seen.port === f.port && seen.ip === f.ip && seen.protocol === f.protocol && seen.target === f.target) {
      (seen.extraEvidence ??= []).push(f.evidence);
      return;
    }
  }
  g.frontends.push(f);
  if (g.protocol === undefined) g.protocol = f.protocol;
}

/** Remembers the first `ns/name:port` an element comment gives the group. */
function noteClaim(g: NftGroup, comment: string | undefined): void {
  if (comment === undefined || g.claim !== undefined) return;
  const claim = parseComment(comment);
  if (claim !== null) g.claim = claim;
}

type ServiceSlot = NftSlot & { role: NftServiceRole };

function targetSlot(st: NftDecodeState, el: NftElement): ServiceSlot | null {
  const v = el.verdict;
  if (v === undefined || (v.kind !== 'goto' && v.kind !== 'jump')) return null;
  const slot = slotOf(st, v.target, el);
  return slot === null || slot.role === 'endpoint' ? null : (slot as ServiceSlot);
}

function decodeMap(st: NftDecodeState, mapName: string, withIP: boolean): void {
  const map = st.table?.maps.get(mapName);
  if (map === undefined) return;
  for (const el of map.elements) {
    const a = elementAddress(el, withIP);
    if (a === null) continue;
    const slot = targetSlot(st, el);
    if (slot === null) continue;
    const kind = withIP ? addressKind(st, a, CANDIDATES[slot.role], el.comment) : 'node-port';
    const g = groupOf(st, slot);
    noteClaim(g, el.comment);
    const f: ProgrammedFrontend = { kind, port: a.port, protocol: a.protocol, path: PATH[slot.role], target: slot.name, evidence: elementEvidence(st, el) };
    if (a.ip !== undefined) f.ip = a.ip;
    addFrontend(g, f);
  }
}

/** firewall-ips: indexes the LB addresses under source ranges and groups their firewall- chains. */
function indexFirewallIps(st: NftDecodeState): void {
  const map = st.table?.maps.get('firewall-ips');
  if (map === undefined) return;
  for (const el of map.elements) {
    const a = elementAddress(el, true);
    if (a === null) continue;
    const key = addressKey(a.ip, a.protocol, a.port);
    if (!st.firewallByAddress.has(key)) st.firewallByAddress.set(key, el);
    const slot = targetSlot(st, el);
    if (slot === null) continue;
    const list = st.firewallByChain.get(slot.name);
    if (list === undefined) st.firewallByChain.set(slot.name, [el]);
    else list.push(el);
  }
}

/** Groups the firewall- chains firewall-ips points at (after the nat frontends, so groups keep their order). */
function groupFirewallChains(st: NftDecodeState): void {
  for (const [name, elements] of st.firewallByChain) {
    const slot = st.slots.get(name);
    if (slot === undefined) continue;
    const g = groupOf(st, slot);
    for (const el of elements) noteClaim(g, el.comment);
  }
}

/** Decodes service-ips, service-nodeports and firewall-ips into frontends on their Service-port groups. */
export function decodeFrontends(st: NftDecodeState): void {
  indexFirewallIps(st);
  decodeMap(st, 'service-ips', true);
  decodeMap(st, 'service-nodeports', false);
  groupFirewallChains(st);
}
