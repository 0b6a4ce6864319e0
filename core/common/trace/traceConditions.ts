import type { Cidr } from '../ip/ipMath';
import { cidrWithin, cidrsOverlap } from '../ip/ipMath';

// Facts the trace cannot know from the dumps (the source address when --from is not given, the
// input interface, whether a client has a session-affinity entry, ...). A rule that depends on
// one splits the path in two; each path carries the facts it assumed. Source-address facts are
// kept as CIDR constraints so later rules are decided from them (a path that assumed "source in
// 10.244.0.0/16" does not fork again on `-s 10.244.1.5` being "not in 10.0.0.0/8") and
// contradictory paths are dropped.

export interface Cond {
  /** Identity of the fact, without its truth value: `src:10.244.0.0/16`, `recent:KUBE-SEP-X`. */
  atom: string;
  holds: boolean;
  /** Readable text when the fact holds, and when it does not. */
  text: string;
  negText: string;
  /** For source-address facts: the source is (holds) / is not (!holds) in this CIDR. */
  src?: Cidr;
}

export function condText(c: Cond): string {
  return c.holds ? c.text : c.negText;
}

export function negate(c: Cond): Cond {
  return { ...c, holds: !c.holds };
}

export function condKey(c: Cond): string {
  return `${c.holds ? '+' : '-'}${c.atom}`;
}

export function srcCond(cidr: Cidr, holds: boolean): Cond {
  const host = cidr.bits === (cidr.family === 4 ? 32 : 128);
  return {
    atom: `src:${cidr.text}`,
    holds,
    text: host ? `source is ${cidr.text}` : `source in ${cidr.text}`,
    negText: host ? `source is not ${cidr.text}` : `source not in ${cidr.text}`,
    src: cidr,
  };
}

export function factCond(atom: string, text: string, negText: string, holds = true): Cond {
  return { atom, holds, text, negText };
}

/** What the assumed facts say about `atom`; undefined when they say nothing. */
export function knownAtom(conds: readonly Cond[], atom: string): boolean | undefined {
  for (const c of conds) if (c.atom === atom) return c.holds;
  return undefined;
}

/** Whether the source is in `cidr`, from the assumed source facts alone. */
export function knownSrcIn(conds: readonly Cond[], cidr: Cidr): boolean | undefined {
  for (const c of conds) {
    if (!c.src) continue;
    if (c.holds) {
      if (cidrWithin(c.src, cidr)) return true;
      if (!cidrsOverlap(c.src, cidr)) return false;
    } else if (cidrWithin(cidr, c.src)) return false;
  }
  return undefined;
}

/** False when the facts contradict each other (same fact both ways, or impossible source). */
export function consistent(conds: readonly Cond[]): boolean {
  const seen = new Map<string, boolean>();
  let inner: Cidr | undefined;
  for (const c of conds) {
    const prev = seen.get(c.atom);
    if (prev !== undefined && prev !== c.holds) return false;
    seen.set(c.atom, c.holds);
    if (c.src && c.holds) {
      if (inner === undefined || cidrWithin(c.src, inner)) inner = c.src;
      else if (!cidrWithin(inner, c.src)) return false;
    }
  }
  if (inner !== undefined) {
    for (const c of conds) if (c.src && !c.holds && cidrWithin(inner, c.src)) return false;
  }
  return true;
}

/** Conjunction without facts implied by the others (`source in 10/8` next to `source is 10.1.2.3`). */
export function simplifyClause(conds: readonly Cond[]): Cond[] {
  const unique = new Map<string, Cond>();
  for (const c of conds) unique.set(condKey(c), c);
  const list = [...unique.values()];
  const positives = list.filter((c) => c.src && c.holds);
  let inner: Cidr | undefined;
  for (const c of positives) if (c.src && (inner === undefined || cidrWithin(c.src, inner))) inner = c.src;
  return list.filter((c) => {
    if (!c.src) return true;
    if (c.holds) return inner === undefined || c.src.text === inner.text;
    // `not in X` says nothing new when the source is pinned outside X, or kept out of a wider Y.
    if (inner !== undefined && !cidrsOverlap(c.src, inner)) return false;
    return !list.some((d) => d !== c && d.src && !d.holds && d.src.text !== c.src?.text && cidrWithin(c.src as Cidr, d.src));
  });
}

export function clauseKey(conds: readonly Cond[]): string {
  return conds
    .map(condKey)
    .sort()
    .join('&');
}

export function clauseText(conds: readonly Cond[]): string {
  return simplifyClause(conds).map(condText).join(' and ');
}

/**
 * Splits "all of `clause` hold" into mutually exclusive cases: the match case, then the cases in
 * which it fails (`not a1`, `a1 and not a2`, ...). Contradictory cases (with `given`) are marked.
 */
export function exclusiveCases(clause: readonly Cond[], given: readonly Cond[]): { conds: Cond[]; matches: boolean; possible: boolean }[] {
  const out: { conds: Cond[]; matches: boolean; possible: boolean }[] = [];
  out.push({ conds: [...clause], matches: true, possible: consistent([...given, ...clause]) });
  for (let i = 0; i < clause.length; i++) {
    const conds = [...clause.slice(0, i), negate(clause[i])];
    out.push({ conds, matches: false, possible: consistent([...given, ...conds]) });
  }
  return out;
}
