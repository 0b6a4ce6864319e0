import type { IpsetDump } from '../model/ipset';
import type { IptMatch, IptOption, IptRule } from '../model/iptables';
import { parseIp } from '../ip/ipMath';
import { conntrackMatch, ipvsMatch, unknownModule } from './iptablesStateMatch';
import { ipsetMatch } from './ipsetLookup';
import type { Cond } from './traceConditions';
import { factCond } from './traceConditions';
import type { Fact } from './traceFacts';
import { dstIn, isLocal, not, portIn, protoName, srcIn, srcLocal } from './traceFacts';
import type { PathState, TraceEnv } from './tracePath';
import { markUncertain } from './tracePath';

// Evaluates the matches of one iptables rule against the traced packet: what can be decided
// from the packet and the node's facts is decided (addresses, protocol, ports, --dst-type LOCAL,
// conntrack state of a first packet, marks set on the path, ipset membership when ipset.txt was
// captured), randomness is a probability (statistic), and everything else is a condition
// (unknown source, interfaces, session-affinity `recent` lists, modules not understood). The
// `comment` match never matters.

export type RuleEval =
  | { kind: 'no'; why: string }
  /** A mark match depends on a mark set under a condition: resolve it, then evaluate again. */
  | { kind: 'mark'; mask: number }
  | { kind: 'yes'; conds: Cond[]; p?: number; notes: string[] };

export interface IptMatchEnv {
  env: TraceEnv;
  ipset?: IpsetDump;
  /** Original destination of the connection (conntrack --ctorigdst, -m ipvs --vaddr). */
  origDst: string;
  origPort: number;
}

const NEW_PACKET_FLAGS = new Set(['SYN']);

export function evalIptRule(m: IptMatchEnv, rule: IptRule, p: PathState): RuleEval {
  const { env } = m;
  const conds: Cond[] = [];
  const notes: string[] = [];
  let prob: number | undefined;
  const take = (f: Fact, why: string): RuleEval | null => {
    if (f === false) return { kind: 'no', why };
    if (f !== true) conds.push(f);
    return null;
  };
  if (rule.protocol) {
    const name = protoName(rule.protocol.value);
    const ok = name === 'all' || name === '0' || name === env.query.protocol;
    const r = take(rule.protocol.negated ? !ok : ok, `protocol is ${env.query.protocol}, not ${rule.protocol.negated ? '! ' : ''}${rule.protocol.value}`);
    if (r) return r;
  }
  if (rule.destination) {
    const ok = dstIn(env, p, rule.destination.value);
    const r = take(rule.destination.negated ? !ok : ok, `destination ${p.dstText} is ${rule.destination.negated ? '' : 'not '}in ${rule.destination.value}`);
    if (r) return r;
  }
  if (rule.source) {
    const f = srcIn(env, p, rule.source.value);
    const who = env.query.src !== undefined ? `source ${env.query.src}` : 'the source assumed on this branch';
    const r = take(rule.source.negated ? not(f) : f, `${who} is ${rule.source.negated ? '' : 'not '}in ${rule.source.value}`);
    if (r) return r;
  }
  for (const [v, dir] of [
    [rule.inInterface, 'input'],
    [rule.outInterface, 'output'],
  ] as const) {
    if (!v) continue;
    const f = factCond(`${dir}-if:${v.value}`, `${dir} interface is ${v.value}`, `${dir} interface is not ${v.value}`);
    conds.push(v.negated ? (not(f) as Cond) : f);
  }
  for (const match of rule.matches) {
    const r = evalMatch(m, match, p, conds, notes);
    if (r === null) continue;
    if (typeof r === 'number') {
      prob = (prob ?? 1) * r;
      continue;
    }
    return r;
  }
  return { kind: 'yes', conds, notes, ...(prob !== undefined ? { p: prob } : {}) };
}

function opt(match: IptMatch, ...names: string[]): IptOption | undefined {
  return match.options.find((o) => names.includes(o.name));
}


