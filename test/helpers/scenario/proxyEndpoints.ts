import type { ClusterState, EndpointSlice, L4Protocol, Service, ServicePort } from '../../../core/common/model';
import { joinHostPort, servicePortName } from '../../../core/common/kube/chainNames';

// The test writer's OWN, deliberately simple view of what kube-proxy proxies and which
// endpoints it picks. It must not share code with the engine's expected-endpoint logic,
// otherwise tests comparing the two would be circular. Follows:
//   pkg/proxy/servicechangetracker.go / serviceport.go  which Services and ports get rules
//   pkg/proxy/endpointslicecache.go                     slice -> endpoints (nil ready = true,
//                                                       addresses[0] only, sorted by ip:port)
//   pkg/proxy/topology.go CategorizeEndpoints           cluster / local sets and fallbacks
// Topology hints are not modelled: the builder never writes hints.

export interface ProxyEndpoint {
  ip: string;
  port: number;
  /** `ip:port` as kube-proxy hashes and prints it. */
  hostPort: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
}

export interface ProxyServicePort {
  namespace: string;
  name: string;
  /** '' for an unnamed port. */
  portName: string;
  proto: L4Protocol;
  /** `ns/name:port` (or `ns/name` when unnamed): the comment text and hash input. */
  spn: string;
  service: Service;
  servicePort: ServicePort;
  clusterIP: string;
  port: number;
  nodePort: number;
  /** Only set for externalTrafficPolicy Local (serviceport.go ignores it otherwise). */
  healthCheckNodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  sourceRanges: string[];
  internalLocal: boolean;
  externalLocal: boolean;
  externallyAccessible: boolean;
  affinitySeconds?: number;
  endpoints: ProxyEndpoint[];
}

const PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function isV4(ip: string | undefined): ip is string {
  return !!ip && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);
}

function slicesByService(state: ClusterState): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const slice of state.endpointSlices) {
    const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc || slice.addressType !== 'IPv4') continue;
    const key = `${slice.metadata.namespace}/${svc}`;
    const list = out.get(key);
    if (list) list.push(slice);
    else out.set(key, [slice]);
  }
  return out;
}

function endpointsFor(slices: EndpointSlice[], portName: string, protocol: string): ProxyEndpoint[] {
  const seen = new Map<string, ProxyEndpoint>();
  for (const slice of slices) {
    for (const p of slice.ports ?? []) {
      if ((p.name ?? '') !== portName || (p.protocol ?? 'TCP') !== protocol || !p.port) continue;
      for (const ep of slice.endpoints ?? []) {
        const ip = ep.addresses[0];
        if (!isV4(ip)) continue;
        const hostPort = joinHostPort(ip, p.port);
        if (seen.has(hostPort)) continue;
        seen.set(hostPort, {
          ip,
          port: p.port,
          hostPort,
          ready: ep.conditions?.ready !== false,
          serving: ep.conditions?.serving !== false,
          terminating: ep.conditions?.terminating === true,
          ...(ep.nodeName ? { nodeName: ep.nodeName } : {}),
        });
      }
    }
  }
  return [...seen.values()].sort((a, b) => (a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0));
}

/** Every Service port kube-proxy writes rules for, with its endpoints, sorted by `spn` + proto. */
export function proxyServicePorts(state: ClusterState): ProxyServicePort[] {
  const slices = slicesByService(state);
  const out: ProxyServicePort[] = [];
  for (const service of state.services) {
    const spec = service.spec;
    const clusterIP = spec.clusterIP;
    if (spec.type === 'ExternalName' || !isV4(clusterIP)) continue; // headless, None, other family
    if (service.metadata.labels?.[PROXY_NAME_LABEL] !== undefined) continue;
    const ns = service.metadata.namespace ?? 'default';
    const name = service.metadata.name;
    const lbIPs = (service.status?.loadBalancer?.ingress ?? []).filter((i) => isV4(i.ip) && i.ipMode !== 'Proxy').map((i) => i.ip as string);
    for (const sp of spec.ports ?? []) {
      const portName = sp.name ?? '';
      const protocol = sp.protocol ?? 'TCP';
      const externalIPs = (spec.externalIPs ?? []).filter(isV4);
      const nodePort = sp.nodePort ?? 0;
      const externallyAccessible = nodePort > 0 || externalIPs.length > 0 || lbIPs.length > 0;
      const externalLocal = externallyAccessible && spec.externalTrafficPolicy === 'Local';
      out.push({
        namespace: ns,
        name,
        portName,
        proto: protocol.toLowerCase() as L4Protocol,
        spn: servicePortName(ns, name, portName),
        service,
        servicePort: sp,
        clusterIP,
        port: sp.port,
        nodePort,
        healthCheckNodePort: externalLocal ? (spec.healthCheckNodePort ?? 0) : 0,
        externalIPs,
        loadBalancerIPs: lbIPs,
        sourceRanges: (spec.loadBalancerSourceRanges ?? []).map((r) => r.trim()).filter((r) => r !== ''),
        internalLocal: spec.internalTrafficPolicy === 'Local',
        externalLocal,
        externallyAccessible,
        ...(spec.sessionAffinity === 'ClientIP' ? { affinitySeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 } : {}),
        endpoints: endpointsFor(slices.get(`${ns}/${name}`) ?? [], portName, protocol),
      });
    }
  }
  const key = (p: ProxyServicePort) => `${p.spn}\u0000${p.proto}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export interface EndpointSets {
  cluster: ProxyEndpoint[];
  local: ProxyEndpoint[];
  /** Endpoints that get a KUBE-SEP chain: cluster set plus local ones not in it. */
  reachable: ProxyEndpoint[];
  hasAny: boolean;
  usesCluster: boolean;
  usesLocal: boolean;
}

/** kube-proxy's endpoint choice for one node, without topology hints. */
export function endpointSets(sp: ProxyServicePort, nodeName: string): EndpointSets {
  const eps = sp.endpoints;
  // pkg/proxy/serviceport.go UsesClusterEndpoints: KUBE-EXT / external- chains send pod and node-local
  // traffic to the cluster chain even when externalTrafficPolicy is Local.
  const usesCluster = !sp.internalLocal || sp.externallyAccessible;
  const usesLocal = sp.internalLocal || sp.externalLocal;
  let cluster: ProxyEndpoint[] = [];
  if (usesCluster) {
    cluster = eps.filter((e) => e.ready);
    if (cluster.length === 0) cluster = eps.filter((e) => e.serving && e.terminating);
  }
  let local: ProxyEndpoint[] = [];
  const hasAny = cluster.length > 0 || eps.some((e) => e.ready || (e.serving && e.terminating));
  if (usesLocal) {
    const mine = eps.filter((e) => e.nodeName === nodeName);
    local = mine.filter((e) => e.ready);
    if (local.length === 0) local = mine.filter((e) => e.serving && e.terminating);
  }
  const inCluster = new Set(cluster.map((e) => e.hostPort));
  const reachable = !usesLocal ? cluster : !usesCluster ? local : [...cluster, ...local.filter((e) => !inCluster.has(e.hostPort))];
  return { cluster, local, reachable, hasAny, usesCluster, usesLocal };
}
