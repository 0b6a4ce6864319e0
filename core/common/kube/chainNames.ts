import type { L4Protocol } from '../model';
import { hashPrefix, hashPrefixIs, hashPut, hashPutInt, hashReset } from './sha256Short';

// Chain names kube-proxy derives from a Service port, so a dump can be mapped back to the
// Service without reading comments. Formulas: pkg/proxy/iptables/proxier.go (portProtoHash,
// servicePortEndpointChainName) and pkg/proxy/nftables/proxier.go (hashAndTruncate,
// servicePortChainNameBase, servicePortEndpointChainNameBase); vectors in
// shared reference kube-proxy-dataplane.md §3.3.

export type IptablesServiceChainPrefix = 'KUBE-SVC' | 'KUBE-SVL' | 'KUBE-EXT' | 'KUBE-FW' | 'KUBE-XLB';
export type NftServiceChainPrefix = 'service' | 'local' | 'external' | 'firewall';
export type ServicePortNameForm = 'current' | 'legacy';

/**
 * `ns/name:port` as kube-proxy prints a ServicePortName (pkg/proxy/types.go). Unnamed ports:
 * current releases print `ns/name`; older ones printed `ns/name:` (and hashed that too).
 */
export function servicePortName(
  namespace: string,
  name: string,
  portName: string,
  form: ServicePortNameForm = 'current',
): string {
  if (portName !== '') return `${namespace}/${name}:${portName}`;
  return form === 'legacy' ? `${namespace}/${name}:` : `${namespace}/${name}`;
}

/** The 16-character hash shared by KUBE-SVC/SVL/EXT/FW/XLB chains of one Service port. */
export function iptablesChainSuffix(spn: string, proto: L4Protocol): string {
  return hashPrefix(spn + proto, 16);
}

/** `KUBE-SVC-…` etc. for a Service port name (`servicePortName(...)`) and lower-case protocol. */
export function iptablesChainName(prefix: IptablesServiceChainPrefix, spn: string, proto: L4Protocol): string {
  return `${prefix}-${iptablesChainSuffix(spn, proto)}`;
}

/** `ip:port` for IPv4, `[ip]:port` for IPv6 (Go net.JoinHostPort, which kube-proxy hashes). */
export function joinHostPort(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** `KUBE-SEP-…` for an endpoint given as `ip:port` / `[v6]:port` (see joinHostPort). */
export function iptablesEndpointChainName(spn: string, proto: L4Protocol, endpoint: string): string {
  return `KUBE-SEP-${hashPrefix(spn + proto + endpoint, 16)}`;
}

const SEP_PREFIX = 'KUBE-SEP-';

/**
 * Whether `name` is `iptablesEndpointChainName(spn, proto, joinHostPort(ip, port))`, computed
 * without building either string (one check per endpoint of a node, see nameMismatches).
 */
export function isIptablesEndpointChainName(name: string, spn: string, proto: L4Protocol, ip: string, port: number): boolean {
  if (name.length !== SEP_PREFIX.length + 16 || !name.startsWith(SEP_PREFIX)) return false;
  hashReset();
  hashPut(spn);
  hashPut(proto);
  const v6 = ip.includes(':');
  if (v6) hashPut('[');
  hashPut(ip);
  hashPut(v6 ? ']:' : ':');
  hashPutInt(port);
  const same = hashPrefixIs(name, SEP_PREFIX.length, 16);
  return same ?? iptablesEndpointChainName(spn, proto, joinHostPort(ip, port)) === name;
}

/** knftables.NameLengthMax (256) minus the longest chain prefix kube-proxy uses (16). */
const NFT_CHAIN_BASE_MAX = 240;

/** nftables proxier hashAndTruncate: `HASH8-base`, truncated to 240 chars ending in `...`. */
export function hashAndTruncate(base: string): string {
  const name = `${hashPrefix(base, 8)}-${base}`;
  return name.length > NFT_CHAIN_BASE_MAX ? `${name.slice(0, NFT_CHAIN_BASE_MAX - 3)}...` : name;
}

/** `ns/name/proto/portName` (portName '' when unnamed, so the base ends in `/`). */
export function nftServiceChainBase(ns: string, name: string, proto: L4Protocol, portName: string): string {
  return `${ns}/${name}/${proto}/${portName}`;
}

/** `ns/name/proto/portName__ip/port`; IPv6 `:` become `.` (nft chain names forbid `:`). */
export function nftEndpointChainBase(
  ns: string,
  name: string,
  proto: L4Protocol,
  portName: string,
  ip: string,
  port: number | string,
): string {
  let addr = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (addr.includes(':')) addr = addr.replaceAll(':', '.');
  return `${ns}/${name}/${proto}/${portName}__${addr}/${port}`;
}

/** `service-HASH8-ns/name/proto/portName` and its local-/external-/firewall- siblings. */
export function nftServiceChainName(
  prefix: NftServiceChainPrefix,
  ns: string,
  name: string,
  proto: L4Protocol,
  portName: string,
): string {
  return `${prefix}-${hashAndTruncate(nftServiceChainBase(ns, name, proto, portName))}`;
}

/** `endpoint-HASH8-ns/name/proto/portName__ip/port`. */
export function nftEndpointChainName(
  ns: string,
  name: string,
  proto: L4Protocol,
  portName: string,
  ip: string,
  port: number | string,
): string {
  return `endpoint-${hashAndTruncate(nftEndpointChainBase(ns, name, proto, portName, ip, port))}`;
}

/** `affinity-…` set of an endpoint: same base and hash as its endpoint- chain. */
export function nftAffinitySetName(
  ns: string,
  name: string,
  proto: L4Protocol,
  portName: string,
  ip: string,
  port: number | string,
): string {
  return `affinity-${hashAndTruncate(nftEndpointChainBase(ns, name, proto, portName, ip, port))}`;
}
