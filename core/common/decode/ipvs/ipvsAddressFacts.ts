import type { FrontendKind, IpAddrDump, IpsetDump, IpsetSet, L4Protocol } from '../../model';
import { IPSET_MAX_NAME_LENGTH } from '../../model';

// What the node's address list and kube-proxy's ipsets say about a virtual server's address,
// read once per node and family. In IPVS mode (pkg/proxy/ipvs/proxier.go syncProxyRules):
//   - every ClusterIP, external IP and LB IP is bound to the dummy interface kube-ipvs0, and a
//     NodePort gets one virtual server per node address (all local addresses except kube-ipvs0's);
//   - KUBE-CLUSTER-IP / KUBE-EXTERNAL-IP[-LOCAL] / KUBE-LOAD-BALANCER[-LOCAL] hold `ip,proto:port`
//     per frontend, KUBE-NODE-PORT[-LOCAL]-{TCP,UDP} the NodePort numbers (bitmap:port) and
//     KUBE-NODE-PORT[-LOCAL]-SCTP-HASH `nodeIP,sctp:port` (pkg/proxy/ipvs/ipset.go);
//   - IPv6 sets are named KUBE-6-… and cut to 31 characters.
// Without cluster.json these are the only hints of what a virtual server is.

export const DUMMY_INTERFACE = 'kube-ipvs0';

export interface IpvsAddressFacts {
  /** A local address outside kube-ipvs0 (node IP, loopback, docker0, ...): a NodePort VS address. */
  isNodeAddress(ip: string): boolean;
  /** Bound to kube-ipvs0; false when unknown (no ip-addr dump). */
  isDummyAddress(ip: string): boolean;
  /** The frontend kind an ipset entry gives `ip,proto:port`, if any. */
  kindHint(proto: L4Protocol, ip: string, port: number): FrontendKind | undefined;
  /** The port is in KUBE-NODE-PORT-<PROTO> (or `ip,sctp:port` in the SCTP hash set). */
  nodePortHint(proto: L4Protocol, ip: string, port: number): boolean;
  /** ETP=Local as kube-proxy wrote it into the *-LOCAL sets; undefined without an ipset dump. */
  externalLocalHint(kind: FrontendKind, proto: L4Protocol, ip: string, port: number): boolean | undefined;
  /** LB `ip,proto:port` in KUBE-LOAD-BALANCER-FW, with its KUBE-LOAD-BALANCER-SOURCE-CIDR ranges. */
  sourceRanges(proto: L4Protocol, ip: string, port: number): string[] | undefined;
}

/** Addresses compare lower-case (IPv6 hex digits); IPv4 is unchanged by it. */
export function normIp(ip: string): string {
  return ip.includes(':') ? ip.toLowerCase() : ip;
}

function isLoopback(ip: string, family: 4 | 6): boolean {
  return family === 4 ? ip.startsWith('127.') : ip === '::1';
}

/** kube-proxy's set name for `family` (pkg/proxy/ipvs/ipset.go NewIPSet: `KUBE-6-` prefix, 31 characters). */
export function ipsetName(base: string, family: 4 | 6): string {
  const name = family === 6 ? `KUBE-6-${base.slice('KUBE-'.length)}` : base;
  return name.slice(0, IPSET_MAX_NAME_LENGTH);
}

const memberKey = (proto: string, ip: string, port: number) => `${proto}|${normIp(ip)}|${port}`;

/** `ip,proto:port` members of a hash:ip,port set as keys. */
function ipPortKeys(set: IpsetSet | undefined): Set<string> {
  const out = new Set<string>();
  if (!set) return out;
  for (const m of set.members) {
    if (m.address === undefined || m.protocol === undefined || m.port === undefined) continue;
    const end = m.portEnd ?? m.port;
    for (let p = m.port; p <= end && p - m.port < 65536; p++) out.add(memberKey(m.protocol.toLowerCase(), m.address, p));
  }
  return out;
}

/** Port numbers of a bitmap:port set (ranges expanded). */
function portSet(set: IpsetSet | undefined): Set<number> {
  const out = new Set<number>();
  if (!set) return out;
  for (const m of set.members) {
    if (m.port === undefined) continue;
    const end = m.portEnd ?? m.port;
    for (let p = m.port; p <= end && p <= 65535; p++) out.add(p);
  }
  return out;
}

