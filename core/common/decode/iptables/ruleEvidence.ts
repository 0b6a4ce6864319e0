import type { Evidence, IptRule } from '../../model';
import type { ChainSlot, DecodeState } from './decodeState';

// Evidence (model/evidence.ts) the decoder cites: one object per rule it quotes.

export function ruleEvidence(st: DecodeState, rule: IptRule): Evidence {
  return { node: st.node, file: st.file, line: rule.line, raw: rule.raw };
}

/**
 * Evidence of every rule of `rules`, in an array of exactly that length: grown by push(), a
 * short chain's list would get a 16-slot backing store.
 */
export function rulesEvidence(st: DecodeState, rules: readonly IptRule[]): Evidence[] {
  switch (rules.length) {
    case 0: return [];
    case 1: return [ruleEvidence(st, rules[0])];
    case 2: return [ruleEvidence(st, rules[0]), ruleEvidence(st, rules[1])];
    case 3: return [ruleEvidence(st, rules[0]), ruleEvidence(st, rules[1]), ruleEvidence(st, rules[2])];
  }
  const out: Evidence[] = new Array<Evidence>(rules.length);
  for (let i = 0; i < rules.length; i++) out[i] = ruleEvidence(st, rules[i]);
  return out;
}

/** Evidence for a chain: its first rule, else a rebuilt declaration line, else the jump to it. */
export function slotEvidence(st: DecodeState, slot: ChainSlot): Evidence {
  const chain = slot.chain;
  if (chain !== undefined) {
    const first = chain.rules[0];
    if (first !== undefined) return ruleEvidence(st, first);
    // The parser keeps no raw text for declarations; rebuild the line iptables-save prints.
    const c = chain.counters;
    const raw = `:${chain.name} ${chain.policy ?? '-'}${c === undefined ? '' : ` [${c.packets}:${c.bytes}]`}`;
    return { node: st.node, file: st.file, line: chain.line, raw };
  }
  if (slot.via !== undefined) return ruleEvidence(st, slot.via);
  return { node: st.node, file: st.file, line: 0, raw: slot.name };
}
