import type { Evidence, IptChain, IptRule, L4Protocol } from '../../model';
import type { DnatTarget } from '../../parse/iptablesRule';
import { readDnatDestination } from '../../parse/iptablesRule';
import type { ChainSlot, DecodeState } from './decodeState';
import { SLOT_COMMENTS_SHIFT, SLOT_COUNTED, SLOT_HAIRPIN } from './slotFlags';
import { ruleProtocol } from './ruleProtocol';

// One KUBE-SEP chain, as pkg/proxy/iptables/proxier.go writes it per endpoint:
//   -A KUBE-SEP-X [-m comment --comment ns/name:port] -s <epIP> -j KUBE-MARK-MASQ   (hairpin)
//   -A KUBE-SEP-X [...] [-m recent --name KUBE-SEP-X --set] -m tcp -p tcp -j DNAT --to-destination ip:port
// What the decoder needs of it is written straight onto the chain's slot (decodeState.ts):
// no object or evidence list per endpoint unless a backend uses it.

/** Where decodeEndpointInto writes: the KUBE-SEP fields of a ChainSlot. */
export interface EndpointFields extends DnatTarget {
  protocol: L4Protocol | undefined;
  dnatRule: IptRule | undefined;
  /** ChainSlot.flags: SLOT_HAIRPIN and the comment count are added. */
  flags: number;
  ev0: Evidence | undefined;
  ev1: Evidence | undefined;
}

/** Reads the DNAT destination, protocol, hairpin rule and comment count of a KUBE-SEP chain into `out`. */
export function decodeEndpointInto(out: EndpointFields, chain: IptChain, node: string, file: string): void {
  const rules = chain.rules;
  let masq = false;
  let comments = 0;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (rule.comment !== undefined) comments++;
    const target = rule.target;
    if (target === 'DNAT') {
      if (out.dnatRule !== undefined) continue; // first DNAT wins, as in the kernel
      out.dnatRule = rule;
      readDnatDestination(rule, out);
      out.protocol = ruleProtocol(rule);
    } else if (target === 'KUBE-MARK-MASQ' && rule.source !== undefined && !rule.source.negated) {
      masq = true;
    }
  }
  let flags = out.flags + comments * (1 << SLOT_COMMENTS_SHIFT);
  // Evidence a backend of this endpoint will cite (ruleEvidence's shape), made while the rules are hot.
  if (rules.length > 0) out.ev0 = { node, file, line: rules[0].line, raw: rules[0].raw };
  if (rules.length === 2) out.ev1 = { node, file, line: rules[1].line, raw: rules[1].raw };
  // The hairpin rule comes before the DNAT rule that names the IP: a second look, rarely needed
  // beyond the chain's first rule, while the rules are still in the CPU caches.
  if (masq && out.ip !== undefined && hasHairpinRule(rules, out.ip)) flags |= SLOT_HAIRPIN;
  out.flags = flags;
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
 * The KUBE-SEP slot itself when its chain is in the dump (decoded with the state), else null.
 * A chain's rules count towards endpointCommentsPresent once it is used here.
 */
export function endpointOf(st: DecodeState, slot: ChainSlot): ChainSlot | null {
  if (slot.chain === undefined) return null;
  const flags = slot.flags;
  if ((flags & SLOT_COUNTED) === 0) {
    slot.flags = flags | SLOT_COUNTED;
    st.endpointRules += slot.chain.rules.length;
    st.endpointComments += flags >>> SLOT_COMMENTS_SHIFT;
  }
  return slot;
}
