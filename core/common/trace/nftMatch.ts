import type { NftElement, NftMatch, NftRule, NftSet, NftTable } from '../model/nft';
import type { ParsedIp } from '../ip/ipMath';
import { addressSpecContains, canonicalIp, formatIp, parseCidr, parseIp } from '../ip/ipMath';
import type { RuleEval } from './iptablesMatch';
import type { Cond } from './traceConditions';
import { factCond } from './traceConditions';
import type { Fact } from './traceFacts';
import { isLocal, not, portIn, protoName, srcInCidr, srcLocal } from './traceFacts';
import type { PathState, TraceEnv } from './tracePath';
import { markUncertain } from './tracePath';

// Evaluates nft rule matches and map keys against the traced packet (kube-proxy's nftables
// proxier, pkg/proxy/nftables/proxier.go: `ip daddr . meta l4proto . th dport vmap @service-ips`,
// `fib daddr type local`, `ip saddr != <clusterCIDR>`, `meta mark & 0x4000 == 0`, ...). The left
// sides come normalised from the parser (core/common/parse/nftRule.ts), the same for text and JSON.

export interface NftMatchEnv {
  env: TraceEnv;
  table: NftTable;
  origDst: string;
  origPort: number;
}

/** One part of a concatenated key, read from the packet; 'src' when it is the unknown source. */
type PartValue = { kind: 'ip'; ip: ParsedIp } | { kind: 'proto' } | { kind: 'port'; port: number } | { kind: 'src' } | { kind: 'unknown' };

export function namedSet(table: NftTable, name: string): NftSet | undefined {
  return table.sets.get(name) ?? table.maps.get(name);
}

function partValue(m: NftMatchEnv, p: PathState, part: string): PartValue {
  const e = part.trim();
  const fam = e.startsWith('ip6 ') ? 6 : e.startsWith('ip ') ? 4 : 0;
  if (/^(ip6?) daddr$/.test(e)) return fam === m.env.family ? { kind: 'ip', ip: p.dst } : { kind: 'unknown' };
  if (/^(ip6?) saddr$/.test(e)) {
    if (fam !== m.env.family) return { kind: 'unknown' };
    return m.env.src ? { kind: 'ip', ip: m.env.src } : { kind: 'src' };
  }
  if (e === 'meta l4proto' || e === 'ip protocol' || e === 'ip6 nexthdr') return { kind: 'proto' };
  if (/^(th|tcp|udp|sctp|udplite) dport$/.test(e)) return { kind: 'port', port: p.dport };
  return { kind: 'unknown' };
}

/** Whether one key part spec (`10.0.0.0/8`, `tcp`, `80-90`) contains the packet's value. */
function partMatches(m: NftMatchEnv, p: PathState, v: PartValue, spec: string): Fact {
  switch (v.kind) {
    case 'ip':
      return addressSpecContains(spec, v.ip) === true;
    case 'proto':
      return protoName(spec) === m.env.query.protocol;
    case 'port':
      return portIn(spec, v.port) === true;
    case 'src': {
      const c = parseCidr(spec);
      return c ? srcInCidr(m.env, p, c) : factCond(`src-spec:${spec}`, `source matches ${spec}`, `source does not match ${spec}`);
    }
    default:
      return factCond(`nft-part:${spec}`, `key part matches ${spec}`, `key part does not match ${spec}`);
  }
}

/** Elements of a key that match the packet: the element, or a condition for source parts. */
export function lookupElements(m: NftMatchEnv, p: PathState, key: string, elements: readonly NftElement[]): { element: NftElement; conds: Cond[] }[] {
  const parts = key.split(' . ').map((k) => partValue(m, p, k));
  const out: { element: NftElement; conds: Cond[] }[] = [];
  const exact = exactIndex(elements);
  if (parts.every((v) => v.kind === 'ip' || v.kind === 'proto' || v.kind === 'port')) {
    const k = parts.map((v) => (v.kind === 'ip' ? formatIp(v.ip) : v.kind === 'port' ? String(v.port) : m.env.query.protocol)).join(' . ');
    const hit = exact.map.get(k);
    if (hit) return [{ element: hit, conds: [] }];
    if (!exact.intervals) return [];
  }
  for (const el of elements) {
    if (el.key.length !== parts.length) continue;
    const conds: Cond[] = [];
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const f = partMatches(m, p, parts[i], el.key[i]);
      if (f === false) ok = false;
      else if (f !== true) conds.push(f);
    }
    if (ok) out.push({ element: el, conds });
  }
  return out;
}

const EXACT = new WeakMap<readonly NftElement[], { map: Map<string, NftElement>; intervals: boolean }>();

/** Exact-key index of a map's elements (kube-proxy's service-ips holds one element per Service port). */
function exactIndex(elements: readonly NftElement[]): { map: Map<string, NftElement>; intervals: boolean } {
  let idx = EXACT.get(elements);
  if (!idx) {
    idx = { map: new Map(), intervals: false };
    for (const el of elements) {
      if (el.key.some((k) => k.includes('/') || (k.includes('-') && !k.startsWith('-')) || k.startsWith('{'))) idx.intervals = true;
      const k = el.key.map((part) => normalizePart(part)).join(' . ');
      if (!idx.map.has(k)) idx.map.set(k, el);
    }
    EXACT.set(elements, idx);
  }
  return idx;
}

function normalizePart(part: string): string {
  if (parseIp(part)) return canonicalIp(part);
  const proto = protoName(part);
  if (proto === 'tcp' || proto === 'udp' || proto === 'sctp') return proto;
  return part;
}

