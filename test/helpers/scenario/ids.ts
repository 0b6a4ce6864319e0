import { createHash } from 'node:crypto';

// Deterministic stand-ins for what the API server and controllers invent (UIDs, pod name
// suffixes, IP allocation), so a scenario builds byte-identical cluster.json every run.

/** Alphabet of Kubernetes generated names (apimachinery/pkg/util/rand: no vowels, no 0/1/3). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function digest(seed: string): Buffer {
  return createHash('sha256').update(seed).digest();
}

/** A generated-name suffix such as the `x2k4p` of `web-7d9c8b6f5-x2k4p`. */
export function nameSuffix(seed: string, length = 5): string {
  const bytes = digest(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += NAME_ALPHABET[bytes[i] % NAME_ALPHABET.length];
  return out;
}

/** A pod-template-hash style suffix: 9-10 hex-looking characters (lower case, digits). */
export function templateHash(seed: string): string {
  const bytes = digest(`tmpl:${seed}`);
  const alphabet = 'bcdf456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

/** An RFC 4122-shaped UID derived from a seed. */
export function uid(seed: string): string {
  const h = digest(`uid:${seed}`).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  base: number;
  bits: number;
  text: string;
}

export function parseCidr(text: string): Cidr {
  const [ip, bitsText] = text.trim().split('/');
  const bits = Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`not an IPv4 CIDR: ${text}`);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ipToInt(ip) & mask) >>> 0, bits, text: `${intToIp((ipToInt(ip) & mask) >>> 0)}/${bits}` };
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.bits);
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= c.base && n < c.base + cidrSize(c);
}

/** The `index`-th subnet of size /`bits` inside `parent`. */
export function subnet(parent: Cidr, bits: number, index: number): Cidr {
  const size = 2 ** (32 - bits);
  const base = parent.base + index * size;
  if (bits < parent.bits || base + size > parent.base + cidrSize(parent)) {
    throw new Error(`subnet ${index} of /${bits} does not fit in ${parent.text}`);
  }
  return { base, bits, text: `${intToIp(base)}/${bits}` };
}

/** A timestamp `minutes` after `start`, formatted like the API server (second precision, Z). */
export function timestamp(start: string, minutes: number): string {
  return new Date(Date.parse(start) + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