/** null: matched (facts pushed to conds); a number: a random match with that probability; a RuleEval: stop. */
function evalMatch(m: IptMatchEnv, match: IptMatch, p: PathState, conds: Cond[], notes: string[]): RuleEval | number | null {
  const { env } = m;
  const no = (why: string): RuleEval => ({ kind: 'no', why });
  const fact = (f: Fact, negated: boolean, why: string): RuleEval | null => {
    const g = negated ? not(f) : f;
    if (g === false) return no(why);
    if (g !== true) conds.push(g);
    return null;
  };
  switch (match.module) {
    case 'comment':
    case 'nfacct':
      return null;
    case 'tcp':
    case 'udp':
    case 'sctp':
    case 'udplite': {
      if (match.module !== env.query.protocol) return no(`protocol is ${env.query.protocol}, not ${match.module}`);
      for (const o of match.options) {
        if (o.name === '--dport' || o.name === '--destination-port') {
          const ok = portIn(o.values[0] ?? '', p.dport) === true;
          const r = fact(ok, o.negated, `port ${p.dport} is ${o.negated ? '' : 'not '}${o.values[0]}`);
          if (r) return r;
        } else if (o.name === '--sport' || o.name === '--source-port') {
          const f = factCond(`sport:${o.values[0]}`, `source port ${o.values[0]}`, `source port not ${o.values[0]}`);
          const r = fact(f, o.negated, '');
          if (r) return r;
        } else if (o.name === '--syn' || o.name === '--tcp-flags') {
          // The first packet of a new TCP connection carries SYN alone.
          const [maskText, compText] = o.name === '--syn' ? ['SYN,RST,ACK,FIN', 'SYN'] : [o.values[0] ?? '', o.values[1] ?? ''];
          const mask = maskText === 'ALL' ? ['SYN', 'ACK', 'FIN', 'RST', 'URG', 'PSH'] : maskText.split(',');
          const comp = compText === 'NONE' ? [] : compText.split(',');
          const set = mask.filter((f) => NEW_PACKET_FLAGS.has(f));
          const ok = set.length === comp.length && comp.every((f) => set.includes(f));
          const r = fact(ok, o.negated, `TCP flags of a first packet (SYN) do not match ${maskText} ${compText}`);
          if (r) return r;
        } else conds.push(unknownModule(match));
      }
      return null;
    }
    case 'icmp':
    case 'icmp6':
    case 'icmpv6':
      return no(`protocol is ${env.query.protocol}, not ICMP`);
    case 'multiport': {
      for (const o of match.options) {
        const list = (o.values[0] ?? '').split(',');
        const hit = list.some((s) => portIn(s, p.dport) === true);
        if (o.name === '--dports' || o.name === '--destination-ports') {
          const r = fact(hit, o.negated, `port ${p.dport} is ${o.negated ? '' : 'not '}in ${o.values[0]}`);
          if (r) return r;
        } else if (o.name === '--ports') {
          if (!hit || o.negated) conds.push(factCond(`sport:${o.values[0]}`, `source port in ${o.values[0]}`, `source port not in ${o.values[0]}`));
        } else conds.push(factCond(`sport:${o.values[0]}`, `source port in ${o.values[0]}`, `source port not in ${o.values[0]}`));
      }
      return null;
    }
    case 'addrtype': {
      for (const o of match.options) {
        if (o.name !== '--dst-type' && o.name !== '--src-type') continue;
        const types = (o.values[0] ?? '').split(',');
        const facts: Fact[] = types.map((t) => addrType(m, p, t, o.name === '--dst-type'));
        const any: Fact = facts.includes(true) ? true : facts.every((f) => f === false) ? false : (facts.find((f) => f !== false) as Fact);
        const r = fact(any, o.negated, `${o.name === '--dst-type' ? `destination ${p.dstText}` : 'source'} is ${o.negated ? '' : 'not '}of type ${o.values[0]}`);
        if (r) return r;
      }
      return null;
    }
    case 'mark': {
      const o = opt(match, '--mark');
      if (!o) return null;
      const [vText, mText] = (o.values[0] ?? '0').split('/');
      const value = Number(vText) >>> 0;
      const mask = mText === undefined ? 0xffffffff : Number(mText) >>> 0;
      if (markUncertain(p, mask)) return { kind: 'mark', mask };
      const ok = ((p.mark & mask) >>> 0) === value;
      return fact(ok, o.negated, `mark 0x${p.mark.toString(16)} does not match ${o.negated ? '! ' : ''}${o.values[0]}`);
    }
    case 'conntrack':
    case 'state':
      return conntrackMatch(m, match, p, conds);
    case 'statistic': {
      const mode = opt(match, '--mode')?.values[0] ?? 'random';
      const po = opt(match, '--probability');
      const every = opt(match, '--every');
      let prob = mode === 'nth' && every ? 1 / Math.max(1, Number(every.values[0])) : Number(po?.values[0] ?? '1');
      if (!Number.isFinite(prob)) prob = 1;
      if ((po ?? every)?.negated) prob = 1 - prob;
      return prob;
    }
    case 'recent': {
      const name = opt(match, '--name')?.values[0] ?? 'DEFAULT';
      const check = opt(match, '--rcheck', '--update');
      if (!check) {
        if (opt(match, '--set')) notes.push(`records the client in recent list ${name}`);
        return null;
      }
      const secs = opt(match, '--seconds')?.values[0];
      const f = factCond(
        `recent:${name}`,
        `client is in recent list ${name}${secs ? ` (seen in the last ${secs}s)` : ''}`,
        `client is not in recent list ${name}`,
      );
      return fact(f, check.negated, '');
    }
    case 'set': {
      const o = opt(match, '--match-set');
      if (!o) return null;
      const [name, flags] = [o.values[0] ?? '', o.values[1] ?? 'dst'];
      const f = ipsetMatch(env, p, m.ipset, name, flags) ?? factCond(`ipset:${name}:${flags}`, `packet (${flags}) is in ipset ${name}`, `packet (${flags}) is not in ipset ${name}`);
      return fact(f, o.negated, `packet (${flags}) is ${o.negated ? '' : 'not '}in ipset ${name}`);
    }
    case 'ipvs':
      return ipvsMatch(m, match, p);
    case 'iprange': {
      for (const o of match.options) {
        const range = o.values[0] ?? '';
        const [lo, hi] = range.split('-').map((x) => parseIp(x));
        if (!lo || !hi) continue;
        if (o.name === '--dst-range') {
          const ok = p.dst.family === lo.family && p.dst.value >= lo.value && p.dst.value <= hi.value;
          const r = fact(ok, o.negated, `destination not in ${range}`);
          if (r) return r;
        } else conds.push(factCond(`src-range:${range}`, `source in ${range}`, `source not in ${range}`));
      }
      return null;
    }
    case 'limit':
    case 'hashlimit':
      notes.push(`rate limit (-m ${match.module}) assumed not exceeded`);
      return null;
    default:
      conds.push(unknownModule(match));
      return null;
  }
}

function addrType(m: IptMatchEnv, p: PathState, type: string, dst: boolean): Fact {
  const t = type.toUpperCase();
  if (t === 'LOCAL') return dst ? isLocal(m.env, p, p.dst, p.dstText) : srcLocal(m.env, p);
  if (dst && t === 'UNICAST') return not(isLocal(m.env, p, p.dst, p.dstText));
  if (dst && t === 'MULTICAST') return p.dst.family === 4 ? Number(p.dst.value) >>> 28 === 14 : p.dst.value >> 120n === 0xffn;
  return factCond(`addrtype:${dst ? 'dst' : 'src'}:${t}`, `${dst ? 'destination' : 'source'} is of type ${t}`, `${dst ? 'destination' : 'source'} is not of type ${t}`);
}
