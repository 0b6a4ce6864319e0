import type { ClusterIndex, ClusterState, EndpointSlice, ObjectMeta, Pod, Service } from '../model';

// API objects indexed once per snapshot; every node's checks share the result.

/** Label that ties an EndpointSlice to its Service (discovery.LabelServiceName). */
export const LABEL_SERVICE_NAME = 'kubernetes.io/service-name';
/** Node zone label read by kube-proxy's topology code (v1.LabelTopologyZone). */
export const LABEL_TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';

/** Namespace of an object; objects printed without one are in `default`. */
export function namespaceOf(meta: ObjectMeta): string {
  return meta.namespace || 'default';
}

/** `ns/name` key used by every ClusterIndex map. */
export function objectKey(meta: ObjectMeta): string {
  return `${namespaceOf(meta)}/${meta.name}`;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The Pod's addresses, each once; `into` is reused (cleared first). */
function podIps(pod: Pod, into: string[] = []): string[] {
  const ips = into;
  ips.length = 0;
  const status = pod.status;
  if (!status) return ips;
  if (Array.isArray(status.podIPs)) {
    for (const p of status.podIPs) if (p && typeof p.ip === 'string' && p.ip !== '' && !ips.includes(p.ip)) ips.push(p.ip);
  }
  if (typeof status.podIP === 'string' && status.podIP !== '' && !ips.includes(status.podIP)) ips.push(status.podIP);
  return ips;
}

export function indexCluster(state: ClusterState): ClusterIndex {
  const services = new Map<string, Service>();
  for (const svc of state.services) services.set(objectKey(svc.metadata), svc);

  // kube-proxy keys slices by the service-name label (pkg/proxy/endpointslicecache.go
  // endpointSliceCacheKeys); slices without it are ignored, as kube-proxy does.
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of state.endpointSlices) {
    const svcName = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!svcName) continue;
    pushTo(slicesByService, `${namespaceOf(slice.metadata)}/${svcName}`, slice);
  }

  const podsByName = new Map<string, Pod>();
  for (const pod of state.pods) podsByName.set(objectKey(pod.metadata), pod);

  const nodeNames = new Set<string>();
  const nodeZones = new Map<string, string>();
  const nodeAddresses = new Map<string, string[]>();
  for (const node of state.nodes) {
    const name = node.metadata.name;
    nodeNames.add(name);
    const zone = node.metadata.labels?.[LABEL_TOPOLOGY_ZONE];
    if (zone) nodeZones.set(name, zone);
    const addrs: string[] = [];
    const all = node.status?.addresses ?? [];
    for (const type of ['InternalIP', 'ExternalIP']) {
      for (const a of all) if (a.type === type && a.address && !addrs.includes(a.address)) addrs.push(a.address);
    }
    nodeAddresses.set(name, addrs);
  }

  // podsByIp is built on first read: only a stale backend asks for it (50k one-Pod lists at 10k
  // Services that a healthy snapshot never reads).
  let podsByIp: Map<string, Pod[]> | undefined;
  const pods = state.pods;
  return {
    services,
    slicesByService,
    get podsByIp(): Map<string, Pod[]> {
      podsByIp ??= indexPodsByIp(pods);
      return podsByIp;
    },
    podsByName,
    nodeNames,
    nodeZones,
    nodeAddresses,
  };
}

/** Pods by each address they hold; several Pods can share an IP (hostNetwork Pods use the node's). */
function indexPodsByIp(pods: readonly Pod[]): Map<string, Pod[]> {
  const podsByIp = new Map<string, Pod[]>();
  const ips: string[] = [];
  for (const pod of pods) for (const ip of podIps(pod, ips)) pushTo(podsByIp, ip, pod);
  return podsByIp;
}
