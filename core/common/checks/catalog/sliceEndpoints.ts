import type { ClusterIndex, Endpoint, EndpointSlice, Pod, Service } from '../../model';
import { namespaceOf } from '../../kube/clusterIndex';

// Every endpoint of every EndpointSlice a Service owns, with its targetRef Pod looked up once.
// Shared by the API-side catalog checks (readiness-disagreement, publish-not-ready,
// endpointslice-hygiene), which all walk the same list.

export interface SliceEndpoint {
  /** `ns/name` of the Service (the slice's kubernetes.io/service-name label). */
  serviceKey: string;
  service: Service | undefined;
  slice: EndpointSlice;
  endpoint: Endpoint;
  /** addresses[0], the only address kube-proxy reads (pkg/proxy/endpointslicecache.go). */
  address: string;
  /** Conditions with kube-proxy's nil defaults (nil ready/serving = true, nil terminating = false). */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** `ns/name` of the targetRef when it names a Pod. */
  podKey?: string;
  /** That Pod, when cluster.json has it. */
  pod?: Pod;
}

const cache = new WeakMap<ClusterIndex, SliceEndpoint[]>();

/** All slice endpoints of the snapshot (FQDN slices left out: kube-proxy ignores them). Built once per index. */
export function sliceEndpoints(index: ClusterIndex): SliceEndpoint[] {
  const cached = cache.get(index);
  if (cached) return cached;
  const out: SliceEndpoint[] = [];
  for (const [serviceKey, slices] of index.slicesByService) {
    const service = index.services.get(serviceKey);
    for (const slice of slices) {
      if (slice.addressType === 'FQDN') continue;
      const ns = namespaceOf(slice.metadata);
      for (const endpoint of slice.endpoints ?? []) {
        const address = endpoint?.addresses?.[0];
        if (typeof address !== 'string' || address === '') continue;
        const c = endpoint.conditions;
        const se: SliceEndpoint = {
          serviceKey,
          service,
          slice,
          endpoint,
          address,
          ready: c?.ready ?? true,
          serving: c?.serving ?? true,
          terminating: c?.terminating ?? false,
        };
        const ref = endpoint.targetRef;
        if (ref && ref.kind === 'Pod' && ref.name) {
          se.podKey = `${ref.namespace || ns}/${ref.name}`;
          const pod = index.podsByName.get(se.podKey);
          if (pod) se.pod = pod;
        }
        out.push(se);
      }
    }
  }
  cache.set(index, out);
  return out;
}

/** IPs a Pod holds now (status.podIPs, else status.podIP). */
export function podIps(pod: Pod): string[] {
  const ips: string[] = [];
  for (const p of pod.status?.podIPs ?? []) if (p && typeof p.ip === 'string' && p.ip !== '') ips.push(p.ip);
  const single = pod.status?.podIP;
  if (typeof single === 'string' && single !== '' && !ips.includes(single)) ips.push(single);
  return ips;
}

/** `EndpointSlice ns/slice: 10.0.0.1 ready=true serving=true terminating=false -> Pod ns/name`. */
export function describeSliceEndpoint(se: SliceEndpoint): string {
  const ns = namespaceOf(se.slice.metadata);
  const target = se.podKey ? ` targetRef Pod ${se.podKey}${se.endpoint.targetRef?.uid ? ` (uid ${se.endpoint.targetRef.uid})` : ''}` : '';
  const node = se.endpoint.nodeName ? ` nodeName ${se.endpoint.nodeName}` : '';
  return `EndpointSlice ${ns}/${se.slice.metadata.name}: ${se.address} ready=${se.ready} serving=${se.serving} terminating=${se.terminating}${node}${target}`;
}

/** Whether cluster.json lists Pods at all: without them a missing targetRef Pod proves nothing. */
export function podsKnown(index: ClusterIndex): boolean {
  return index.podsByName.size > 0;
}
