import type { Cond } from './traceConditions';
import { clauseText, consistent, exclusiveCases } from './traceConditions';
import type { Cidr, ParsedIp } from '../ip/ipMath';
import { step } from './traceSteps';
import type { TraceHit, TraceOutcomeKind, TracePlane, TraceQuery, TraceStep } from './traceTypes';

// The state of one traced path and the tree of its forks. A fork is either a random choice
// (iptables statistic, nft numgen, IPVS scheduling) or an unknown fact (a Cond). Every path ends
// in exactly one leaf; traceOutcomes.ts reads the tree back into end states with probabilities
// and conditions. Steps are recorded in walk order (depth first), tagged with their branch id.

export interface LeafOutcome {
  kind: TraceOutcomeKind;
  ip?: string;
  port?: number;
  masquerade: boolean;
  decidedBy?: TraceHit;
  note?: string;
  weight?: number;
}

export interface ForkSide {
  conds: Cond[];
  p: number;
  possible: boolean;
  child: TreeNode | null;
}

export type TreeNode = { kind: 'leaf'; outcome: LeafOutcome } | { kind: 'fork'; random: boolean; sides: ForkSide[] };

/** Where a path's subtree goes: the root, or one side of a fork. */
export interface Slot {
  child: TreeNode | null;
}

/** An OR-mark set by a rule whose match depended on an unknown fact (e.g. `! -s CIDR -j KUBE-MARK-MASQ`). */
export interface MaybeMark {
  bits: number;
  when: Cond[];
}

export interface PathState {
  dst: ParsedIp;
  dstText: string;
  dport: number;
  dnat?: TraceHit & { ip: string; port: number };
  mark: number;
  maybe: MaybeMark[];
  conds: Cond[];
  prob: number;
  branch: number;
  slot: Slot;
  masquerade?: TraceHit;
  /** The packet was scheduled by IPVS (matches `-m ipvs --ipvs`). */
  ipvs: boolean;
  notes: string[];
}

export interface Limits {
  maxDepth: number;
  maxLeaves: number;
  maxSteps: number;
  maxWork: number;
}

export const DEFAULT_LIMITS: Limits = { maxDepth: 40, maxLeaves: 2048, maxSteps: 20_000, maxWork: 5_000_000 };

export interface TraceEnv {
  query: TraceQuery;
  family: 4 | 6;
  src?: ParsedIp;
  /** Local addresses as canonical text; `localKnown` false when nothing is known about them. */
  local: Set<string>;
  localKnown: boolean;
  podCIDRs: Cidr[];
  plane: TracePlane;
  file: string;
  root: Slot;
  steps: TraceStep[];
  allRules: boolean;
  /** The current run of non-matching rules (folded unless allRules). */
  run: { head: TraceStep[]; last?: TraceStep; count: number; from: number; to: number } | null;
  nextBranch: number;
  /** Parent branch of each branch id. */
  parentOf: Map<number, number>;
  leaves: number;
  work: number;
  limits: Limits;
  truncated: boolean;
  notes: string[];
}

export function newPath(env: TraceEnv, dst: ParsedIp, dstText: string): PathState {
  return { dst, dstText, dport: env.query.port, mark: 0, maybe: [], conds: [], prob: 1, branch: 0, slot: env.root, ipvs: false, notes: [] };
}

function clonePath(p: PathState): PathState {
  return { ...p, maybe: [...p.maybe], conds: [...p.conds], notes: [...p.notes] };
}

export interface SideSpec {
  conds: Cond[];
  p: number;
  /** Shown on the branch's opening step. */
  label: string;
  possible?: boolean;
}

export interface OpenSide {
  state: PathState;
  label: string;
  /** Index of the side in the specs given to fork(). */
  index: number;
}

/**
 * Splits `p` into one path per possible side. The sides' subtrees hang below p's slot; sides
 * that contradict p's facts stay in the tree as impossible (so outcome merging knows a fork's
 * other side was not lost, only ruled out).
 */
export function fork(env: TraceEnv, p: PathState, sides: SideSpec[], random: boolean): OpenSide[] {
  const node: TreeNode = { kind: 'fork', random, sides: [] };
  p.slot.child = node;
  const out: OpenSide[] = [];
  for (let i = 0; i < sides.length; i++) {
    const s = sides[i];
    const possible = (s.possible ?? true) && s.p > 0 && consistent([...p.conds, ...s.conds]);
    const side: ForkSide = { conds: s.conds, p: s.p, possible, child: null };
    node.sides.push(side);
    if (!possible) continue;
    const q = clonePath(p);
    q.conds.push(...s.conds);
    q.prob *= s.p;
    q.slot = side;
    q.branch = ++env.nextBranch;
    env.parentOf.set(q.branch, p.branch);
    out.push({ state: q, label: s.label, index: i });
  }
  return out;
}

