import type { Evidence, IptChain, IptRule, LbStep, ProgrammedBackend, ProgrammedPath } from '../../model';
import { dnatDestination, matchOption, probability } from '../../parse/iptablesRule';
import type { ChainSlot, DecodeState, Group } from './decodeState';
import { linkJump, ruleEvidence, slotOf } from './decodeState';
import { endpointOf } from './endpointChain';
import { effectiveProbabilities } from './lbMath';

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

interface StepTarget {
  slot: ChainSlot | null;
  rule: IptRule;
}

function isAffinityCheck(rule: IptRule): boolean {
  return matchOption(rule, 'recent', '--rcheck') !== undefined || matchOption(rule, 'recent', '--update') !== undefined;
}

/** Decodes one service chain of group `g`, linking every chain it jumps to into the group graph. */
export function decodeServiceChain(st: DecodeState, g: Group, chain: IptChain, policy: 'cluster' | 'local'): ServiceChainDecode {
  const steps: LbStep[] = [];
  const targets: StepTarget[] = [];
  const evidence: Evidence[] = [];
  const drops: IptRule[] = [];
  let affinity: Map<ChainSlot, Evidence> | undefined;
  let affinitySeconds: number | undefined;
  for (const rule of chain.rules) {
    const ev = ruleEvidence(st, rule);
    evidence.push(ev);
    const target = rule.target;
    if (target === undefined || NON_ENDPOINT_TARGETS.has(target)) continue;
    if (DROP_TARGETS.has(target)) {
      drops.push(rule);
      continue;
    }
    const slot = slotOf(st, target, rule);
    if (slot !== null) linkJump(st, g, slot);
    if (isAffinityCheck(rule)) {
      const seconds = Number(matchOption(rule, 'recent', '--seconds')?.values[0]);
      if (affinitySeconds === undefined && Number.isFinite(seconds)) affinitySeconds = seconds;
      if (slot !== null && affinity?.has(slot) !== true) (affinity ??= new Map()).set(slot, ev);
      continue;
    }
    // Old KUBE-XLB sends pod and host traffic on to KUBE-SVC: a hand-off, not an endpoint.
    if (slot !== null && slot.role !== 'sep') continue;
    steps.push({ target, probability: probability(rule), evidence: ev });
    targets.push({ slot, rule });
  }
  const path: ProgrammedPath = {
    policy,
    chain: chain.name,
    backends: buildBackends(st, steps, targets, affinity),
    steps,
    evidence,
  };
  if (affinitySeconds !== undefined) path.affinitySeconds = affinitySeconds;
  return { path, drops };
}

function buildBackends(
  st: DecodeState,
  steps: LbStep[],
  targets: StepTarget[],
  affinity: Map<ChainSlot, Evidence> | undefined,
): ProgrammedBackend[] {
  const backends: ProgrammedBackend[] = [];
  const mark = ++st.markSeq;
  const bySlot: ProgrammedBackend[] = [];
  const shares = effectiveProbabilities(steps.map((s) => s.probability));
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const share = shares[i];
    const { slot, rule } = targets[i];
    if (slot === null) {
      // Not kube-proxy's shape, but a DNAT written straight into the service chain still sends traffic.
      const dest = step.target === 'DNAT' ? dnatDestination(rule) : undefined;
      if (dest !== undefined) backends.push({ ip: dest.ip, port: dest.port, probability: share, evidence: [step.evidence] });
      continue;
    }
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
    // Evidence: the LB jump, the affinity jump (ClientIP), then the KUBE-SEP rules.
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
