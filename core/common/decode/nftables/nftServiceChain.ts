import type { Evidence, LbStep, NftChain, NftNumgenEntry, NftRule, ProgrammedBackend, ProgrammedPath } from '../../model';
import type { NftDecodeState, NftGroup, NftSlot } from './nftDecodeState';
import { linkJump, ruleEvidence, slotOf } from './nftDecodeState';
import { endpointOf } from './nftEndpointChain';

// service- (Cluster policy) and local- (Local policy) chains, as pkg/proxy/nftables/proxier.go
// writes them (syncProxyRules, writeServiceToEndpointRules):
//   ip daddr VIP [tcp dport P] ip saddr != <podCIDR> jump mark-for-masquerade
//   ip saddr @affinity-X goto endpoint-X                    (per endpoint, ClientIP affinity)
//   numgen random mod N vmap { 0 : goto endpoint-A, 1 : goto endpoint-B, ... }
// Each numgen arm is one LbStep (key = arm index, probability 1/N); a key outside 0..N-1 never
// matches and a missing key lets packets fall through undNATed, so backend shares can sum to < 1.
// A plain `goto endpoint-X` (no numgen) takes whatever the earlier rules left.

export interface NftServiceChainDecode {
  path: ProgrammedPath;
  /** drop / reject rules in the chain (kube-proxy writes none; a hand edit or another tool). */
  drops: NftRule[];
}

interface Step {
  step: LbStep;
  slot: NftSlot | null;
  share: number;
}

/** Whether `e` is the first arm with its key (nft refuses duplicates; a parser may still keep both). */
function firstWithKey(entries: readonly NftNumgenEntry[], e: NftNumgenEntry): boolean {
  // kube-proxy writes arms in key order, so the common case is decided by one comparison.
  const i = e.index;
  if (entries[i] === e) return true;
  for (const x of entries) if (x.index === i) return x === e;
  return true;
}

/** `ip saddr @affinity-… goto endpoint-…`: the affinity set's name, else undefined. */
function affinitySetOf(rule: NftRule): string | undefined {
  for (const m of rule.matches) if (m.set !== undefined && m.set.startsWith('affinity-') && m.left.endsWith(' saddr')) return m.set;
  return undefined;
}

export function decodeServiceChain(st: NftDecodeState, g: NftGroup, chain: NftChain, policy: 'cluster' | 'local'): NftServiceChainDecode {
  const steps: Step[] = [];
  const evidence: Evidence[] = [];
  const drops: NftRule[] = [];
  let affinity: Map<NftSlot, Evidence> | undefined;
  let affinitySeconds: number | undefined;
  let remaining = 1;
  for (const rule of chain.rules) {
    const ev = ruleEvidence(st, rule);
    evidence.push(ev);
    const numgen = rule.numgen;
    if (numgen !== undefined) {
      const mod = numgen.mod;
      const share = mod > 0 ? remaining / mod : 0;
      let covered = 0;
      for (const e of numgen.entries) {
        const target = e.verdict?.target;
        if (target === undefined) continue;
        const slot = slotOf(st, target, rule);
        if (slot !== null) linkJump(st, g, slot);
        if (slot !== null && slot.role !== 'endpoint') continue; // hand-off to another service chain
        // Only the first arm of an in-range key ever matches.
        const live = Number.isInteger(e.index) && e.index >= 0 && e.index < mod && firstWithKey(numgen.entries, e);
        if (live) covered++;
        steps.push({
          step: { target, key: e.index, probability: mod > 0 ? 1 / mod : undefined, evidence: ev },
          slot,
          share: live ? share : 0,
        });
      }
      if (mod > 0) remaining *= (mod - covered) / mod;
      continue;
    }
    const v = rule.verdict;
    if (v === undefined) {
      // An inline vmap that is not numgen still sends traffic to its chains.
      for (const e of rule.vmap?.entries ?? []) {
        const slot = slotOf(st, e.verdict?.target, rule);
        if (slot !== null) linkJump(st, g, slot);
      }
      continue;
    }
    if (v.kind === 'drop' || v.kind === 'reject') {
      drops.push(rule);
      continue;
    }
    if (v.kind !== 'goto' && v.kind !== 'jump') continue;
    const slot = slotOf(st, v.target, rule);
    if (slot === null) continue; // mark-for-masquerade and other helpers
    linkJump(st, g, slot);
    if (slot.role !== 'endpoint') continue;
    const set = affinitySetOf(rule);
    if (set !== undefined) {
      const seconds = st.table?.sets.get(set)?.timeout;
      if (affinitySeconds === undefined && seconds !== undefined) affinitySeconds = seconds;
      if (affinity?.has(slot) !== true) (affinity ??= new Map()).set(slot, ev);
      continue;
    }
    steps.push({ step: { target: slot.name, evidence: ev }, slot, share: remaining });
    remaining = 0;
  }
  const path: ProgrammedPath = { policy, chain: chain.name, backends: buildBackends(st, steps, affinity), steps: steps.map((s) => s.step), evidence };
  if (affinitySeconds !== undefined) path.affinitySeconds = affinitySeconds;
  return { path, drops };
}

function buildBackends(st: NftDecodeState, steps: Step[], affinity: Map<NftSlot, Evidence> | undefined): ProgrammedBackend[] {
  const backends: ProgrammedBackend[] = [];
  const mark = ++st.markSeq;
  const bySlot: ProgrammedBackend[] = [];
  for (const { step, slot, share } of steps) {
    if (slot === null) continue;
    if (slot.mark === mark) {
      // The same endpoint chain twice in one path: its chances add up.
      const seen = bySlot.find((b) => b.chain === slot.name);
      if (seen !== undefined) {
        seen.probability = (seen.probability ?? 0) + share;
        seen.evidence.push(step.evidence);
      }
      continue;
    }
    slot.mark = mark;
    const ep = endpointOf(st, slot);
    if (ep === null || ep.ip === undefined || ep.port === undefined) continue;
    // Evidence: the LB rule, the affinity rule (ClientIP), then the endpoint chain's rules.
    const evidence = [step.evidence];
    const sticky = affinity?.get(slot);
    if (sticky !== undefined) evidence.push(sticky);
    for (const e of ep.evidence) evidence.push(e);
    const backend: ProgrammedBackend = { ip: ep.ip, port: ep.port, probability: share, chain: slot.name, evidence };
    bySlot.push(backend);
    backends.push(backend);
  }
  return backends;
}
