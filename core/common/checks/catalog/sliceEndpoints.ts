import type { ClusterIndex, Endpoint, EndpointSlice, Pod, Service } from '../../model';
import { namespaceOf } from '../../kube/clusterIndex';

// Every endpoint of every EndpointSlice a Service owns, with its targetRef Pod looked up, walked
// by the API-side catalog checks (readiness-disagreement, publish-not-ready,
// endpointslice-hygiene). The walk hands each endpoint to the caller in ONE reused object and keeps
// nothing: 50k endpoints at 10k Services would otherwise be 50k objects held by every thread for
// the whole run, while only the few that make a finding are needed (copy those: `{ ...se }`).

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

/**
 * Calls `visit` for every slice endpoint of the snapshot (FQDN slices left out: kube-proxy ignores
 * them), Services in index order, slices in their order, endpoints in theirs. `se` is reused
 * between calls: read it during the call, copy what must outlive it. `wantService` skips a whole
 * Service (and its Pod lookups) up front.
 */
export function forEachSliceEndpoint(
  index: ClusterIndex,
  visit: (se: SliceEndpoint) => void,
  wantService?: (service: Service | undefined) => boolean,
): void {
  const podsByName = index.podsByName;
  const se: SliceEndpoint = {
    serviceKey: '',
    service: undefined,
    slice: undefined as unknown as EndpointSlice,
    endpoint: undefined as unknown as Endpoint,
    address: '',
    ready: true,
    serving: true,
    terminating: false,
    podKey: undefined,
    pod: undefined,
  };
  index.slicesByService.forEach((slices, serviceKey) => {
    const service = index.services.get(serviceKey);
    if (wantService && !wantService(service)) return;
    se.serviceKey = serviceKey;
    se.service = service;
    for (let s = 0; s < slices.length; s++) {
      const slice = slices[s];
      if (slice.addressType === 'FQDN') continue;
      const endpoints = slice.endpoints;
      if (!endpoints) continue;
      let ns: string | undefined;
      se.slice = slice;
      for (let i = 0; i < endpoints.length; i++) {
        const endpoint = endpoints[i];
        const address = endpoint?.addresses?.[0];
        if (typeof address !== 'string' || address === '') continue;
        const c = endpoint.conditions;
        se.endpoint = endpoint;
        se.address = address;
        se.ready = c?.ready ?? true;
        se.serving = c?.serving ?? true;
        se.terminating = c?.terminating ?? false;
        se.podKey = undefined;
        se.pod = undefined;
        const ref = endpoint.targetRef;
        if (ref && ref.kind === 'Pod' && ref.name) {
          ns ??= namespaceOf(slice.metadata);
          const podKey = `${ref.namespace || ns}/${ref.name}`;
          se.podKey = podKey;
          se.pod = podsByName.get(podKey);
        }
        visit(se);
      }
    }
  });
}

/** A copy of the walk's reused object, for findings built after the walk. */
export function keepSliceEndpoint(se: SliceEndpoint): SliceEndpoint {
  const out: SliceEndpoint = {
    serviceKey: se.serviceKey,
    service: se.service,
    slice: se.slice,
    endpoint: se.endpoint,
    address: se.address,
    ready: se.ready,
    serving: se.serving,
    terminating: se.terminating,
  };
  if (se.podKey !== undefined) out.podKey = se.podKey;
  if (se.pod !== undefined) out.pod = se.pod;
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

/** podIps(pod).length > 0, without building the list. */
export function podHasIp(pod: Pod): boolean {
  const status = pod.status;
  if (!status) return false;
  const list = status.podIPs;
  if (list) for (let i = 0; i < list.length; i++) if (list[i] && typeof list[i].ip === 'string' && list[i].ip !== '') return true;
  return typeof status.podIP === 'string' && status.podIP !== '';
}

/** podIps(pod).includes(ip) for a non-empty `ip`, without building the list. */
export function podHoldsIp(pod: Pod, ip: string): boolean {
  const status = pod.status;
  if (!status) return false;
  const list = status.podIPs;
  if (list) for (let i = 0; i < list.length; i++) if (list[i] && list[i].ip === ip) return true;
  return status.podIP === ip;
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
