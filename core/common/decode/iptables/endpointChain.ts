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
  /**
   * `-s <epIP> -j KUBE-MARK-MASQ` present, with the DNAT destination's IP as a host address
   * (`ip`, `ip/32`, `ip/128`): the test checks/catalog/hairpinIptables.ts applies. False without a
   * usable DNAT destination.
   */
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
  let masq = false;
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
      masq = true;
    }
  }
  // The hairpin rule comes before the DNAT rule that names the IP: a second look, rarely needed
  // beyond the chain's first rule, while the rules are still in the CPU caches.
  if (masq && info.ip !== undefined) info.hairpin = hasHairpinRule(rules, info.ip);
  return info;
}

function hasHairpinRule(rules: readonly IptRule[], ip: string): boolean {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (r.target !== 'KUBE-MARK-MASQ' || r.source === undefined || r.source.negated) continue;
    if (isHostAddress(r.source.value, ip)) return true;
  }
  return false;
}

/** `ip`, `ip/32` or `ip/128` (what iptables-save prints for a host source), without slicing. */
export function isHostAddress(value: string, ip: string): boolean {
  if (!value.startsWith(ip)) return false;
  if (value.length === ip.length) return true;
  if (value.charCodeAt(ip.length) !== 47) return false; // '/'
  const len = value.length - ip.length - 1;
  return (len === 2 && value.endsWith('32')) || (len === 3 && value.endsWith('128'));
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