/** Sides for "clause holds" / each way it can fail. */
export function conditionSides(p: PathState, clause: Cond[], label: (matches: boolean, conds: Cond[]) => string): (SideSpec & { matches: boolean })[] {
  return exclusiveCases(clause, p.conds).map((c) => ({ conds: c.conds, p: 1, possible: c.possible, matches: c.matches, label: label(c.matches, c.conds) }));
}

export function finish(env: TraceEnv, p: PathState, outcome: LeafOutcome): void {
  p.slot.child = { kind: 'leaf', outcome };
  env.leaves++;
  const what =
    outcome.kind === 'dnat'
      ? `DNAT to ${outcome.ip !== undefined && outcome.ip.includes(':') ? `[${outcome.ip}]` : (outcome.ip ?? '?')}:${outcome.port ?? '?'}`
      : outcome.kind === 'accept-no-dnat'
        ? 'accepted without DNAT'
        : outcome.kind;
  const masq = outcome.masquerade && (outcome.kind === 'dnat' || outcome.kind === 'accept-no-dnat') ? ', masqueraded' : '';
  const odds = p.prob < 1 ? ` (path probability ${Number(p.prob.toFixed(4))})` : '';
  step(env, p, { kind: 'end', table: '', chain: '', line: 0, raw: '', matched: true, note: `=> ${what}${masq}${odds}${outcome.note ? `: ${outcome.note}` : ''}`, depth: 0 });
}

/** Too many leaves or too much work: the remaining paths end as incomplete. */
export function overBudget(env: TraceEnv): boolean {
  if (env.leaves >= env.limits.maxLeaves || env.work >= env.limits.maxWork) {
    if (!env.truncated) env.notes.push(`trace cut short: more than ${env.leaves >= env.limits.maxLeaves ? `${env.limits.maxLeaves} end states` : `${env.limits.maxWork} rule evaluations`}`);
    env.truncated = true;
    return true;
  }
  return false;
}

// ---- marks ----

export function applyMark(mark: number, op: 'set' | 'or' | 'and' | 'xor' | 'xset', value: number, mask = 0xffffffff): number {
  switch (op) {
    case 'set':
      return value >>> 0;
    case 'or':
      return (mark | value) >>> 0;
    case 'and':
      return (mark & value) >>> 0;
    case 'xor':
      return (mark ^ value) >>> 0;
    case 'xset':
      return ((mark & ~mask) ^ value) >>> 0;
  }
}

/** True when an unknown (maybe) mark bit could change `(mark & mask)`. */
export function markUncertain(p: PathState, mask: number): boolean {
  for (const m of p.maybe) if ((m.bits & mask & ~p.mark) !== 0) return true;
  return false;
}

/**
 * Resolves the maybe-marks that touch `mask` by forking: one side per "first clause that holds",
 * and one where none does. Used before evaluating a mark match.
 */
export function resolveMarks(env: TraceEnv, p: PathState, mask: number): OpenSide[] {
  const relevant = p.maybe.filter((m) => (m.bits & mask & ~p.mark) !== 0);
  const sides: (SideSpec & { set: number; drop: MaybeMark[] })[] = [];
  const walk = (i: number, acc: Cond[]): void => {
    if (sides.length > 64) return;
    if (i === relevant.length) {
      sides.push({ conds: acc, p: 1, label: `mark not set${acc.length > 0 ? `: ${clauseText(acc)}` : ''}`, set: 0, drop: relevant });
      return;
    }
    const cl = relevant[i].when;
    if (consistent([...p.conds, ...acc, ...cl])) {
      sides.push({ conds: [...acc, ...cl], p: 1, label: `mark 0x${relevant[i].bits.toString(16)} set: ${clauseText([...acc, ...cl])}`, set: relevant[i].bits, drop: [relevant[i]] });
    }
    for (const f of exclusiveCases(cl, [...p.conds, ...acc])) {
      if (!f.matches && f.possible) walk(i + 1, [...acc, ...f.conds]);
    }
  };
  walk(0, []);
  const open = fork(env, p, sides, false);
  for (const o of open) {
    const spec = sides[o.index];
    o.state.mark = (o.state.mark | spec.set) >>> 0;
    o.state.maybe = o.state.maybe.filter((m) => !spec.drop.includes(m));
  }
  return open;
}
