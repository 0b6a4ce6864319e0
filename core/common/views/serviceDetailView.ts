import type { BackendRowView, FrontendView, NodePortView, PathView, ServicePortView } from '../contract';
import type { ExplainBackendRow, ExplainedServicePort, ExplainPath, ExplainResult } from '../explain/explainServicePort';
import type { ProgrammedFrontend, ProxyMode } from '../model';

// The Service detail DTOs from `explainServicePort` results (one per node): per Service port,
// per node and family, the frontends, the paths with their backends marked OK / STALE /
// NOT-READY / MISSING / UNCHECKED, kube-proxy's REJECT/DROP markers and notes. Plain JSON only:
// the programmed model objects stay in the backend.

export function backendRowView(r: ExplainBackendRow): BackendRowView {
  const ep = r.endpointInfo;
  const b = r.programmed;
  return {
    endpoint: r.endpoint,
    mark: r.mark,
    pod: ep?.pod ?? null,
    podNode: ep?.nodeName ?? null,
    ready: ep ? ep.ready : null,
    serving: ep ? ep.serving : null,
    terminating: ep ? ep.terminating : null,
    probability: b?.probability ?? null,
    weight: b?.weight ?? null,
    chain: b?.chain ?? null,
    evidence: b?.evidence ?? [],
  };
}

export function pathView(p: ExplainPath): PathView {
  return { policy: p.policy, chain: p.programmed?.chain ?? null, terminatingFallback: p.terminatingFallback, rows: p.rows.map(backendRowView) };
}

export function frontendView(f: ProgrammedFrontend): FrontendView {
  return { kind: f.kind, ip: f.ip ?? null, port: f.port, protocol: f.protocol, path: f.path, target: f.target, evidence: f.evidence };
}

export function nodePortView(node: string, mode: ProxyMode | 'unknown', sp: ExplainedServicePort): NodePortView {
  return {
    node,
    mode,
    family: sp.family,
    programmed: sp.programmed !== null,
    expected: sp.expected !== null && sp.expected.proxied,
    frontends: sp.frontends.map(frontendView),
    paths: sp.paths.map(pathView),
    markers: sp.markers.map((m) => ({ kind: m.kind, reason: m.reason, evidence: m.evidence })),
    notes: sp.notes,
  };
}

export interface NodeExplain {
  mode: ProxyMode | 'unknown';
  result: ExplainResult;
}

/** Groups every node's explained ports by port label; nodes keep the order given. */
export function servicePortViews(perNode: readonly NodeExplain[]): ServicePortView[] {
  const byLabel = new Map<string, ServicePortView>();
  for (const { mode, result } of perNode) {
    for (const sp of result.servicePorts) {
      let v = byLabel.get(sp.label);
      if (!v) byLabel.set(sp.label, (v = { label: sp.label, portName: sp.id.portName, protocol: sp.id.protocol, nodes: [] }));
      v.nodes.push(nodePortView(result.node, mode, sp));
    }
  }
  return [...byLabel.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}
