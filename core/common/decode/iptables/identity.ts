import type { IptRule, L4Protocol } from '../../model';
import { iptablesChainSuffix, servicePortName } from '../../kube/chainNames';
import { frontendKey } from '../../kube/iptablesNameTable';
import { parseComment } from './commentNames';
import type { CommentClaim } from './commentNames';
import type { DecodeState, Group } from './decodeState';
import { endpointOf } from './endpointChain';
import { SLOT_COMMENTS_SHIFT } from './slotFlags';

// Which Service port a group of chains belongs to, in order of trust:
//  1. the chains' shared hash suffix, recomputed from the Service list (name table) -> 'hash';
//  2. a kube-proxy comment naming the Service port ("ns/name:port cluster IP", "… -> ip:port",
//     bare ns/name:port on KUBE-SEP rules) -> 'comment';
//  3. a frontend (VIP:port, NodePort) the Service list knows -> also reported as 'comment'
//     (the model has no separate source for it);
// else no identity: the label is the chain name and the chains count as unmapped.

const PROTOCOLS: readonly L4Protocol[] = ['tcp', 'udp', 'sctp'];

/** First kube-proxy comment in the group's chains that names a Service port. */
function findClaim(g: Group): { claim: CommentClaim; rule: IptRule } | undefined {
  // Service-level chains first (few rules), then endpoint chains.
  for (const endpoints of [false, true]) {
    for (const slot of g.slots) {
      if ((slot.role === 'sep') !== endpoints || slot.chain === undefined) continue;
      // KUBE-SEP comments were counted when the chain was read: without any, skip its rules
      // (large-cluster mode drops them all, and this would walk every endpoint's rules again).
      if (endpoints && slot.flags >>> SLOT_COMMENTS_SHIFT === 0) continue;
      for (const rule of slot.chain.rules) {
        if (rule.comment === undefined) continue;
        const claim = parseComment(rule.comment);
        if (claim !== null) return { claim, rule };
      }
    }
  }
  return undefined;
}

/** `-p` of the group's frontends, else of its endpoints' DNAT rules, else of its markers. */
function observedProtocol(st: DecodeState, g: Group): L4Protocol | undefined {
  if (g.protocol !== undefined) return g.protocol;
  for (const slot of g.slots) {
    if (slot.role !== 'sep') continue;
    const p = endpointOf(st, slot)?.protocol;
    if (p !== undefined) return p;
  }
  for (const m of g.markers) if (m.frontend !== undefined) return m.frontend.protocol;
  return undefined;
}

/** With no `-p` anywhere, the protocol whose hash gives the group's suffix (the name encodes it). */
function protocolFromHash(g: Group, claim: CommentClaim): L4Protocol | undefined {
  if (g.suffix === undefined) return undefined;
  for (const proto of PROTOCOLS) {
    if (iptablesChainSuffix(servicePortName(claim.namespace, claim.name, claim.portName, 'current'), proto) === g.suffix) return proto;
    if (claim.portName === '' && iptablesChainSuffix(servicePortName(claim.namespace, claim.name, '', 'legacy'), proto) === g.suffix) {
      return proto;
    }
  }
  return undefined;
}

export function resolveIdentity(st: DecodeState, g: Group): void {
  if (g.claim === undefined) g.claim = findClaim(g);
  const protocol = observedProtocol(st, g);
  if (protocol !== undefined) g.protocol = protocol;
  // Looked up when the group was made (decodeState.ts newGroup).
  const hit = g.hashHit;
  if (hit !== undefined) {
    g.id = hit.id;
    g.idSource = 'hash';
    g.form = hit.form;
    return;
  }
  const claim = g.claim?.claim;
  if (claim !== undefined) {
    const proto = g.protocol ?? protocolFromHash(g, claim) ?? 'tcp';
    g.id = { namespace: claim.namespace, name: claim.name, portName: claim.portName, protocol: proto };
    g.idSource = 'comment';
    return;
  }
  if (st.names !== null) {
    for (const f of g.frontends) {
      const id = st.names.byFrontend.get(frontendKey(f.kind, f.ip, f.protocol, f.port));
      if (id !== undefined) {
        g.id = id;
        g.idSource = 'comment';
        return;
      }
    }
  }
}