export function evalNftRule(m: NftMatchEnv, rule: NftRule, p: PathState): RuleEval {
  const conds: Cond[] = [];
  for (const match of rule.matches) {
    const r = evalNftMatch(m, match, p);
    if (r === 'mark') return { kind: 'mark', mask: markMask(match) };
    const f = match.op === '!=' ? not(r) : r;
    if (f === false) return { kind: 'no', why: `${match.left} ${match.op} ${match.right} does not hold` };
    if (f !== true) conds.push(f);
  }
  return { kind: 'yes', conds, notes: [] };
}

function markMask(match: NftMatch): number {
  const am = /&\s*(\d+)/.exec(match.left);
  return am ? Number(am[1]) >>> 0 : 0xffffffff;
}

/** Value of `match` for '==' (the caller negates '!='); 'mark' when an uncertain mark is tested. */
function evalNftMatch(m: NftMatchEnv, match: NftMatch, p: PathState): Fact | 'mark' {
  const { env } = m;
  const left = match.left;
  const values = (): string[] => {
    if (match.set) return (namedSet(m.table, match.set)?.elements ?? []).map((e) => e.key.join(' . '));
    return [...match.values];
  };
  const unknown = (): Cond => factCond(`nft:${left} ${match.op} ${match.right}`, `${left} ${match.right}`, `not ${left} ${match.right}`);
  if (match.op !== '==' && match.op !== '!=') {
    const port = /^(th|tcp|udp|sctp) dport$/.test(left) ? p.dport : undefined;
    const n = Number(match.values[0]);
    if (port === undefined || !Number.isFinite(n)) return unknown();
    return match.op === '<' ? port < n : match.op === '>' ? port > n : match.op === '<=' ? port <= n : port >= n;
  }
  if (left.includes(' . ')) {
    const hits = lookupElements(m, p, left, match.set ? (namedSet(m.table, match.set)?.elements ?? []) : match.values.map((v) => ({ key: v.split(' . '), line: 0, raw: v })));
    if (hits.some((h) => h.conds.length === 0)) return true;
    if (hits.length === 0) return false;
    return hits.length === 1 && hits[0].conds.length === 1 ? hits[0].conds[0] : unknown();
  }
  if (/^ip6? daddr$/.test(left)) {
    if ((left.startsWith('ip6') ? 6 : 4) !== env.family) return false;
    return values().some((v) => addressSpecContains(v, p.dst) === true);
  }
  if (/^ip6? saddr$/.test(left)) {
    if ((left.startsWith('ip6') ? 6 : 4) !== env.family) return false;
    const vs = values();
    if (env.src) return vs.some((v) => addressSpecContains(v, env.src as NonNullable<typeof env.src>) === true);
    if (vs.length === 1) {
      const c = parseCidr(vs[0]);
      if (c) return srcInCidr(env, p, c);
    }
    if (vs.length === 0) return false;
    const what = match.set ? `@${match.set}` : `{ ${vs.join(', ')} }`;
    return factCond(`nft-src:${what}`, `source in ${what}`, `source not in ${what}`);
  }
  if (left === 'meta l4proto' || left === 'ip protocol' || left === 'ip6 nexthdr') return values().some((v) => protoName(v) === env.query.protocol);
  const portLeft = /^(th|tcp|udp|sctp|udplite) (dport|sport)$/.exec(left);
  if (portLeft) {
    if (portLeft[1] !== 'th' && portLeft[1] !== env.query.protocol) return false;
    if (portLeft[2] === 'sport') return unknown();
    return values().some((v) => portIn(v, p.dport) === true);
  }
  if (left.startsWith('fib daddr') && left.endsWith('type')) {
    const vs = values();
    const local = isLocal(env, p, p.dst, p.dstText);
    if (vs.includes('local')) return local;
    if (vs.length === 1 && vs[0] === 'unicast') return not(local);
    return unknown();
  }
  if (left.startsWith('fib saddr') && left.endsWith('type')) {
    const vs = values();
    return vs.includes('local') ? srcLocal(env, p) : unknown();
  }
  if (left === 'ct state') return values().includes('new');
  if (left === 'ct status') return values().includes('dnat') ? p.dnat !== undefined : false;
  if (left === 'ct direction') return values().includes('original');
  if (/^ct original (ip6? )?daddr$/.test(left)) {
    const d = parseIp(m.origDst);
    return d !== null && values().some((v) => addressSpecContains(v, d) === true);
  }
  if (left === 'ct original proto-dst') return values().some((v) => portIn(v, m.origPort) === true);
  if (left === 'meta mark' || /^meta mark & \d+$/.test(left)) {
    const mask = markMask(match);
    if (markUncertain(p, mask)) return 'mark';
    return values().some((v) => ((p.mark & mask) >>> 0) === Number(v) >>> 0);
  }
  if (left === 'meta nfproto' || left === 'meta protocol') {
    const want = env.family === 4 ? ['ipv4', 'ip'] : ['ipv6', 'ip6'];
    return values().some((v) => want.includes(v));
  }
  return unknown();
}

/** `meta mark set ...` of a rule as (op, value), or undefined. */
export function nftMarkSet(rule: NftRule): { op: 'set' | 'or' | 'and' | 'xor'; value: number } | undefined {
  const mm = /(?:meta )?mark set (?:(?:meta )?mark\s*(\||\^|&|or|xor|and)\s*)?(0x[0-9a-fA-F]+|\d+)/.exec(rule.text);
  if (!mm || rule.text.includes('ct mark set')) return undefined;
  const ops: Record<string, 'or' | 'xor' | 'and'> = { '|': 'or', or: 'or', '^': 'xor', xor: 'xor', '&': 'and', and: 'and' };
  return { op: mm[1] ? ops[mm[1]] : 'set', value: Number(mm[2]) >>> 0 };
}

export function isRedirect(rule: NftRule): boolean {
  return /(^|\s)redirect(\s|$)/.test(rule.text);
}
