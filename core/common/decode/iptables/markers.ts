import type { FrontendKind, IptRule, L4Protocol, ProgrammedMarker } from '../../model';
import { dport, matchOption, stripPrefixLength } from '../../parse/iptablesRule';
import { chainShape } from './chainShape';
import { parseComment } from './commentNames';
import type { CommentClaim } from './commentNames';
import type { DecodeState } from './decodeState';
import { ruleEvidence, ruleProtocol } from './decodeState';
import { pickKind } from './frontendKind';

// REJECT / DROP rules kube-proxy puts in the filter table for a Service port
// (pkg/proxy/iptables/proxier.go syncProxyRules):
//   KUBE-SERVICES           "ns/name:port has no endpoints" -d ClusterIP --dport P -j REJECT
//                           "… has no local endpoints" (ITP=Local) -j DROP
//   KUBE-EXTERNAL-SERVICES  the same for external IPs, LB IPs (-d) and NodePorts (--dst-type LOCAL)
//   KUBE-PROXY-FIREWALL     "… traffic not accepted by KUBE-FW-X" -d LBIP --dport P -j DROP

const CHAIN_KINDS: readonly [string, readonly FrontendKind[]][] = [
  ['KUBE-SERVICES', ['cluster-ip', 'external-ip', 'load-balancer']],
  ['KUBE-EXTERNAL-SERVICES', ['external-ip', 'load-balancer']],
  ['KUBE-PROXY-FIREWALL', ['load-balancer']],
];

export interface MarkerCandidate {
  marker: ProgrammedMarker;
  rule: IptRule;
  claim: CommentClaim | null;
  /** Hash suffix of the KUBE-FW chain a "traffic not accepted by" comment names. */
  firewallSuffix?: string;
  protocol?: L4Protocol;
}

/** Kind of frontend already decoded from nat for this address (`ip|proto|port`), if any. */
export type NatFrontendKinds = Map<string, FrontendKind>;

function isLocalDst(rule: IptRule): boolean {
  const o = matchOption(rule, 'addrtype', '--dst-type');
  return o !== undefined && !o.negated && o.values[0] === 'LOCAL';
}

/**
 * From the comment when it says; else from where kube-proxy puts each kind of marker: REJECT only
 * for "has no endpoints", DROP in KUBE-SERVICES / KUBE-EXTERNAL-SERVICES only for "has no local
 * endpoints", and KUBE-PROXY-FIREWALL only for source-range drops.
 */
function reasonOf(claim: CommentClaim | null, chainName: string, target: string): ProgrammedMarker['reason'] {
  switch (claim?.role) {
    case 'no-endpoints': return 'no-endpoints';
    case 'no-local-endpoints': return 'no-local-endpoints';
    case 'firewall-drop': return 'firewall';
  }
  if (chainName === 'KUBE-PROXY-FIREWALL') return 'firewall';
  return target === 'REJECT' ? 'no-endpoints' : 'no-local-endpoints';
}

function decodeMarker(
  st: DecodeState,
  rule: IptRule,
  chainName: string,
  kinds: readonly FrontendKind[],
  natKinds: () => NatFrontendKinds,
): MarkerCandidate | null {
  if (rule.target !== 'REJECT' && rule.target !== 'DROP') return null;
  const port = dport(rule);
  const protocol = ruleProtocol(rule);
  // kube-proxy's markers always name one port; other DROPs here (e.g. kubelet's) are not ours.
  if (port === undefined || protocol === undefined) return null;
  const claim = parseComment(rule.comment);
  const marker: ProgrammedMarker = {
    kind: rule.target === 'REJECT' ? 'reject' : 'drop',
    reason: reasonOf(claim, chainName, rule.target),
    evidence: ruleEvidence(st, rule),
  };
  const dest = rule.destination;
  if (isLocalDst(rule)) {
    marker.frontend = { kind: 'node-port', port, protocol };
  } else if (dest !== undefined && !dest.negated) {
    const ip = stripPrefixLength(dest.value);
    const nat = natKinds().get(`${ip}|${protocol}|${port}`);
    const kind = nat !== undefined && kinds.includes(nat) ? nat : pickKind(kinds, st.names, ip, protocol, port);
    marker.frontend = { kind, ip, port, protocol };
  }
  const out: MarkerCandidate = { marker, rule, claim, protocol };
  if (claim?.firewallChain !== undefined) {
    const suffix = chainShape(claim.firewallChain)?.suffix;
    if (suffix !== undefined) out.firewallSuffix = suffix;
  }
  return out;
}

/** REJECT/DROP markers of the filter table, with what each says about its Service port. */
/** `natKinds` is called (and may build its index) only when a marker needs it. */
export function decodeFilterMarkers(st: DecodeState, natKinds: () => NatFrontendKinds): MarkerCandidate[] {
  const out: MarkerCandidate[] = [];
  for (const [chainName, kinds] of CHAIN_KINDS) {
    const chain = st.filter.get(chainName);
    if (chain === undefined) continue;
    for (const rule of chain.rules) {
      const m = decodeMarker(st, rule, chainName, kinds, natKinds);
      if (m !== null) out.push(m);
    }
  }
  return out;
}
