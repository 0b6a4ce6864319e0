import type { FrontendKind, NftElement, ProgrammedMarker, ServicePortId } from '../../model';
import { frontendKey } from '../../kube/iptablesNameTable';
import { parseComment } from '../iptables/commentNames';
import type { CommentClaim } from '../iptables/commentNames';
import { addressKind, elementAddress } from './nftFrontends';
import type { ServiceAddress } from './nftFrontends';
import type { NftDecodeState, NftGroup } from './nftDecodeState';
import { addressKey, elementEvidence, idKey, newGroup } from './nftDecodeState';

// REJECT / DROP kube-proxy programs for Service ports without (local) endpoints, as elements of
// two verdict maps checked in the filter chains (pkg/proxy/nftables/proxier.go syncProxyRules):
//   no-endpoint-services   `addr . proto . port comment "ns/name:port" : goto reject-chain | drop`
//   no-endpoint-nodeports  `proto . port comment "ns/name:port" : goto reject-chain | drop`
// `goto reject-chain` = no endpoints at all; `drop` = ITP/ETP Local without local endpoints.
// The element comment is the only place the Service name appears, so it decides the Service
// port; then the frontend already decoded for the same address, then the Service list.

const MARKER_KINDS: readonly FrontendKind[] = ['cluster-ip', 'external-ip', 'load-balancer'];
// kube-proxy puts every ClusterIP into the cluster-ips set, so an address outside it is none.
const NOT_CLUSTER_IP: readonly FrontendKind[] = ['external-ip', 'load-balancer'];

interface MarkerCandidate {
  marker: ProgrammedMarker;
  address: ServiceAddress;
  claim: CommentClaim | null;
}

function markerOf(st: NftDecodeState, el: NftElement, a: ServiceAddress, kind: FrontendKind): MarkerCandidate | null {
  const v = el.verdict;
  if (v === undefined) return null;
  let marker: ProgrammedMarker;
  if (v.kind === 'reject' || ((v.kind === 'goto' || v.kind === 'jump') && v.target === 'reject-chain')) {
    marker = { kind: 'reject', reason: 'no-endpoints', evidence: elementEvidence(st, el) };
  } else if (v.kind === 'drop') {
    marker = { kind: 'drop', reason: 'no-local-endpoints', evidence: elementEvidence(st, el) };
  } else {
    return null;
  }
  marker.frontend = a.ip === undefined ? { kind, port: a.port, protocol: a.protocol } : { kind, ip: a.ip, port: a.port, protocol: a.protocol };
  return { marker, address: a, claim: parseComment(el.comment) };
}

/** Markers of both maps; `natKind` gives the kind of a frontend already decoded for an address. */
function decodeMarkers(st: NftDecodeState, natKind: (key: string) => FrontendKind | undefined): MarkerCandidate[] {
  const out: MarkerCandidate[] = [];
  for (const el of st.table?.maps.get('no-endpoint-services')?.elements ?? []) {
    const a = elementAddress(el, true);
    if (a === null) continue;
    const candidates = st.hasClusterIPsSet && !st.clusterIPs.has(a.ip ?? '') ? NOT_CLUSTER_IP : MARKER_KINDS;
    const kind = natKind(addressKey(a.ip, a.protocol, a.port)) ?? addressKind(st, a, candidates, undefined);
    const m = markerOf(st, el, a, kind);
    if (m !== null) out.push(m);
  }
  for (const el of st.table?.maps.get('no-endpoint-nodeports')?.elements ?? []) {
    const a = elementAddress(el, false);
    if (a === null) continue;
    const m = markerOf(st, el, a, 'node-port');
    if (m !== null) out.push(m);
  }
  return out;
}

function groupForId(st: NftDecodeState, id: ServicePortId): NftGroup {
  const key = idKey(id);
  let g = st.byId.get(key);
  if (g === undefined) {
    g = newGroup(st, `I:${key}`, undefined);
    g.id = id;
    g.idSource = 'comment';
    g.protocol = id.protocol;
    st.byId.set(key, g);
  }
  return g;
}

interface FrontendIndex {
  kinds: Map<string, FrontendKind>;
  groups: Map<string, NftGroup>;
}

function indexFrontends(st: NftDecodeState): FrontendIndex {
  const kinds = new Map<string, FrontendKind>();
  const groups = new Map<string, NftGroup>();
  for (const g of st.groups.values()) {
    for (const f of g.frontends) {
      const key = addressKey(f.ip, f.protocol, f.port);
      if (groups.has(key)) continue;
      groups.set(key, g);
      if (f.ip !== undefined) kinds.set(key, f.kind);
    }
  }
  return { kinds, groups };
}

function findGroup(st: NftDecodeState, m: MarkerCandidate, index: () => FrontendIndex): NftGroup {
  const a = m.address;
  if (m.claim !== null) {
    const { namespace, name, portName } = m.claim;
    return groupForId(st, { namespace, name, portName, protocol: a.protocol });
  }
  const key = addressKey(a.ip, a.protocol, a.port);
  const nat = index().groups.get(key);
  if (nat !== undefined) return nat;
  const f = m.marker.frontend;
  const id = f === undefined ? undefined : st.names?.byFrontend.get(frontendKey(f.kind, f.ip, f.protocol, f.port));
  if (id !== undefined) return groupForId(st, id);
  // Nobody claims it: one group per address so repeated markers for it stay together.
  const label = `${a.protocol} ${a.ip ?? '*'}:${a.port}`;
  const g = st.groups.get(`M:${label}`) ?? newGroup(st, `M:${label}`, undefined);
  g.fallbackLabel = label;
  return g;
}

/** Decodes the no-endpoint maps and puts each marker on its Service port (after identities are known). */
export function attachMarkers(st: NftDecodeState): void {
  let index: FrontendIndex | undefined;
  const lazy = (): FrontendIndex => (index ??= indexFrontends(st));
  const markers = decodeMarkers(st, (key) => lazy().kinds.get(key));
  for (const m of markers) findGroup(st, m, lazy).markers.push(m.marker);
}
