import type {
  ClusterIndex,
  EndpointSlice,
  ExpectedEndpoint,
  ExpectedServicePort,
  Service,
  ServicePort,
  ServicePortId,
} from '../model';
import { joinHostPort } from './chainNames';
import { namespaceOf } from './clusterIndex';
import { categorizeEndpoints } from './endpointSelection';
import type { SelectableEndpoint, TrafficPolicy } from './endpointSelection';
import { familyOf, l4Protocol, LABEL_HEADLESS, LABEL_SERVICE_PROXY_NAME, serviceFamilyView, servicePortId } from './serviceFamilyView';
import type { ServiceFamilyView } from './serviceFamilyView';

// What kube-proxy SHOULD program on a node, per Service port: the endpoint list it builds
// (pkg/proxy/endpointslicecache.go) narrowed by its own selection (pkg/proxy/topology.go).
// Work is split so a snapshot pays the O(cluster) part once per family (prepareExpected) and
// each node only the per-node selection (expectedForNode). Ports whose result cannot depend on
// the node (no Local set, no hints, no duplicate endpoints) return one shared object to every
// node: treat results as read-only.

/** Selection input for an endpoint with hints, or listed twice: the endpoint plus what selection reads. */
interface Candidate extends SelectableEndpoint {
  ep: ExpectedEndpoint;
  /** `ip:port` (JoinHostPort), kube-proxy's endpoint key. */
  key: string;
}

interface PreparedPort {
  id: ServicePortId;
  service: Service;
  servicePort: ServicePort;
  view: ServiceFamilyView;
  policy: TrafficPolicy;
  nodePort?: number;
  hasExternal: boolean;
  /** Every endpoint, sorted by `ip:port`, each `ip:port` once. */
  allEndpoints: ExpectedEndpoint[];
  /**
   * What selection runs on when it is not allEndpoints itself (an ExpectedEndpoint has every field
   * selection reads except hints): wrappers, only for ports with hints or a duplicated `ip:port`.
   */
  candidates?: Candidate[];
  /** Same `ip:port` listed more than once with different nodes: resolved per node. */
  duplicates?: Map<string, Candidate[]>;
  nodeIndependent: boolean;
  shared?: ExpectedServicePort;
}

export interface PreparedExpected {
  index: ClusterIndex;
  /** Per family, built on first use. */
  families: Map<4 | 6, PreparedPort[]>;
}

/**
 * The node-independent part of expectedForNode: per family, every Service port with its family
 * view and its endpoint list (family-filtered, deduplicated, sorted). Families in `families` are
 * built now, the others on first use.
 */
export function prepareExpected(index: ClusterIndex, families: readonly (4 | 6)[] = []): PreparedExpected {
  const prepared: PreparedExpected = { index, families: new Map() };
  for (const family of families) prepared.families.set(family, preparePorts(index, family));
  return prepared;
}

const cache = new WeakMap<ClusterIndex, PreparedExpected>();

/** One ExpectedServicePort per (Service, port), for `family`, as `nodeName`'s kube-proxy sees it. */
export function expectedServicePorts(index: ClusterIndex, nodeName: string, family: 4 | 6): ExpectedServicePort[] {
  let prepared = cache.get(index);
  if (!prepared) {
    prepared = prepareExpected(index);
    cache.set(index, prepared);
  }
  return expectedForNode(prepared, nodeName, family);
}

function hintNames(list: { name: string }[] | undefined): string[] | undefined {
  if (!list || list.length === 0) return undefined;
  const names: string[] = [];
  for (const h of list) if (h && typeof h.name === 'string') names.push(h.name);
  return names;
}

/** EndpointSlice port serving this Service port: same name ('' = unnamed) and protocol. */
function slicePortNumber(slice: EndpointSlice, portName: string, protocol: string): number | undefined {
  for (const p of slice.ports ?? []) {
    if (!p) continue;
    // kube-proxy skips a nil name; kubectl prints unnamed ports as "", hand-written files often
    // omit it, so a missing name is read as unnamed here.
    if ((p.name ?? '') !== portName || l4Protocol(p.protocol) !== protocol) continue;
    // kube-proxy ignores nil or 0 ports (endpointslicecache.go).
    if (typeof p.port !== 'number' || p.port === 0) return undefined;
    return p.port;
  }
  return undefined;
}

interface Hints {
  zoneHints?: string[];
  nodeHints?: string[];
}

/**
 * joinHostPort(a) compared with joinHostPort(b) as strings (kube-proxy's byEndpoint order), for
 * endpoints of one family, without building the keys: the addresses decide unless one is a prefix
 * of the other (10.0.0.1 / 10.0.0.10), where the exact strings are compared.
 */
