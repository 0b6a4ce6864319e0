import type { Evidence, IptChain, IptRule, LbStep, ProgrammedBackend, ProgrammedPath } from '../../model';
import { dnatDestination, matchOption, probability } from '../../parse/iptablesRule';
import type { ChainSlot, DecodeState, Group } from './decodeState';
import { linkJump, rulesEvidence, slotOf } from './decodeState';
import { endpointOf } from './endpointChain';

// KUBE-SVC (Cluster policy), KUBE-SVL (Local policy) and the LB part of the old KUBE-XLB, as
// pkg/proxy/iptables/proxier.go writes them:
//   [-d VIP --dport P] ! -s <podCIDR> -j KUBE-MARK-MASQ
//   -m recent --name KUBE-SEP-X --rcheck --seconds T --reap -j KUBE-SEP-X     (per endpoint, ClientIP)
//   -m statistic --mode random --probability p -j KUBE-SEP-X                  (all but the last)
//   -j KUBE-SEP-Y
// iptables-save prints the affinity match as `--rcheck --seconds T --reap --name X --mask ... --rsource`;
// options are read by name, so either order works.

/** Targets that end or mark a packet's path but are not endpoints. */
const NON_ENDPOINT_TARGETS = new Set(['KUBE-MARK-MASQ', 'MARK', 'RETURN', 'ACCEPT', 'MASQUERADE', 'SNAT', 'LOG', 'CONNMARK']);
const DROP_TARGETS = new Set(['KUBE-MARK-DROP', 'DROP', 'REJECT']);

export interface ServiceChainDecode {
  path: ProgrammedPath;
  /** DROP / REJECT / KUBE-MARK-DROP rules (old KUBE-XLB "has no local endpoints"). */
  drops: IptRule[];
}

const NO_DROPS: readonly IptRule[] = Object.freeze([]);

// Scratch space reused across calls (decodeServiceChain never runs nested): the model's arrays are
// then made with their exact length by slice(); grown by push(), each path's steps and backends
// would get a 16-slot backing store.
const scratchSteps: (LbStep | undefined)[] = [];
const scratchSlots: (ChainSlot | null)[] = [];
const scratchRules: (IptRule | undefined)[] = [];
const scratchBackends: (ProgrammedBackend | undefined)[] = [];

function isAffinityCheck(rule: IptRule): boolean {
  const matches = rule.matches;
  for (let i = 0; i < matches.length; i++) {
    if (matches[i].module !== 'recent') continue;
    const options = matches[i].options;
    for (let j = 0; j < options.length; j++) {
      const name = options[j].name;
      if (name === '--rcheck' || name === '--update') return true;
    }
  }
  return false;
}

/** Decodes one service chain of group `g`, linking every chain it jumps to into the group graph. */
export function decodeServiceChain(st: DecodeState, g: Group, chain: IptChain, policy: 'cluster' | 'local'): ServiceChainDecode {
  const rules = chain.rules;
  const evidence = rulesEvidence(st, rules);
  let drops: IptRule[] | undefined;
  let affinity: Map<ChainSlot, Evidence> | undefined;
  let affinitySeconds: number | undefined;
  let k = 0;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    const target = rule.target;
    if (target === undefined || NON_ENDPOINT_TARGETS.has(target)) continue;
    if (DROP_TARGETS.has(target)) {
      (drops ??= []).push(rule);
      continue;
    }
    const slot = slotOf(st, target, rule);
    if (slot !== null) linkJump(st, g, slot);
    if (rule.matches.length > 0 && isAffinityCheck(rule)) {
      const seconds = Number(matchOption(rule, 'recent', '--seconds')?.values[0]);
      if (affinitySeconds === undefined && Number.isFinite(seconds)) affinitySeconds = seconds;
      if (slot !== null && affinity?.has(slot) !== true) (affinity ??= new Map()).set(slot, evidence[i]);
      continue;
    }
    // Old KUBE-XLB sends pod and host traffic on to KUBE-SVC: a hand-off, not an endpoint.
    if (slot !== null && slot.role !== 'sep') continue;
    scratchSteps[k] = { target, probability: rule.matches.length > 0 ? probability(rule) : undefined, evidence: evidence[i] };
    scratchSlots[k] = slot;
    scratchRules[k] = rule;
    k++;
  }
  const steps = scratchSteps.slice(0, k) as LbStep[];
  const path: ProgrammedPath = {
    policy,
    chain: chain.name,
    backends: buildBackends(st, steps, affinity),
    steps,
    evidence,
  };
  for (let i = 0; i < k; i++) {
    scratchSteps[i] = undefined;
    scratchSlots[i] = null;
    scratchRules[i] = undefined;
  }
  if (affinitySeconds !== undefined) path.affinitySeconds = affinitySeconds;
  return { path, drops: (drops ?? NO_DROPS) as IptRule[] };
}

/** Backends of the steps (targets in scratchSlots / scratchRules), with each one's overall share. */
function buildBackends(st: DecodeState, steps: LbStep[], affinity: Map<ChainSlot, Evidence> | undefined): ProgrammedBackend[] {
  const mark = ++st.markSeq;
  let n = 0;
  // Overall chance of each step, as lbMath.effectiveProbabilities computes it.
  let remaining = 1;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const p = step.probability;
    const own = p === undefined ? 1 : Math.min(1, Math.max(0, p));
    const share = remaining * own;
    remaining *= 1 - own;
    const slot = scratchSlots[i];
    if (slot === null) {
      // Not kube-proxy's shape, but a DNAT written straight into the service chain still sends traffic.
      const dest = step.target === 'DNAT' ? dnatDestination(scratchRules[i] as IptRule) : undefined;
      if (dest !== undefined) scratchBackends[n++] = { ip: dest.ip, port: dest.port, probability: share, evidence: [step.evidence] };
      continue;
    }
    if (slot.mark === mark) {
      // The same endpoint chain twice in one path: its chances add up.
      for (let j = 0; j < n; j++) {
        const seen = scratchBackends[j] as ProgrammedBackend;
        if (seen.chain !== slot.name) continue;
        seen.probability = (seen.probability ?? 0) + share;
        seen.evidence.push(step.evidence);
        break;
      }
      continue;
    }
    slot.mark = mark;
    const ep = endpointOf(st, slot);
    if (ep === null || ep.ip === undefined || ep.port === undefined) continue;
    // Evidence: the LB jump, the affinity jump (ClientIP), then the KUBE-SEP rules.
    const sticky = affinity?.get(slot);
    const epEvidence = ep.evidence;
    let evidence: Evidence[];
    if (sticky === undefined) evidence = epEvidence.length === 2 ? [step.evidence, epEvidence[0], epEvidence[1]] : [step.evidence].concat(epEvidence);
    else evidence = [step.evidence, sticky].concat(epEvidence);
    scratchBackends[n++] = { ip: ep.ip, port: ep.port, probability: share, chain: slot.name, evidence, hairpinMasq: ep.hairpin };
  }
  const backends = scratchBackends.slice(0, n) as ProgrammedBackend[];
  for (let j = 0; j < n; j++) scratchBackends[j] = undefined;
  return backends;
}
