import type { ChainLabel } from '../../../core/common/contract';

// Chain-to-chain navigation: a jump target names a chain; the same name can be declared in
// several tables (KUBE-SERVICES is in nat and filter), so a jump goes to the declaration nearest
// above the rule (iptables-save prints a table's declarations before its rules).

export type ChainIndex = Map<string, ChainLabel[]>;

export function indexChains(chains: readonly ChainLabel[]): ChainIndex {
  const out: ChainIndex = new Map();
  for (const c of chains) {
    const list = out.get(c.chain);
    if (list) list.push(c);
    else out.set(c.chain, [c]);
  }
  for (const list of out.values()) list.sort((a, b) => a.line - b.line);
  return out;
}

/** 1-based line to jump to for `name` seen on line `fromLine`, or null when no such chain. */
export function chainTarget(index: ChainIndex, name: string, fromLine: number): number | null {
  const list = index.get(name);
  if (!list || list.length === 0) return null;
  let best = list[0];
  for (const c of list) if (c.line <= fromLine) best = c;
  return best.line;
}

/** Chain labels whose name or Service contains `filter` (case-insensitive). */
export function filterChains(chains: readonly ChainLabel[], filter: string): ChainLabel[] {
  const f = filter.trim().toLowerCase();
  if (f === '') return chains.slice();
  return chains.filter((c) => c.chain.toLowerCase().includes(f) || (c.service ?? '').toLowerCase().includes(f));
}
