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

interface Candidate extends SelectableEndpoint {
  ep: ExpectedEndpoint;
  /** `ip:port` (JoinHostPort), kube-proxy's endpoint key and sort key. */
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
  candidates: Candidate[];
  allEndpoints: ExpectedEndpoint[];
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

function buildCandidates(
  slices: readonly EndpointSlice[],
  portName: string,
  protocol: string,
  family: 4 | 6,
  skipIgnoredSlices: boolean,
): { candidates: Candidate[]; duplicates?: Map<string, Candidate[]> } {
  const wantType = family === 6 ? 'IPv6' : 'IPv4';
  const list: Candidate[] = [];
  for (const slice of slices) {
    // The dual-stack metaproxier hands each family's proxier only its addressType; FQDN is unsupported.
    if (slice.addressType !== wantType) continue;
    const labels = slice.metadata.labels;
    if (skipIgnoredSlices && labels && (labels[LABEL_SERVICE_PROXY_NAME] !== undefined || labels[LABEL_HEADLESS] !== undefined)) continue;
    const port = slicePortNumber(slice, portName, protocol);
    if (port === undefined) continue;
    for (const e of slice.endpoints ?? []) {
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
      if (ref && ref.kind === 'Pod' && ref.name) ep.pod = `${ref.namespace || namespaceOf(slice.metadata)}/${ref.name}`;
      list.push({
        ep,
        key: joinHostPort(ip, port),
        ready: ep.ready,
        serving: ep.serving,
        terminating: ep.terminating,
        nodeName: ep.nodeName,
        zoneHints: hintNames(e.hints?.forZones),
        nodeHints: hintNames(e.hints?.forNodes),
      });
    }
  }
  // kube-proxy keeps endpoints sorted by their `ip:port` string (byEndpoint) and each `ip:port`
  // once. The sort is stable, so the first listing of a duplicate stays first.
  list.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const candidates: Candidate[] = [];
  let duplicates: Map<string, Candidate[]> | undefined;
  for (let i = 0; i < list.length; i++) {
    const cand = list[i];
    const first = candidates.length > 0 ? candidates[candidates.length - 1] : undefined;
    if (!first || first.key !== cand.key) {
      candidates.push(cand);
    } else if (cand.nodeName && cand.nodeName !== first.nodeName) {
      // Resolved per node (resolveDuplicates): kube-proxy lets a local copy win.
      duplicates ??= new Map();
      const group = duplicates.get(cand.key) ?? [first];
      group.push(cand);
      duplicates.set(cand.key, group);
    }
  }
  return duplicates ? { candidates, duplicates } : { candidates };
}

function preparePorts(index: ClusterIndex, family: 4 | 6): PreparedPort[] {
  const ports: PreparedPort[] = [];
  for (const [key, service] of index.services) {
    const view = serviceFamilyView(service, family);
    const slices = index.slicesByService.get(key) ?? [];
    for (const servicePort of service.spec.ports ?? []) {
      if (!servicePort) continue;
      const id = servicePortId(service, servicePort);
      const nodePort = typeof servicePort.nodePort === 'number' && servicePort.nodePort > 0 ? servicePort.nodePort : undefined;
      const hasExternal = nodePort !== undefined || view.externalIPs.length > 0 || view.loadBalancerIPs.length > 0;
      const { candidates, duplicates } = buildCandidates(slices, id.portName, id.protocol, family, view.notProxiedReason === undefined);
      const usesLocal = view.internalPolicyLocal || (view.externalPolicyLocal && hasExternal);
      const hinted = candidates.some((c) => c.ready && (c.zoneHints !== undefined || c.nodeHints !== undefined));
      const port: PreparedPort = {
        id,
        service,
        servicePort,
        view,
        policy: { internalPolicyLocal: view.internalPolicyLocal, externalPolicyLocal: view.externalPolicyLocal, hasExternal },
        hasExternal,
        candidates,
        allEndpoints: candidates.map((c) => c.ep),
        nodeIndependent: view.notProxiedReason !== undefined || (!usesLocal && !hinted && !duplicates),
      };
      if (nodePort !== undefined) port.nodePort = nodePort;
      if (duplicates) port.duplicates = duplicates;
      ports.push(port);
    }
  }
  return ports;
}

/** Candidates with each duplicated `ip:port` resolved as kube-proxy would: a local copy wins. */
function resolveDuplicates(port: PreparedPort, nodeName: string): Candidate[] {
  const dups = port.duplicates;
  if (!dups) return port.candidates;
  return port.candidates.map((c) => {
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
  const candidates = resolveDuplicates(port, nodeName);
  const sets = categorizeEndpoints(candidates, port.policy, { nodeName, nodeZone });
  out.clusterEndpoints = sets.cluster.map((c) => c.ep);
  out.localEndpoints = sets.local.map((c) => c.ep);
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
        // Every node gets `shared` from now on: the per-node inputs can go (~100 bytes per
        // endpoint, held for the whole run by every thread's prepared cluster).
        port.candidates = [];
        delete port.duplicates;
      }
      out[i] = port.shared;
    } else {
      out[i] = computePort(port, nodeName, nodeZone);
    }
  }
  return out;
}
