import type { FrontendKind, ServicePortId } from '../../model';
import { frontendKey } from '../../kube/iptablesNameTable';
import type { DecodeState, Group } from './decodeState';
import { byIdOf, groupByKey, groupBySuffix, idKey, newGroup } from './decodeState';
import type { MarkerCandidate, NatFrontendKinds } from './markers';

// Puts each filter-table marker on the Service port it belongs to: the KUBE-FW chain its comment
// names, else the Service port its comment names, else the nat frontend with the same address,
// else the Service list's frontend; a marker nobody claims gets a group of its own, so a Service
// port that only has a "has no endpoints" REJECT still shows up.

export interface FrontendIndex {
  kinds: NatFrontendKinds;
  groups: Map<string, Group>;
}

function addressKey(ip: string | undefined, proto: string, port: number): string {
  return `${ip ?? '*'}|${proto}|${port}`;
}

/** nat frontends by `ip|proto|port` (`*|proto|port` for NodePorts). */
export function indexFrontends(st: DecodeState): FrontendIndex {
  const kinds: NatFrontendKinds = new Map<string, FrontendKind>();
  const groups = new Map<string, Group>();
  for (const g of st.groups) {
    for (const f of g.frontends) {
      const key = addressKey(f.ip, f.protocol, f.port);
      if (groups.has(key)) continue;
      groups.set(key, g);
      if (f.ip !== undefined) kinds.set(key, f.kind);
    }
  }
  return { kinds, groups };
}

function groupForId(st: DecodeState, id: ServicePortId, from: MarkerCandidate | null): Group {
  const key = idKey(id);
  const byId = byIdOf(st);
  let g = byId.get(key);
  if (g === undefined) {
    g = newGroup(st, `I:${key}`, undefined);
    g.id = id;
    g.idSource = 'comment';
    g.protocol = id.protocol;
    if (from !== null && from.claim !== null) g.claim = { claim: from.claim, rule: from.rule };
    byId.set(key, g);
  }
  return g;
}

function findGroup(st: DecodeState, m: MarkerCandidate, index: () => FrontendIndex): Group {
  if (m.firewallSuffix !== undefined) {
    const g = groupBySuffix(st, m.firewallSuffix);
    if (g !== undefined) return g;
  }
  const f = m.marker.frontend;
  if (m.claim !== null) {
    const { namespace, name, portName } = m.claim;
    return groupForId(st, { namespace, name, portName, protocol: f?.protocol ?? m.protocol ?? 'tcp' }, m);
  }
  if (f !== undefined) {
    const nat = index().groups.get(addressKey(f.ip, f.protocol, f.port));
    if (nat !== undefined) return nat;
    const id = st.names?.byFrontend.get(frontendKey(f.kind, f.ip, f.protocol, f.port));
    if (id !== undefined) return groupForId(st, id, null);
  }
  // Nobody claims it: one group per address so repeated markers for it stay together.
  const label = f === undefined ? `marker line ${m.marker.evidence.line}` : `${f.protocol} ${f.ip ?? '*'}:${f.port}`;
  const g = groupByKey(st, `M:${label}`) ?? newGroup(st, `M:${label}`, undefined);
  g.fallbackLabel = label;
  return g;
}

export function attachMarkers(st: DecodeState, markers: MarkerCandidate[], index: () => FrontendIndex): void {
  for (const m of markers) findGroup(st, m, index).markers.push(m.marker);
}
