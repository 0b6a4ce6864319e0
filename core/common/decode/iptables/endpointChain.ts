import type { Evidence, IptChain, IptRule, L4Protocol } from '../../model';
import { matchOption, readDnatDestination } from '../../parse/iptablesRule';
import type { ChainSlot, DecodeState } from './decodeState';
import { ruleProtocol, rulesEvidence } from './decodeState';

// One KUBE-SEP chain, as pkg/proxy/iptables/proxier.go writes it per endpoint:
//   -A KUBE-SEP-X [-m comment --comment ns/name:port] -s <epIP> -j KUBE-MARK-MASQ   (hairpin)
//   -A KUBE-SEP-X [...] [-m recent --name KUBE-SEP-X --set] -m tcp -p tcp -j DNAT --to-destination ip:port

export interface EndpointInfo {
  chain: string;
  /** DNAT destination; undefined when the chain has no usable DNAT rule. */
  ip?: string;
  port?: number;
  protocol?: L4Protocol;
  dnatRule?: IptRule;
  /** `-s <epIP> -j KUBE-MARK-MASQ` present. */
  hairpin: boolean;
  /** `-m recent --set` on the DNAT rule (ClientIP session affinity). */
  affinitySet: boolean;
  /** Whether any rule carries a comment (large-cluster mode drops them). */
  commented: boolean;
  /** Rules with a comment. */
  comments: number;
  /** Whether endpointOf has counted the rules into DecodeState.endpointRules / endpointComments. */
  counted: boolean;
  evidence: Evidence[];
}

export function decodeEndpointChain(st: DecodeState, chain: IptChain): EndpointInfo {
  const rules = chain.rules;
  // Every field set up front: one object shape for all endpoints keeps property access monomorphic.
  const info: EndpointInfo = {
    chain: chain.name,
    ip: undefined,
    port: undefined,
    protocol: undefined,
    dnatRule: undefined,
    hairpin: false,
    affinitySet: false,
    commented: false,
    comments: 0,
    counted: false,
    evidence: rulesEvidence(st, rules),
  };
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (rule.comment !== undefined) {
      info.commented = true;
      info.comments++;
    }
    const target = rule.target;
    if (target === 'DNAT') {
      if (info.dnatRule !== undefined) continue; // first DNAT wins, as in the kernel
      info.dnatRule = rule;
      readDnatDestination(rule, info);
      info.protocol = ruleProtocol(rule);
      if (rule.matches.length > 0 && matchOption(rule, 'recent', '--set') !== undefined) info.affinitySet = true;
    } else if (target === 'KUBE-MARK-MASQ' && rule.source !== undefined && !rule.source.negated) {
      info.hairpin = true;
    }
  }
  return info;
}

/**
 * Memoised KUBE-SEP decode; null when the chain is not in the dump. A chain's rules count towards
 * endpointCommentsPresent once it is used here (decodeEndpoints may have decoded it earlier).
 */
export function endpointOf(st: DecodeState, slot: ChainSlot): EndpointInfo | null {
  let info = slot.endpoint;
  if (info === undefined) {
    info = slot.chain === undefined ? null : decodeEndpointChain(st, slot.chain);
    slot.endpoint = info;
  }
  if (info !== null && !info.counted) {
    info.counted = true;
    st.endpointRules += info.evidence.length;
    st.endpointComments += info.comments;
  }
  return info;
}

/**
 * Decodes every KUBE-SEP chain of the dump up front, in dump order. Service chains reach their
 * endpoints in hash order, i.e. all over the dump: walking 50k endpoint chains that way missed
 * the CPU caches at nearly every step, reading them in order does not.
 */
export function decodeEndpoints(st: DecodeState): void {
  for (const slot of st.slots.values()) {
    if (slot.role === 'sep' && slot.chain !== undefined && slot.endpoint === undefined) slot.endpoint = decodeEndpointChain(st, slot.chain);
  }
}
