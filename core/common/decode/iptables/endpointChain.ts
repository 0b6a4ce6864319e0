import type { Evidence, IptChain, IptRule, L4Protocol } from '../../model';
import { dnatDestination, matchOption } from '../../parse/iptablesRule';
import type { ChainSlot, DecodeState } from './decodeState';
import { ruleEvidence, ruleProtocol } from './decodeState';

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
  evidence: Evidence[];
}

export function decodeEndpointChain(st: DecodeState, chain: IptChain): EndpointInfo {
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
    evidence: [],
  };
  for (const rule of chain.rules) {
    info.evidence.push(ruleEvidence(st, rule));
    st.endpointRules++;
    if (rule.comment !== undefined) {
      info.commented = true;
      st.endpointComments++;
    }
    if (rule.target === 'DNAT') {
      if (info.dnatRule !== undefined) continue; // first DNAT wins, as in the kernel
      const dest = dnatDestination(rule);
      info.dnatRule = rule;
      if (dest !== undefined) {
        info.ip = dest.ip;
        info.port = dest.port;
      }
      info.protocol = ruleProtocol(rule);
      if (matchOption(rule, 'recent', '--set') !== undefined) info.affinitySet = true;
    } else if (rule.target === 'KUBE-MARK-MASQ' && rule.source !== undefined && !rule.source.negated) {
      info.hairpin = true;
    }
  }
  return info;
}

/** Memoised KUBE-SEP decode; null when the chain is not in the dump. */
export function endpointOf(st: DecodeState, slot: ChainSlot): EndpointInfo | null {
  if (slot.endpoint === undefined) slot.endpoint = slot.chain === undefined ? null : decodeEndpointChain(st, slot.chain);
  return slot.endpoint;
}
