import type { L4Protocol, NameMismatch, ServicePortId } from '../../model';
import { hashAndTruncate, joinHostPort, nftEndpointChainBase, nftEndpointChainName, nftServiceChainBase } from '../../kube/chainNames';
import { hashPrefix } from '../../kube/sha256Short';
import { frontendKey } from '../../kube/iptablesNameTable';
import { spnLabel } from '../iptables/commentNames';
import { endpointServiceBase, isTruncated, parseServiceBase, rolePrefix, serviceIdFromSuffix } from './nftChainName';
import type { NftDecodeState, NftGroup } from './nftDecodeState';
import { ruleEvidence, slotEvidence } from './nftDecodeState';
import { endpointOf } from './nftEndpointChain';

// Which Service port a group of chains belongs to, in order of trust:
//  1. the chains' 8-character hash, looked up in the Service list (name table) and verified
//     against the whole `HASH8-ns/name/proto/portName` -> 'hash';
//  2. the readable `ns/name/proto/portName` in the chain name itself -> 'comment' (its hash is
//     then recomputed: a name whose hash does not match is a NameMismatch, check C12);
//  3. the `ns/name:port` comment of a map element -> 'comment';
//  4. a frontend the Service list knows -> 'comment' (the model has no separate source for it);
//  5. the Service part of an endpoint- chain name the group reaches -> 'comment'.

/** Protocol seen on the group's frontends, endpoint dnat rules or markers. */
function observedProtocol(st: NftDecodeState, g: NftGroup): L4Protocol | undefined {
  if (g.protocol !== undefined) return g.protocol;
  for (const slot of g.slots) {
    if (slot.role !== 'endpoint') continue;
    const p = endpointOf(st, slot)?.protocol;
    if (p !== undefined) return p;
  }
  for (const m of g.markers) if (m.frontend !== undefined) return m.frontend.protocol;
  return undefined;
}

function fromEndpointNames(g: NftGroup): ServicePortId | null {
  for (const slot of g.slots) {
    if (slot.role !== 'endpoint' || slot.suffix === undefined) continue;
    const base = endpointServiceBase(slot.suffix);
    const id = base === null ? null : parseServiceBase(base);
    if (id !== null) return id;
  }
  return null;
}

export function resolveIdentity(st: NftDecodeState, g: NftGroup): void {
  const protocol = observedProtocol(st, g);
  if (protocol !== undefined) g.protocol = protocol;
  const suffix = g.suffix;
  if (suffix !== undefined) {
    const hit = st.names?.byHash.get(suffix.slice(0, 8));
    if (hit !== undefined && hit.suffix === suffix) {
      g.id = hit.id;
      g.idSource = 'hash';
      return;
    }
    const readable = serviceIdFromSuffix(suffix);
    if (readable !== null) {
      g.id = readable;
      g.idSource = 'comment';
      return;
    }
  }
  const claim = g.claim;
  if (claim !== undefined) {
    g.id = { namespace: claim.namespace, name: claim.name, portName: claim.portName, protocol: g.protocol ?? 'tcp' };
    g.idSource = 'comment';
    return;
  }
  const names = st.names;
  if (names !== null) {
    for (const f of g.frontends) {
      const id = names.byFrontend.get(frontendKey(f.kind, f.ip, f.protocol, f.port));
      if (id !== undefined) {
        g.id = id;
        g.idSource = 'comment';
        return;
      }
    }
  }
  const fromEndpoint = fromEndpointNames(g);
  if (fromEndpoint !== null) {
    g.id = fromEndpoint;
    g.idSource = 'comment';
  }
}

/** Service-level chains: the shared `HASH8-base` against what kube-proxy would name the group's Service port. */
function checkServiceChains(st: NftDecodeState, g: NftGroup, out: NameMismatch[]): void {
  const id = g.id;
  // A verified hash hit is the name kube-proxy writes by construction.
  if (g.suffix === undefined || id === null || g.idSource === 'hash') return;
  const expected = hashAndTruncate(nftServiceChainBase(id.namespace, id.name, id.protocol, id.portName));
  if (expected === g.suffix) return;
  for (const slot of g.slots) {
    if (slot.role === 'endpoint' || slot.suffix !== g.suffix) continue;
    out.push({
      chain: slot.name,
      claimed: `${spnLabel(id)} ${id.protocol}`,
      expected: [`${rolePrefix(slot.role)}${expected}`],
      evidence: slotEvidence(st, slot),
    });
  }
}

/** endpoint- chains: the name against the hash of the group's Service port + the dnat destination. */
function checkEndpointChains(st: NftDecodeState, g: NftGroup, out: NameMismatch[]): void {
  const id = g.id;
  if (id === null) return;
  for (const slot of g.slots) {
    if (slot.role !== 'endpoint' || slot.suffix === undefined) continue;
    const ep = endpointOf(st, slot);
    if (ep === null || ep.ip === undefined || ep.port === undefined || ep.dnatRule === undefined) continue;
    // Fast path (one sha256, no name built): the readable part is what kube-proxy would write and
    // its hash is the name's. Cut names and mismatches take the full recomputation.
    const suffix = slot.suffix;
    const base = nftEndpointChainBase(id.namespace, id.name, id.protocol, id.portName, ep.ip, ep.port);
    if (!isTruncated(suffix) && suffix.length === base.length + 9 && suffix.endsWith(base) && suffix.startsWith(hashPrefix(base, 8))) continue;
    const expected = nftEndpointChainName(id.namespace, id.name, id.protocol, id.portName, ep.ip, ep.port);
    if (expected === slot.name) continue;
    out.push({
      chain: slot.name,
      claimed: `${spnLabel(id)} ${id.protocol} -> ${joinHostPort(ep.ip, ep.port)}`,
      expected: [expected],
      evidence: ruleEvidence(st, ep.dnatRule),
    });
  }
}

export function collectNameMismatches(st: NftDecodeState, g: NftGroup, out: NameMismatch[], endpoints: boolean): void {
  checkServiceChains(st, g, out);
  if (endpoints) checkEndpointChains(st, g, out);
}
