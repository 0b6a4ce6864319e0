// Address arithmetic (packet trace, source-range checks): IPv4/IPv6 addresses and CIDRs as bigints, so a rule's
// `-s 10.244.0.0/16`, an nft `ip6 daddr fd00::/112` or an ipset `hash:net` member can be compared
// with the traced packet. Pure and allocation-light; parsed CIDRs are cached by text because the
// same few prefixes repeat on thousands of rules.

export type IpFamily = 4 | 6;

export interface ParsedIp {
  family: IpFamily;
  value: bigint;
}

export interface Cidr {
  family: IpFamily;
  /** Network address (host bits cleared). */
  base: bigint;
  bits: number;
  /** Canonical text: `10.244.0.0/16`, `fd00::/64`; a host route without the suffix. */
  text: string;
}

const V4_MAX = 32;
const V6_MAX = 128;

export function parseIp(text: string): ParsedIp | null {
  const s = text.trim();
  if (s.includes(':')) {
    const v = parseIPv6(s);
    return v === null ? null : { family: 6, value: v };
  }
  const v = parseIPv4(s);
  return v === null ? null : { family: 4, value: BigInt(v) };
}

function parseIPv4(s: string): number | null {
  let value = 0;
  let parts = 0;
  let digits = 0;
  let part = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || part > 255) return null;
      value = value * 256 + part;
      parts++;
      digits = 0;
      part = 0;
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + c - 48;
      digits++;
    } else return null;
  }
  return parts === 4 ? value : null;
}

function parseIPv6(input: string): bigint | null {
  let s = input;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p);
        if (v4 === null) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(g);
  return v;
}

export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) {
    const n = Number(ip.value);
    return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Canonical spelling of an address (`FD00:0::1` -> `fd00::1`); the input unchanged when it is not one. */
export function canonicalIp(text: string): string {
  const ip = parseIp(text);
  return ip === null ? text : formatIp(ip);
}

function maxBits(family: IpFamily): number {
  return family === 4 ? V4_MAX : V6_MAX;
}

function hostMask(family: IpFamily, bits: number): bigint {
  return (1n << BigInt(maxBits(family) - bits)) - 1n;
}

const CIDR_CACHE = new Map<string, Cidr | null>();

/**
 * `10.0.0.0/8`, `10.0.0.1` (a host), `fd00::/64`, and the dotted masks iptables-save prints for
 * masks it cannot write as a prefix length (`10.0.0.0/255.255.0.0`). Null when not an address.
 */
export function parseCidr(text: string): Cidr | null {
  const cached = CIDR_CACHE.get(text);
  if (cached !== undefined) return cached;
  const result = parseCidrUncached(text);
  if (CIDR_CACHE.size > 100_000) CIDR_CACHE.clear();
  CIDR_CACHE.set(text, result);
  return result;
}

function parseCidrUncached(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (ip === null) return null;
  const max = maxBits(ip.family);
  let bits = max;
  if (slash >= 0) {
    const m = text.slice(slash + 1);
    if (/^\d{1,3}$/.test(m)) bits = Number(m);
    else {
      const mask = parseIp(m);
      if (mask === null || mask.family !== ip.family) return null;
      bits = prefixOfMask(mask.value, max);
      if (bits < 0) return null;
    }
  }
  if (bits > max) return null;
  const base = ip.value & ~hostMask(ip.family, bits) & ((1n << BigInt(max)) - 1n);
  const baseText = formatIp({ family: ip.family, value: base });
  return { family: ip.family, base, bits, text: bits === max ? baseText : `${baseText}/${bits}` };
}

function prefixOfMask(mask: bigint, max: number): number {
  let bits = 0;
  while (bits < max && ((mask >> BigInt(max - 1 - bits)) & 1n) === 1n) bits++;
  const rest = mask & ((1n << BigInt(max - bits)) - 1n);
  return rest === 0n ? bits : -1;
}

export function cidrContainsIp(c: Cidr, ip: ParsedIp): boolean {
  if (c.family !== ip.family) return false;
  return (ip.value & ~hostMask(c.family, c.bits)) === c.base;
}

/** inner ⊆ outer. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  if (inner.family !== outer.family || inner.bits < outer.bits) return false;
  return (inner.base & ~hostMask(outer.family, outer.bits)) === outer.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}

/** `a-b` address range (nft intervals, ipset ranges) containing ip. */
export function rangeContainsIp(text: string, ip: ParsedIp): boolean | null {
  const dash = text.indexOf('-');
  if (dash < 0) return null;
  const lo = parseIp(text.slice(0, dash));
  const hi = parseIp(text.slice(dash + 1));
  if (lo === null || hi === null || lo.family !== ip.family || hi.family !== ip.family) return null;
  return ip.value >= lo.value && ip.value <= hi.value;
}

/**
 * Whether `ip` is in `spec`: an address, a CIDR or an `a-b` range. Null when spec is not an
 * address at all (a name, a set reference).
 */
export function addressSpecContains(spec: string, ip: ParsedIp): boolean | null {
  if (spec.includes('-') && !spec.includes('/')) {
    const r = rangeContainsIp(spec, ip);
    if (r !== null) return r;
  }
  const c = parseCidr(spec);
  return c === null ? null : cidrContainsIp(c, ip);
}

export function isLoopback(ip: ParsedIp): boolean {
  if (ip.family === 4) return Number(ip.value) >>> 24 === 127;
  return ip.value === 1n;
}

/** `ip:port` with brackets around IPv6. */
export function hostPort(ip: string, port: number | undefined): string {
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return port === undefined ? host : `${host}:${port}`;
}