function compareEndpointKeys(a: ExpectedEndpoint, b: ExpectedEndpoint): number {
  const x = a.ip;
  const y = b.ip;
  if (x === y) {
    if (a.port === b.port) return 0;
    const pa = String(a.port);
    const pb = String(b.port);
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  }
  const n = x.length < y.length ? x.length : y.length;
  for (let i = 0; i < n; i++) {
    const d = x.charCodeAt(i) - y.charCodeAt(i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  const ka = joinHostPort(x, a.port);
  const kb = joinHostPort(y, b.port);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function candidateOf(ep: ExpectedEndpoint, hints: Map<ExpectedEndpoint, Hints> | undefined): Candidate {
  const h = hints?.get(ep);
  return {
    ep,
    key: joinHostPort(ep.ip, ep.port),
    ready: ep.ready,
    serving: ep.serving,
    terminating: ep.terminating,
    nodeName: ep.nodeName,
    zoneHints: h?.zoneHints,
    nodeHints: h?.nodeHints,
  };
}

function buildCandidates(
  slices: readonly EndpointSlice[],
  portName: string,
  protocol: string,
  family: 4 | 6,
  skipIgnoredSlices: boolean,
): { endpoints: ExpectedEndpoint[]; candidates?: Candidate[]; duplicates?: Map<string, Candidate[]>; hinted: boolean } {
  const wantType = family === 6 ? 'IPv6' : 'IPv4';
  const list: ExpectedEndpoint[] = [];
  let hints: Map<ExpectedEndpoint, Hints> | undefined;
  for (let s = 0; s < slices.length; s++) {
    const slice = slices[s];
    // The dual-stack metaproxier hands each family's proxier only its addressType; FQDN is unsupported.
    if (slice.addressType !== wantType) continue;
    const labels = slice.metadata.labels;
    if (skipIgnoredSlices && labels && (labels[LABEL_SERVICE_PROXY_NAME] !== undefined || labels[LABEL_HEADLESS] !== undefined)) continue;
    const port = slicePortNumber(slice, portName, protocol);
    if (port === undefined) continue;
    const endpoints = slice.endpoints;
    if (!endpoints) continue;
    let ns: string | undefined;
    for (let i = 0; i < endpoints.length; i++) {
      const e = endpoints[i];
      // Only addresses[0] counts, and only when it is of this family.
      const ip = e?.addresses?.[0];
      if (typeof ip !== 'string' || ip === '' || familyOf(ip) !== family) continue;
      const c = e.conditions;
      const ep: ExpectedEndpoint = {
        ip,
        port,
        ready: c?.ready ?? true,
        serving: c?.serving ?? true,
        terminating: c?.terminating ?? false,
        slice: slice.metadata.name,
      };
      if (e.nodeName) ep.nodeName = e.nodeName;
      if (e.zone) ep.zone = e.zone;
      const ref = e.targetRef;
      if (ref && ref.kind === 'Pod' && ref.name) ep.pod = `${ref.namespace || (ns ??= namespaceOf(slice.metadata))}/${ref.name}`;
      const h = e.hints;
      if (h) {
        const zoneHints = hintNames(h.forZones);
        const nodeHints = hintNames(h.forNodes);
        if (zoneHints !== undefined || nodeHints !== undefined) (hints ??= new Map()).set(ep, { zoneHints, nodeHints });
      }
      list.push(ep);
    }
  }
  // kube-proxy keeps endpoints sorted by their `ip:port` string (byEndpoint) and each `ip:port`
  // once. The sort is stable, so the first listing of a duplicate stays first.
  if (list.length > 1) list.sort(compareEndpointKeys);
  const endpoints: ExpectedEndpoint[] = [];
  let groups: Map<ExpectedEndpoint, ExpectedEndpoint[]> | undefined;
  for (let i = 0; i < list.length; i++) {
    const ep = list[i];
    const first = endpoints.length > 0 ? endpoints[endpoints.length - 1] : undefined;
    if (!first || first.ip !== ep.ip || first.port !== ep.port) {
      endpoints.push(ep);
    } else if (ep.nodeName && ep.nodeName !== first.nodeName) {
      // Resolved per node (resolveDuplicates): kube-proxy lets a local copy win.
      groups ??= new Map();
      const group = groups.get(first);
      if (group) group.push(ep);
      else groups.set(first, [first, ep]);
    }
  }
  let hinted = false;
  if (hints) for (let i = 0; i < endpoints.length && !hinted; i++) hinted = endpoints[i].ready && hints.has(endpoints[i]);
  if (!hints && !groups) return { endpoints, hinted };
  const candidates = endpoints.map((ep) => candidateOf(ep, hints));
  if (!groups) return { endpoints, candidates, hinted };
  const duplicates = new Map<string, Candidate[]>();
  for (const [first, group] of groups) duplicates.set(joinHostPort(first.ip, first.port), group.map((ep) => candidateOf(ep, hints)));
  return { endpoints, candidates, duplicates, hinted };
}

function preparePorts(index: ClusterIndex, family: 4 | 6): PreparedPort[] {
  const ports: PreparedPort[] = [];
  const noSlices: EndpointSlice[] = [];
  index.services.forEach((service, key) => {
    const view = serviceFamilyView(service, family);
    const slices = index.slicesByService.get(key) ?? noSlices;
    const servicePorts = service.spec.ports;
    if (!servicePorts) return;
    for (let p = 0; p < servicePorts.length; p++) {
      const servicePort = servicePorts[p];
      if (!servicePort) continue;
      const id = servicePortId(service, servicePort);
      const nodePort = typeof servicePort.nodePort === 'number' && servicePort.nodePort > 0 ? servicePort.nodePort : undefined;
      const hasExternal = nodePort !== undefined || view.externalIPs.length > 0 || view.loadBalancerIPs.length > 0;
      const { endpoints, candidates, duplicates, hinted } = buildCandidates(slices, id.portName, id.protocol, family, view.notProxiedReason === undefined);
      const usesLocal = view.internalPolicyLocal || (view.externalPolicyLocal && hasExternal);
      const port: PreparedPort = {
        id,
        service,
        servicePort,
        view,
        policy: { internalPolicyLocal: view.internalPolicyLocal, externalPolicyLocal: view.externalPolicyLocal, hasExternal },
        hasExternal,
        allEndpoints: endpoints,
        nodeIndependent: view.notProxiedReason !== undefined || (!usesLocal && !hinted && !duplicates),
      };
      if (candidates) port.candidates = candidates;
      if (nodePort !== undefined) port.nodePort = nodePort;
      if (duplicates) port.duplicates = duplicates;
      ports.push(port);
    }
  });
  return ports;
}

/** Candidates with each duplicated `ip:port` resolved as kube-proxy would: a local copy wins. */
function resolveDuplicates(candidates: Candidate[], dups: Map<string, Candidate[]> | undefined, nodeName: string): Candidate[] {
  if (!dups) return candidates;
  return candidates.map((c) => {
    const group = dups.get(c.key);
    if (!group) return c;
    for (let i = group.length - 1; i >= 0; i--) if (group[i].nodeName === nodeName) return group[i];
    return c;
  });
}

function computePort(port: PreparedPort, nodeName: string, nodeZone: string | undefined): ExpectedServicePort {
  const { view } = port;
  const out: ExpectedServicePort = {
    id: port.id,
    service: port.service,
    servicePort: port.servicePort,
    proxied: view.notProxiedReason === undefined,
    clusterIP: view.clusterIP,
    externalIPs: view.externalIPs,
    loadBalancerIPs: view.loadBalancerIPs,
    nodePort: port.nodePort,
    internalPolicyLocal: view.internalPolicyLocal,
    externalPolicyLocal: view.externalPolicyLocal,
    hasExternal: port.hasExternal,
    affinitySeconds: view.affinitySeconds,
    sourceRanges: view.sourceRanges,
    allEndpoints: port.allEndpoints,
    clusterEndpoints: [],
    localEndpoints: [],
    clusterUsesTerminatingFallback: false,
    localUsesTerminatingFallback: false,
    topology: 'none',
  };
  if (view.notProxiedReason !== undefined) {
    out.notProxiedReason = view.notProxiedReason;
    return out;
  }
  let cluster: ExpectedEndpoint[];
  let local: ExpectedEndpoint[];
  let sets: { clusterUsesTerminatingFallback: boolean; localUsesTerminatingFallback: boolean; topology: ExpectedServicePort['topology'] };
  if (port.candidates) {
    const s = categorizeEndpoints(resolveDuplicates(port.candidates, port.duplicates, nodeName), port.policy, { nodeName, nodeZone });
    cluster = s.cluster.map((c) => c.ep);
    local = s.local.map((c) => c.ep);
    sets = s;
  } else {
    // No hints and no duplicates: selection reads the endpoints themselves.
    const s = categorizeEndpoints(port.allEndpoints, port.policy, { nodeName, nodeZone });
    cluster = s.cluster;
    local = s.local;
    sets = s;
  }
  out.clusterEndpoints = cluster;
  out.localEndpoints = local;
  out.clusterUsesTerminatingFallback = sets.clusterUsesTerminatingFallback;
  out.localUsesTerminatingFallback = sets.localUsesTerminatingFallback;
  out.topology = sets.topology;
  return out;
}

export function expectedForNode(prepared: PreparedExpected, nodeName: string, family: 4 | 6): ExpectedServicePort[] {
  let ports = prepared.families.get(family);
  if (!ports) {
    ports = preparePorts(prepared.index, family);
    prepared.families.set(family, ports);
  }
  const nodeZone = prepared.index.nodeZones.get(nodeName);
  const out: ExpectedServicePort[] = new Array(ports.length);
  for (let i = 0; i < ports.length; i++) {
    const port = ports[i];
    if (port.nodeIndependent) {
      if (port.shared === undefined) {
        port.shared = computePort(port, '', undefined);
        // Every node gets `shared` from now on: the per-node inputs can go (held for the whole
        // run by every thread's prepared cluster).
        delete port.candidates;
        delete port.duplicates;
      }
      out[i] = port.shared;
    } else {
      out[i] = computePort(port, nodeName, nodeZone);
    }
  }
  return out;
}
