import type { Cidr, ParsedIp } from '../ip/ipMath';
import { canonicalIp, cidrContainsIp, formatIp, isLoopback, parseCidr } from '../ip/ipMath';
import type { Cond } from './traceConditions';
import { factCond, knownAtom, knownSrcIn, negate, srcCond } from './traceConditions';
import type { PathState, TraceEnv } from './tracePath';

// Decisions about the packet shared by the iptables and nftables evaluators: is the source in a
// CIDR, is an address local to the node, does the port match a port spec. Each answers true,
// false, or a Cond (an unknown fact the path has to split on).

export type Fact = boolean | Cond;

export function not(f: Fact): Fact {
  return typeof f === 'boolean' ? !f : negate(f);
}

/** The source is in `spec` (address or CIDR). */
export function srcIn(env: TraceEnv, p: PathState, spec: string): Fact {
  const c = parseCidr(spec);
  if (c === null) return factCond(`src-spec:${spec}`, `source matches ${spec}`, `source does not match ${spec}`);
  return srcInCidr(env, p, c);
}

export function srcInCidr(env: TraceEnv, p: PathState, c: Cidr): Fact {
  if (c.family !== env.family) return false;
  if (env.src) return cidrContainsIp(c, env.src);
  const known = knownSrcIn(p.conds, c);
  if (known !== undefined) return known;
  return srcCond(c, true);
}

/** The current destination is in `spec`. */
export function dstIn(env: TraceEnv, p: PathState, spec: string): boolean {
  const c = parseCidr(spec);
  return c !== null && cidrContainsIp(c, p.dst);
}

/** `ip` is an address of this node (`--dst-type LOCAL`, `fib daddr type local`, routing). */
export function isLocal(env: TraceEnv, p: PathState, ip: ParsedIp, text: string): Fact {
  if (isLoopback(ip)) return true;
  const canon = canonicalIp(text);
  if (env.local.has(canon)) return true;
  if (env.localKnown) return false;
  if (env.podCIDRs.some((c) => cidrContainsIp(c, ip))) return false;
  const atom = `local:${canon}`;
  const known = knownAtom(p.conds, atom);
  if (known !== undefined) return known;
  return factCond(atom, `${canon} is an address of this node`, `${canon} is not an address of this node`);
}

/**
 * The routing decision (INPUT or FORWARD) for the current destination. When the node's addresses
 * are unknown and the path assumed nothing, the destination is routed as not local: kube-proxy's
 * targets (Service and endpoint addresses) are not node addresses; `--dst-type LOCAL` rules stay
 * conditions.
 */
export function routeLocal(env: TraceEnv, p: PathState): boolean {
  const local = isLocal(env, p, p.dst, p.dstText);
  if (typeof local === 'boolean') return local;
  const note = `the node's addresses are unknown: ${p.dstText} is routed as not local`;
  if (!env.notes.includes(note)) env.notes.push(note);
  return false;
}

/** The source is an address of this node (`--src-type LOCAL`, `fib saddr type local`). */
export function srcLocal(env: TraceEnv, p: PathState): Fact {
  if (env.src) {
    if (env.query.fromLocalProcess) return true;
    return isLocalKnown(env, env.src);
  }
  if (env.query.fromLocalProcess) return true;
  const known = knownAtom(p.conds, 'src-local');
  if (known !== undefined) return known;
  // A source pinned to one address by earlier facts can be checked against the node's addresses.
  for (const c of p.conds) {
    if (c.src && c.holds && c.src.bits === (c.src.family === 4 ? 32 : 128) && env.localKnown) {
      return env.local.has(c.src.text);
    }
  }
  return factCond('src-local', 'source is an address of this node', 'source is not an address of this node');
}

function isLocalKnown(env: TraceEnv, ip: ParsedIp): boolean {
  return isLoopback(ip) || env.local.has(formatIp(ip));
}

/** Port spec `80`, `80:90` (iptables) or `80-90` (nft, ipset). */
export function portIn(spec: string, port: number): boolean | null {
  const s = spec.trim();
  const sep = s.indexOf(':') >= 0 ? ':' : s.indexOf('-') > 0 ? '-' : '';
  if (sep === '') return /^\d{1,5}$/.test(s) ? Number(s) === port : null;
  const [a, b] = s.split(sep);
  const lo = a === '' ? 0 : Number(a);
  const hi = b === '' ? 65535 : Number(b);
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) return null;
  return port >= lo && port <= hi;
}

export const PROTO_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '132': 'sctp', '1': 'icmp', '58': 'ipv6-icmp', '136': 'udplite' };

export function protoName(s: string): string {
  const l = s.toLowerCase();
  return PROTO_NUMBERS[l] ?? l;
}

/** Conjunction of facts: false if any is false, else the unknown ones. */
export function allOf(facts: Fact[]): false | Cond[] {
  const out: Cond[] = [];
  for (const f of facts) {
    if (f === false) return false;
    if (f !== true) out.push(f);
  }
  return out;
}
