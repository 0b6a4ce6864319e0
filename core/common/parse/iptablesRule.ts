import type { IptOption, IptRule } from '../model/iptables';

// Small accessors over a parsed IptRule, used by decoders and checks. They accept both the shape
// kube-proxy writes (pkg/proxy/iptables/proxier.go) and the canonical iptables-save shape.

/** First option `option` inside any `-m module` match of the rule (the same module may repeat). */
export function matchOption(rule: IptRule, module: string, option: string): IptOption | undefined {
  // Indexed loops: rules hold both shared frozen arrays and ordinary ones, and for..of over both
  // kinds is markedly slower on these hot paths.
  const matches = rule.matches;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    if (m.module !== module) continue;
    const options = m.options;
    for (let j = 0; j < options.length; j++) if (options[j].name === option) return options[j];
  }
  return undefined;
}

/** First option named `name` in any match, whatever its module (e.g. `--dport` of tcp/udp/sctp). */
export function anyOption(rule: IptRule, name: string): IptOption | undefined {
  const matches = rule.matches;
  for (let i = 0; i < matches.length; i++) {
    const options = matches[i].options;
    for (let j = 0; j < options.length; j++) if (options[j].name === name) return options[j];
  }
  return undefined;
}

/** Option of the target, e.g. `--to-destination` of DNAT. */
export function targetOption(rule: IptRule, name: string): IptOption | undefined {
  const options = rule.targetOptions;
  for (let i = 0; i < options.length; i++) if (options[i].name === name) return options[i];
  return undefined;
}

export function hasMatch(rule: IptRule, module: string): boolean {
  for (const m of rule.matches) if (m.module === module) return true;
  return false;
}

function parsePort(s: string | undefined): number | undefined {
  return s === undefined ? undefined : parsePortAt(s, 0, s.length);
}

/** Decimal port in s[from, to) (1 to 5 digits, at most 65535), without slicing. */
function parsePortAt(s: string, from: number, to: number): number | undefined {
  const len = to - from;
  if (len <= 0 || len > 5) return undefined;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    n = n * 10 + (c - 48);
  }
  return n <= 65535 ? n : undefined;
}

/**
 * The single destination port (`--dport 80`, long form `--destination-port`). Undefined when
 * absent, negated (`! --dport 80` matches every other port) or a range (`80:90`).
 */
export function dport(rule: IptRule): number | undefined {
  const o = anyOption(rule, '--dport') ?? anyOption(rule, '--destination-port');
  if (o === undefined || o.negated) return undefined;
  return parsePort(o.values[0]);
}

/**
 * `-m statistic --mode random --probability P` as a number. kube-proxy writes 10 decimals
 * (0.3333333333); iptables-save prints the kernel's 1/2^31-granular value with 11 decimals
 * (0.33332999982), so compare with a tolerance of about 1e-9.
 */
export function probability(rule: IptRule): number | undefined {
  const o = matchOption(rule, 'statistic', '--probability');
  if (o === undefined || o.values.length === 0) return undefined;
  const p = Number(o.values[0]);
  return Number.isFinite(p) && o.values[0].trim() !== '' ? p : undefined;
}

/**
 * DNAT `--to-destination` as {ip, port}: `10.0.1.1:80` or `[fd00::1]:80`. Undefined when absent
 * or not a single address and a single port (no port, ranges like `10.0.0.1-10.0.0.9:80-90`).
 */
export function dnatDestination(rule: IptRule): { ip: string; port: number } | undefined {
  const out: DnatTarget = { ip: undefined, port: undefined };
  return readDnatDestination(rule, out) ? { ip: out.ip as string, port: out.port as number } : undefined;
}

/** Where readDnatDestination writes. */
export interface DnatTarget {
  ip?: string;
  port?: number;
}

/**
 * dnatDestination without the result object (hot path: one call per endpoint): on success sets
 * out.ip / out.port and returns true; otherwise leaves `out` alone and returns false.
 */
export function readDnatDestination(rule: IptRule, out: DnatTarget): boolean {
  const v = targetOption(rule, '--to-destination')?.values[0];
  if (v === undefined) return false;
  let ipStart = 0;
  let ipEnd: number;
  let port: number | undefined;
  if (v.charCodeAt(0) === 91) {
    const close = v.indexOf(']');
    if (close < 0 || v.charCodeAt(close + 1) !== 58) return false;
    ipStart = 1;
    ipEnd = close;
    port = parsePortAt(v, close + 2, v.length);
  } else {
    const colon = v.indexOf(':');
    if (colon < 0 || v.indexOf(':', colon + 1) >= 0) return false; // no port, or bare IPv6
    ipEnd = colon;
    port = parsePortAt(v, colon + 1, v.length);
  }
  if (port === undefined || ipEnd === ipStart) return false;
  const dash = v.indexOf('-', ipStart);
  if (dash >= 0 && dash < ipEnd) return false;
  out.ip = v.slice(ipStart, ipEnd);
  out.port = port;
  return true;
}

/**
 * Drops the host prefix length iptables-save adds after a kernel round trip: '10.0.0.1/32' ->
 * '10.0.0.1', 'fd00::1/128' -> 'fd00::1'. Other CIDRs (and an IPv6 '/32') are left alone.
 */
export function stripPrefixLength(addr: string): string {
  if (addr.endsWith('/32') && !addr.includes(':')) return addr.slice(0, -3);
  if (addr.endsWith('/128') && addr.includes(':')) return addr.slice(0, -4);
  return addr;
}