const KIND_SETS: readonly [string, FrontendKind][] = [
  ['KUBE-CLUSTER-IP', 'cluster-ip'],
  ['KUBE-EXTERNAL-IP', 'external-ip'],
  ['KUBE-EXTERNAL-IP-LOCAL', 'external-ip'],
  ['KUBE-LOAD-BALANCER', 'load-balancer'],
];

export function ipvsAddressFacts(family: 4 | 6, nodeIPs: readonly string[], ipAddr: IpAddrDump | undefined, ipset: IpsetDump | undefined): IpvsAddressFacts {
  const nodeAddrs = new Set<string>();
  for (const ip of nodeIPs) nodeAddrs.add(normIp(ip));
  const dummy = new Set<string>();
  if (ipAddr) {
    const want = family === 6 ? 'inet6' : 'inet';
    // An address on kube-ipvs0 and on another interface lands in both sets: it is a node address
    // (kube-proxy binds no address the node has elsewhere: shouldBind = !nodeAddressSet.Has(...)).
    for (const a of ipAddr.addresses) {
      if (a.family !== want) continue;
      (a.ifname === DUMMY_INTERFACE ? dummy : nodeAddrs).add(normIp(a.address));
    }
  }
  const sets = ipset?.sets;
  const get = (base: string) => sets?.get(ipsetName(base, family));
  const kinds = new Map<string, FrontendKind>();
  for (const [base, kind] of KIND_SETS) for (const k of ipPortKeys(get(base))) if (!kinds.has(k)) kinds.set(k, kind);
  const localVip = new Set([...ipPortKeys(get('KUBE-EXTERNAL-IP-LOCAL')), ...ipPortKeys(get('KUBE-LOAD-BALANCER-LOCAL'))]);
  const nodePorts = { tcp: portSet(get('KUBE-NODE-PORT-TCP')), udp: portSet(get('KUBE-NODE-PORT-UDP')) };
  const localNodePorts = { tcp: portSet(get('KUBE-NODE-PORT-LOCAL-TCP')), udp: portSet(get('KUBE-NODE-PORT-LOCAL-UDP')) };
  const sctpNodePorts = ipPortKeys(get('KUBE-NODE-PORT-SCTP-HASH'));
  const sctpLocalNodePorts = ipPortKeys(get('KUBE-NODE-PORT-LOCAL-SCTP-HASH'));
  const firewalled = ipPortKeys(get('KUBE-LOAD-BALANCER-FW'));
  const ranges = new Map<string, string[]>();
  for (const m of get('KUBE-LOAD-BALANCER-SOURCE-CIDR')?.members ?? []) {
    if (m.address === undefined || m.protocol === undefined || m.port === undefined || m.address2 === undefined) continue;
    const k = memberKey(m.protocol.toLowerCase(), m.address, m.port);
    const cidr = m.prefix2 === undefined ? m.address2 : `${m.address2}/${m.prefix2}`;
    const list = ranges.get(k);
    if (list) list.push(cidr);
    else ranges.set(k, [cidr]);
  }

  return {
    isNodeAddress: (ip) => {
      const a = normIp(ip);
      return nodeAddrs.has(a) || isLoopback(a, family);
    },
    isDummyAddress: (ip) => dummy.has(normIp(ip)),
    kindHint: (proto, ip, port) => kinds.get(memberKey(proto, ip, port)),
    nodePortHint: (proto, ip, port) => (proto === 'sctp' ? sctpNodePorts.has(memberKey(proto, ip, port)) : nodePorts[proto].has(port)),
    externalLocalHint: (kind, proto, ip, port) => {
      if (!sets) return undefined;
      if (kind === 'cluster-ip') return false;
      if (kind !== 'node-port') return localVip.has(memberKey(proto, ip, port));
      return proto === 'sctp' ? sctpLocalNodePorts.has(memberKey(proto, ip, port)) : localNodePorts[proto].has(port);
    },
    sourceRanges: (proto, ip, port) => {
      const k = memberKey(proto, ip, port);
      return firewalled.has(k) ? (ranges.get(k) ?? []) : undefined;
    },
  };
}
