// Which kube-proxy chain family a chain name belongs to. Names come from
// pkg/proxy/iptables/proxier.go: servicePortPolicyClusterChain (KUBE-SVC-), ...PolicyLocalChain
// (KUBE-SVL-), serviceExternalChainName (KUBE-EXT-), serviceFirewallChainName (KUBE-FW-),
// servicePortEndpointChainName (KUBE-SEP-) and the pre-1.24 KUBE-XLB-; each is the prefix plus
// the first 16 base32 characters of a sha256.

export type ChainRole = 'svc' | 'svl' | 'ext' | 'fw' | 'xlb' | 'sep';
export type ServiceRole = Exclude<ChainRole, 'sep'>;

export interface ChainShape {
  role: ChainRole;
  /** The 16-character hash when the name is exactly kube-proxy-shaped (prefix + 16 base32 chars). */
  suffix: string | undefined;
}

const K = 75, U = 85, B = 66, E = 69, DASH = 45;

function at(name: string, i: number, a: number, b: number, c: number): boolean {
  return name.charCodeAt(i) === a && name.charCodeAt(i + 1) === b && name.charCodeAt(i + 2) === c;
}

/** Role from the prefix alone, without allocating (hot path: called for every jump target). */
export function chainRole(name: string | undefined): ChainRole | null {
  if (name === undefined || name.length < 9) return null;
  if (name.charCodeAt(0) !== K || name.charCodeAt(1) !== U || name.charCodeAt(2) !== B || name.charCodeAt(3) !== E || name.charCodeAt(4) !== DASH) {
    return null;
  }
  // KUBE-FW-
  if (name.charCodeAt(5) === 70 && name.charCodeAt(6) === 87 && name.charCodeAt(7) === DASH) return 'fw';
  if (name.charCodeAt(8) !== DASH) return null;
  if (at(name, 5, 83, 69, 80)) return 'sep'; // SEP
  if (at(name, 5, 83, 86, 67)) return 'svc'; // SVC
  if (at(name, 5, 83, 86, 76)) return 'svl'; // SVL
  if (at(name, 5, 69, 88, 84)) return 'ext'; // EXT
  if (at(name, 5, 88, 76, 66)) return 'xlb'; // XLB
  return null;
}

function isBase32Hash(s: string, from: number): boolean {
  if (s.length - from !== 16) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A-Z or 2-7
    if (!((c >= 65 && c <= 90) || (c >= 50 && c <= 55))) return false;
  }
  return true;
}

/** Whether a name of a known role is exactly kube-proxy-shaped (prefix + 16 base32 chars). */
export function isShaped(name: string, role: ChainRole): boolean {
  return isBase32Hash(name, role === 'fw' ? 8 : 9);
}

/** The 16-char hash of a kube-proxy-shaped name of a known role, else undefined. */
export function chainSuffix(name: string, role: ChainRole): string | undefined {
  const from = role === 'fw' ? 8 : 9;
  return isBase32Hash(name, from) ? name.slice(from) : undefined;
}

/** Role and hash suffix of a per-service / per-endpoint chain name, or null for any other name. */
export function chainShape(name: string | undefined): ChainShape | null {
  const role = chainRole(name);
  if (role === null || name === undefined) return null;
  return { role, suffix: chainSuffix(name, role) };
}

/** Prefix used to rebuild a chain name of this role with chainNames.iptablesChainName. */
export function rolePrefix(role: ServiceRole): 'KUBE-SVC' | 'KUBE-SVL' | 'KUBE-EXT' | 'KUBE-FW' | 'KUBE-XLB' {
  switch (role) {
    case 'svc': return 'KUBE-SVC';
    case 'svl': return 'KUBE-SVL';
    case 'ext': return 'KUBE-EXT';
    case 'fw': return 'KUBE-FW';
    case 'xlb': return 'KUBE-XLB';
  }
}
