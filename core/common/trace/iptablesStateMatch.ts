import type { IptMatch } from '../model/iptables';
import { cidrContainsIp, parseCidr, parseIp } from '../ip/ipMath';
import type { IptMatchEnv, RuleEval } from './iptablesMatch';
import type { Cond } from './traceConditions';
import { factCond } from './traceConditions';
import type { Fact } from './traceFacts';
import { not, portIn, protoName, srcIn } from './traceFacts';
import type { PathState } from './tracePath';

// The `conntrack`/`state` and `ipvs` matches: what they say about the first packet of a new
// connection (state NEW; the virtual DNAT state once the destination was rewritten on the path;
// the original destination for --ctorigdst / --vaddr; whether IPVS scheduled the packet).

export function conntrackMatch(m: IptMatchEnv, match: IptMatch, p: PathState, conds: Cond[]): RuleEval | null {
  const { env } = m;
  for (const o of match.options) {
    let ok: Fact;
    const v = o.values[0] ?? '';
    switch (o.name) {
      case '--ctstate':
      case '--state': {
        // The first packet of a connection: NEW; DNAT is a virtual state once NAT changed the destination.
        const states = v.split(',');
        ok = states.includes('NEW') || (o.name === '--ctstate' && states.includes('DNAT') && p.dnat !== undefined);
        break;
      }
      case '--ctstatus':
        ok = v.split(',').includes('NONE');
        break;
      case '--ctdir':
        ok = v === 'ORIGINAL';
        break;
      case '--ctproto':
        ok = protoName(v) === env.query.protocol;
        break;
      case '--ctorigdst': {
        const c = parseCidr(v);
        const d = parseIp(m.origDst);
        ok = c !== null && d !== null && cidrContainsIp(c, d);
        break;
      }
      case '--ctorigdstport':
        ok = portIn(v, m.origPort) === true;
        break;
      case '--ctorigsrc':
        ok = srcIn(env, p, v);
        break;
      case '--ctrepldst':
        ok = srcIn(env, p, v);
        break;
      case '--ctreplsrc': {
        const c = parseCidr(v);
        ok = c !== null && cidrContainsIp(c, p.dst);
        break;
      }
      default:
        ok = unknownModule({ module: match.module, options: [o] });
    }
    const g = o.negated ? not(ok) : ok;
    if (g === false) return { kind: 'no', why: `conntrack: ${o.negated ? '! ' : ''}${o.name} ${v} does not hold for the first packet of a new connection` };
    if (g !== true) conds.push(g);
  }
  return null;
}

export function ipvsMatch(m: IptMatchEnv, match: IptMatch, p: PathState): RuleEval | null {
  const only = match.options.length === 1 && match.options[0].name === '--ipvs';
  if (only) {
    const o = match.options[0];
    const ok = o.negated ? !p.ipvs : p.ipvs;
    return ok ? null : { kind: 'no', why: p.ipvs ? 'the packet was scheduled by IPVS' : 'the packet was not scheduled by IPVS' };
  }
  if (!p.ipvs) return { kind: 'no', why: 'the packet was not scheduled by IPVS' };
  for (const o of match.options) {
    const v = o.values[0] ?? '';
    let ok = true;
    if (o.name === '--ipvs') ok = true;
    else if (o.name === '--vdir') ok = v === 'ORIGINAL';
    else if (o.name === '--vaddr') {
      const c = parseCidr(v);
      const d = parseIp(m.origDst);
      ok = c !== null && d !== null && cidrContainsIp(c, d);
    } else if (o.name === '--vport') ok = Number(v) === m.origPort;
    else if (o.name === '--vproto') ok = protoName(v) === m.env.query.protocol;
    else if (o.name === '--vmethod') ok = v === 'MASQ';
    if (o.negated) ok = !ok;
    if (!ok) return { kind: 'no', why: `-m ipvs ${o.name} ${v} does not hold` };
  }
  return null;
}

/** A match the trace does not evaluate: a condition named after its text. */
export function unknownModule(match: IptMatch): Cond {
  const text = `-m ${match.module} ${match.options.map((o) => `${o.negated ? '! ' : ''}${o.name} ${o.values.join(' ')}`.trim()).join(' ')}`.trim();
  return factCond(`match:${text}`, `${text} matches`, `${text} does not match`);
}
