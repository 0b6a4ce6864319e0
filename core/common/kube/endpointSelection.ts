import type { ExpectedServicePort } from '../model';

// kube-proxy's own choice of endpoints for one Service port on one node, mirroring
// pkg/proxy/topology.go CategorizeEndpoints / topologyModeFromHints (v1.34) and
// pkg/proxy/serviceport.go UsesClusterEndpoints / UsesLocalEndpoints.

/** What categorizeEndpoints needs of an endpoint (conditions already nil-defaulted). */
export interface SelectableEndpoint {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  /** hints.forZones names; undefined/empty = no zone hint. */
  zoneHints?: readonly string[];
  /** hints.forNodes names; undefined/empty = no node hint. */
  nodeHints?: readonly string[];
}

/** The Service-port facts that decide which endpoint sets kube-proxy builds. */
export interface TrafficPolicy {
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  /** NodePort, external IPs or LB IPs of this family (ServicePort.ExternallyAccessible). */
  hasExternal: boolean;
}

export interface EndpointSetsNeeded {
  /** A KUBE-SVC / service- chain: ITP=Cluster, or any external frontend (ETP=Local short-circuits pod/local traffic through it). */
  cluster: boolean;
  /** A KUBE-SVL / local- chain: ITP=Local, or ETP=Local with external frontends. */
  local: boolean;
}

export type TopologyOutcome = ExpectedServicePort['topology'];
export type TopologyMode = '' | 'PreferSameZone' | 'PreferSameNode';

export interface CategorizeOptions {
  nodeName: string;
  /** The node's topology.kubernetes.io/zone label, if any. */
  nodeZone?: string;
  /** Feature gate PreferSameTrafficDistribution (beta, on by default in v1.34). Default true. */
  preferSameNode?: boolean;
}

export interface CategorizedEndpoints<E> {
  needs: EndpointSetsNeeded;
  /** Empty when the cluster set is not needed. */
  cluster: E[];
  /** Empty when the local set is not needed. */
  local: E[];
  clusterUsesTerminatingFallback: boolean;
  localUsesTerminatingFallback: boolean;
  topology: TopologyOutcome;
  /** Some usable endpoint exists anywhere in the cluster (kube-proxy's hasEndpoints). */
  hasAnyEndpoints: boolean;
}

export function endpointSetsNeeded(policy: TrafficPolicy): EndpointSetsNeeded {
  return {
    cluster: !policy.internalPolicyLocal || policy.hasExternal,
    local: policy.internalPolicyLocal || (policy.externalPolicyLocal && policy.hasExternal),
  };
}

function has(list: readonly string[] | undefined, value: string): boolean {
  return list !== undefined && list.includes(value);
}

/**
 * topologyModeFromHints: PreferSameNode when every ready endpoint has a node hint and one names
 * this node; else PreferSameZone when every ready endpoint has a zone hint and one names this
 * node's zone; else '' (no topology).
 */
export function topologyMode(
  endpoints: readonly SelectableEndpoint[],
  nodeName: string,
  nodeZone: string | undefined,
  preferSameNode = true,
): TopologyMode {
  let hasReady = false;
  let allNodeHints = true;
  let forNode = false;
  let allZoneHints = true;
  let forZone = false;
  const zone = nodeZone ?? '';
  for (const ep of endpoints) {
    if (!ep.ready) continue;
    hasReady = true;
    if (!ep.nodeHints || ep.nodeHints.length === 0) allNodeHints = false;
    else if (ep.nodeHints.includes(nodeName)) forNode = true;
    if (!ep.zoneHints || ep.zoneHints.length === 0) allZoneHints = false;
    else if (ep.zoneHints.includes(zone)) forZone = true;
  }
  if (!hasReady) return '';
  if (preferSameNode && allNodeHints && forNode) return 'PreferSameNode';
  if (allZoneHints && forZone) return 'PreferSameZone';
  return '';
}

function topologyOutcome(mode: TopologyMode, endpoints: readonly SelectableEndpoint[]): TopologyOutcome {
  if (mode === 'PreferSameNode') return 'prefer-same-node';
  if (mode === 'PreferSameZone') return 'prefer-same-zone';
  for (const ep of endpoints) {
    if (ep.ready && ((ep.zoneHints && ep.zoneHints.length > 0) || (ep.nodeHints && ep.nodeHints.length > 0))) {
      return 'hints-incomplete';
    }
  }
  return 'none';
}

/** CategorizeEndpoints: the cluster and local endpoint sets this node's kube-proxy programs. */
export function categorizeEndpoints<E extends SelectableEndpoint>(
  endpoints: readonly E[],
  policy: TrafficPolicy,
  opts: CategorizeOptions,
): CategorizedEndpoints<E> {
  const needs = endpointSetsNeeded(policy);
  const nodeName = opts.nodeName;
  const isLocal = (ep: E): boolean => nodeName !== '' && ep.nodeName === nodeName;
  const result: CategorizedEndpoints<E> = {
    needs,
    cluster: [],
    local: [],
    clusterUsesTerminatingFallback: false,
    localUsesTerminatingFallback: false,
    topology: 'none',
    hasAnyEndpoints: false,
  };
  if (endpoints.length === 0) return result;

  if (needs.cluster) {
    const mode = topologyMode(endpoints, nodeName, opts.nodeZone, opts.preferSameNode ?? true);
    result.topology = topologyOutcome(mode, endpoints);
    const zone = opts.nodeZone ?? '';
    for (const ep of endpoints) {
      if (!ep.ready) continue;
      if (mode === 'PreferSameNode' && !has(ep.nodeHints, nodeName)) continue;
      if (mode === 'PreferSameZone' && !has(ep.zoneHints, zone)) continue;
      result.cluster.push(ep);
    }
    // No ready endpoint anywhere (topology never empties the set): serving+terminating ones,
    // without topology.
    if (result.cluster.length === 0) {
      for (const ep of endpoints) if (ep.serving && ep.terminating) result.cluster.push(ep);
      result.clusterUsesTerminatingFallback = result.cluster.length > 0;
    }
    if (result.cluster.length > 0) result.hasAnyEndpoints = true;
  }

  if (!needs.local) return result;

  let localReady = false;
  let localServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      result.hasAnyEndpoints = true;
      if (isLocal(ep)) localReady = true;
    } else if (ep.serving && ep.terminating) {
      result.hasAnyEndpoints = true;
      if (isLocal(ep)) localServingTerminating = true;
    }
  }
  if (localReady) {
    for (const ep of endpoints) if (ep.ready && isLocal(ep)) result.local.push(ep);
  } else if (localServingTerminating) {
    result.localUsesTerminatingFallback = true;
    for (const ep of endpoints) if (ep.serving && ep.terminating && isLocal(ep)) result.local.push(ep);
  }
  return result;
}
