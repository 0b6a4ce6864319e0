import type { Evidence, IptChain, IptMatch, IptOption, IptRule, LbStep, ProgrammedBackend, ProgrammedPath } from '../../model';
import { dnatDestination, matchOption } from '../../parse/iptablesRule';
import { isIptablesEndpointChainName } from '../../kube/chainNames';
import type { ChainSlot, DecodeState, Group } from './decodeState';
import { chainRole } from './chainShape';
import { hashSpnOf, linkJump, ruleEvidence, rulesEvidence, slotOfRole } from './decodeState';
import { SLOT_HAIRPIN, SLOT_NAME_BAD, SLOT_NAME_OK, SLOT_SHAPED } from './slotFlags';
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

// What scanMatches found besides the affinity check: the `-m statistic --probability` option.
let scannedProbability: IptOption | undefined;

/**
 * One pass over the rule's matches: whether it is a session-affinity check (`-m recent --rcheck`
 * or `--update`); the first statistic `--probability` option is left in scannedProbability.
 */
function scanMatches(matches: readonly IptMatch[]): boolean {
  let affinity = false;
  let prob: IptOption | undefined;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    const options = m.options;
    if (m.module === 'recent') {
      for (let j = 0; j < options.length && !affinity; j++) {
        const name = options[j].name;
        if (name === '--rcheck' || name === '--update') affinity = true;
      }
    } else if (prob === undefined && m.module === 'statistic') {
      for (let j = 0; j < options.length; j++) {
        if (options[j].name === '--probability') {
          prob = options[j];
          break;
        }
      }
    }
  }
  scannedProbability = prob;
  return affinity;
}

// kube-proxy writes a handful of distinct probabilities (1/n), shared as strings by the parser.
const probabilityMemo = new Map<string, number | undefined>();

/** iptablesRule.probability of the option scanMatches found, parsed once per distinct text. */
function optionProbability(o: IptOption | undefined): number | undefined {
  if (o === undefined || o.values.length === 0) return undefined;
  const v = o.values[0];
  const known = probabilityMemo.get(v);
  if (known !== undefined || probabilityMemo.has(v)) return known;
  const p = Number(v);
  const out = Number.isFinite(p) && v.trim() !== '' ? p : undefined;
  if (probabilityMemo.size < 4096) probabilityMemo.set(v, out);
  return out;
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
    if (target === undefined) continue;
    // Per-service / per-endpoint chains (nearly every rule here) are in neither set: skip hashing them.
    const role = chainRole(target);
    if (role === null) {
      if (NON_ENDPOINT_TARGETS.has(target)) continue;
      if (DROP_TARGETS.has(target)) {
        (drops ??= []).push(rule);
        continue;
      }
    }
    const slot = role === null ? null : slotOfRole(st, target, role, rule);
    if (slot !== null) linkJump(st, g, slot);
    const hasMatches = rule.matches.length > 0;
    if (hasMatches && scanMatches(rule.matches)) {
      const seconds = Number(matchOption(rule, 'recent', '--seconds')?.values[0]);
      if (affinitySeconds === undefined && Number.isFinite(seconds)) affinitySeconds = seconds;
      if (slot !== null && affinity?.has(slot) !== true) (affinity ??= new Map()).set(slot, evidence[i]);
      continue;
    }
    // Old KUBE-XLB sends pod and host traffic on to KUBE-SVC: a hand-off, not an endpoint.
    if (slot !== null && slot.role !== 'sep') continue;
    scratchSteps[k] = { target, probability: hasMatches ? optionProbability(scannedProbability) : undefined, evidence: evidence[i] };
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

/**
 * Evidence of a backend: the LB jump, the affinity jump (ClientIP), then the KUBE-SEP rules (made
 * when the chain was read, see endpointChain.ts, so later backends of the endpoint share them).
 */
function backendEvidence(st: DecodeState, slot: ChainSlot, lb: Evidence, sticky: Evidence | undefined): Evidence[] {
  if (slot.ev1 !== undefined) {
    // kube-proxy's two rules: the hairpin MASQ and the DNAT.
    return sticky === undefined ? [lb, slot.ev0 as Evidence, slot.ev1] : [lb, sticky, slot.ev0 as Evidence, slot.ev1];
  }
  const rules = (slot.chain as IptChain).rules;
  const lead = sticky === undefined ? 1 : 2;
  const out = new Array<Evidence>(lead + rules.length);
  out[0] = lb;
  if (sticky !== undefined) out[1] = sticky;
  for (let i = 0; i < rules.length; i++) out[lead + i] = i === 0 && slot.ev0 !== undefined ? slot.ev0 : ruleEvidence(st, rules[i]);
  return out;
}

/**
 * Checks a KUBE-SEP name against its group's hash identity while the slot is at hand (the check
 * itself is nameMismatches.ts checkEndpointChains, which then only revisits groups with misses).
 */
function checkEndpointName(slot: ChainSlot, ip: string, port: number): void {
  const g = slot.owner;
  if (g === undefined || g.hashHit === undefined || (slot.flags & SLOT_SHAPED) === 0 || slot.dnatRule === undefined) return;
  const ok = isIptablesEndpointChainName(slot.name, hashSpnOf(g as Group & { hashHit: NonNullable<Group['hashHit']> }), g.hashHit.id.protocol, ip, port);
  slot.flags |= ok ? SLOT_NAME_OK : SLOT_NAME_BAD;
  g.sepChecked++;
  if (!ok) g.sepBad++;
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
    const ip = ep.ip;
    const port = ep.port;
    if ((ep.flags & (SLOT_NAME_OK | SLOT_NAME_BAD)) === 0 && st.verifyNames) checkEndpointName(ep, ip, port);
    const evidence = backendEvidence(st, ep, step.evidence, affinity?.get(slot));
    scratchBackends[n++] = { ip, port, probability: share, chain: slot.name, evidence, hairpinMasq: (ep.flags & SLOT_HAIRPIN) !== 0 };
  }
  const backends = scratchBackends.slice(0, n) as ProgrammedBackend[];
  for (let j = 0; j < n; j++) scratchBackends[j] = undefined;
  return backends;
}
