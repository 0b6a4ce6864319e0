import type { IptOption, IptRule } from '../model/iptables';

// Small accessors over a parsed IptRule, used by decoders and checks. They accept both the shape
// kube-proxy writes (pkg/proxy/iptables/proxier.go) and the canonical iptables-save shape.

/** First option `option` inside any `-m module` match of the rule (the same module may repeat). */
export function matchOption(rule: IptRule, module: string, option: string): IptOption | undefined {
  for (const m of rule.matches) {
    if (m.module !== module) continue;
    for (const o of m.options) if (o.name === option) return o;
  }
  return undefined;
}

/** First option named `name` in any match, whatever its module (e.g. `--dport` of tcp/udp/sctp). */
export function anyOption(rule: IptRule, name: string): IptOption | undefined {
  for (const m of rule.matches) {
    for (const o of m.options) if (o.name === name) return o;
  }
  return undefined;
}

/** Option of the target, e.g. `--to-destination` of DNAT. */
export function targetOption(rule: IptRule, name: string): IptOption | undefined {
  for (const o of rule.targetOptions) if (o.name === name) return o;
  return undefined;
}

export function hasMatch(rule: IptRule, module: string): boolean {
  for (const m of rule.matches) if (m.module === module) return true;
  return false;
}

function parsePort(s: string | undefined): number | undefined {
  if (s === undefined || s.length === 0 || s.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
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
  const v = targetOption(rule, '--to-destination')?.values[0];
  if (v === undefined) return undefined;
  let ip: string;
  let portText: string;
  if (v.charCodeAt(0) === 91) {
    const close = v.indexOf(']');
    if (close < 0 || v.charCodeAt(close + 1) !== 58) return undefined;
    ip = v.slice(1, close);
    portText = v.slice(close + 2);
  } else {
    const colon = v.indexOf(':');
    if (colon < 0 || v.indexOf(':', colon + 1) >= 0) return undefined; // no port, or bare IPv6
    ip = v.slice(0, colon);
    portText = v.slice(colon + 1);
  }
  const port = parsePort(portText);
  if (port === undefined || ip === '' || ip.includes('-')) return undefined;
  return { ip, port };
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
