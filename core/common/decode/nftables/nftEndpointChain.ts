import type { Evidence, L4Protocol, NftChain, NftRule } from '../../model';
import { l4ProtocolOf } from './nftChainName';
import type { NftDecodeState, NftSlot } from './nftDecodeState';
import { ruleEvidence } from './nftDecodeState';

// One endpoint- chain, as pkg/proxy/nftables/proxier.go syncProxyRules writes it per endpoint:
//   ip saddr <epIP> jump mark-for-masquerade            (hairpin)
//   update @affinity-<same suffix> { ip saddr }          (ClientIP session affinity only)
//   meta l4proto tcp dnat to <epIP>:<port>               (IPv6: dnat to [addr]:port)

export interface NftEndpointInfo {
  chain: string;
  /** DNAT destination; undefined when the chain has no usable dnat rule. */
  ip?: string;
  port?: number;
  protocol?: L4Protocol;
  dnatRule?: NftRule;
  /** `ip saddr <epIP> jump mark-for-masquerade` present. */
  hairpin: boolean;
  /** Affinity set the chain updates (ClientIP session affinity). */
  affinitySet?: string;
  evidence: Evidence[];
}

const PROTOCOL_LEFTS = new Set(['meta l4proto', 'ip protocol', 'ip6 nexthdr', 'meta protocol']);

/** Protocol of a rule: `meta l4proto tcp`, else a `tcp dport`-style match. */
export function ruleProtocol(rule: NftRule): L4Protocol | undefined {
  for (const m of rule.matches) {
    if (m.op !== '==') continue;
    if (PROTOCOL_LEFTS.has(m.left)) {
      const p = l4ProtocolOf(m.values[0]);
      if (p !== undefined) return p;
    }
    const space = m.left.indexOf(' ');
    if (space > 0) {
      const p = l4ProtocolOf(m.left.slice(0, space));
      if (p !== undefined) return p;
    }
  }
  return undefined;
}

export function decodeEndpointChain(st: NftDecodeState, chain: NftChain): NftEndpointInfo {
  // Every field set up front: one object shape for all endpoints keeps property access monomorphic.
  const info: NftEndpointInfo = {
    chain: chain.name,
    ip: undefined,
    port: undefined,
    protocol: undefined,
    dnatRule: undefined,
    hairpin: false,
    affinitySet: undefined,
    evidence: [],
  };
  for (const rule of chain.rules) {
    info.evidence.push(ruleEvidence(st, rule));
    for (const u of rule.setUpdates) if (info.affinitySet === undefined && u.set.startsWith('affinity-')) info.affinitySet = u.set;
    const dnat = rule.dnat;
    if (dnat !== undefined) {
      if (info.dnatRule !== undefined) continue; // the first dnat ends the chain
      info.dnatRule = rule;
      info.ip = dnat.addr;
      info.port = dnat.port;
      info.protocol = ruleProtocol(rule);
      continue;
    }
    const v = rule.verdict;
    if (v !== undefined && v.target === 'mark-for-masquerade') {
      for (const m of rule.matches) if (m.op === '==' && m.left.endsWith(' saddr')) info.hairpin = true;
    }
  }
  return info;
}

/** Memoised endpoint- decode; null when the chain is not in the dump. */
export function endpointOf(st: NftDecodeState, slot: NftSlot): NftEndpointInfo | null {
  if (slot.endpoint === undefined) slot.endpoint = slot.chain === undefined ? null : decodeEndpointChain(st, slot.chain);
  return slot.endpoint;
}
