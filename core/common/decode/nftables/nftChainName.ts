import type { L4Protocol, ServicePortId } from '../../model';

// Names of kube-proxy's per-Service objects in nftables mode (pkg/proxy/nftables/proxier.go
// servicePortChainNameBase, servicePortEndpointChainNameBase, hashAndTruncate, isServiceChainName):
//   service-|local-|external-|firewall-  HASH8-ns/name/proto/portName
//   endpoint-                            HASH8-ns/name/proto/portName__ip/port   (IPv6 ':' -> '.')
// HASH8 is the first 8 base32 characters of sha256(base); `HASH8-base` is cut to 240 characters
// ending in `...` when longer. kube-proxy tells these chains from its fixed ones (services,
// service-endpoints-check, firewall-check, ...) by the '/' only its per-Service names contain.

export type NftRole = 'service' | 'local' | 'external' | 'firewall' | 'endpoint';
export type NftServiceRole = Exclude<NftRole, 'endpoint'>;

export interface NftChainShape {
  role: NftRole;
  /** `HASH8-base` when the name is kube-proxy-shaped (prefix, 8 base32 characters, '-'), else undefined. */
  suffix: string | undefined;
}

const PREFIXES: readonly [string, NftRole][] = [
  ['service-', 'service'],
  ['endpoint-', 'endpoint'],
  ['external-', 'external'],
  ['local-', 'local'],
  ['firewall-', 'firewall'],
];

/** Length of `HASH8-base` once kube-proxy truncates it (knftables.NameLengthMax minus the longest prefix). */
const TRUNCATED_LENGTH = 240;

function isBase32Hash(s: string, from: number): boolean {
  if (s.length < from + 9 || s.charCodeAt(from + 8) !== 45) return false; // '-'
  for (let i = from; i < from + 8; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 50 && c <= 55))) return false; // A-Z, 2-7
  }
  return true;
}

/** Role and `HASH8-base` of a per-Service chain name; null for kube-proxy's fixed chains and foreign names. */
export function nftChainShape(name: string | undefined): NftChainShape | null {
  if (name === undefined || name.indexOf('/') < 0) return null;
  for (const [prefix, role] of PREFIXES) {
    if (!name.startsWith(prefix)) continue;
    return { role, suffix: isBase32Hash(name, prefix.length) ? name.slice(prefix.length) : undefined };
  }
  return null;
}

export function rolePrefix(role: NftRole): string {
  return `${role}-`;
}

/** Whether kube-proxy cut the name to fit (the readable part is then incomplete). */
export function isTruncated(suffix: string): boolean {
  return suffix.length === TRUNCATED_LENGTH && suffix.endsWith('...');
}

export function l4ProtocolOf(s: string | undefined): L4Protocol | undefined {
  switch (s) {
    case 'tcp': case '6': return 'tcp';
    case 'udp': case '17': return 'udp';
    case 'sctp': case '132': return 'sctp';
    default: {
      if (s === undefined) return undefined;
      const lower = s.toLowerCase();
      return lower === 'tcp' || lower === 'udp' || lower === 'sctp' ? lower : undefined;
    }
  }
}

// Namespace and Service names are DNS labels / subdomains, port names IANA service names.
const NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i;

/** `ns/name/proto/portName` -> Service port; null when it is not exactly that shape. */
export function parseServiceBase(base: string): ServicePortId | null {
  const a = base.indexOf('/');
  const b = a < 0 ? -1 : base.indexOf('/', a + 1);
  const c = b < 0 ? -1 : base.indexOf('/', b + 1);
  if (c < 0 || base.indexOf('/', c + 1) >= 0) return null;
  const namespace = base.slice(0, a);
  const name = base.slice(a + 1, b);
  const protocol = l4ProtocolOf(base.slice(b + 1, c));
  const portName = base.slice(c + 1);
  if (protocol === undefined || !NAME.test(namespace) || !NAME.test(name) || (portName !== '' && !NAME.test(portName))) return null;
  return { namespace, name, portName, protocol };
}

/** The Service port a `HASH8-base` suffix of a service-level chain spells out (null when cut or not readable). */
export function serviceIdFromSuffix(suffix: string): ServicePortId | null {
  return isTruncated(suffix) ? null : parseServiceBase(suffix.slice(9));
}

/** `HASH8-ns/name/proto/portName__ip/port` -> the Service part `ns/name/proto/portName`; null when absent. */
export function endpointServiceBase(suffix: string): string | null {
  const sep = suffix.indexOf('__', 9);
  return sep < 0 ? null : suffix.slice(9, sep);
}
