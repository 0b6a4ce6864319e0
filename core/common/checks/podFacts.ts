import type { ClusterIndex, ExpectedEndpoint, Pod } from '../model';
import { podReady, podTerminating } from '../kube/podReadiness';

// Pod facts quoted in findings. Readiness follows the kubelet's Ready condition, which is what
// the EndpointSlice controller turns into `serving` (staging/src/k8s.io/endpointslice/utils.go).

export function podRef(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

/** Ready and not being deleted: a pod the EndpointSlice controller would mark ready. */
export function podIsReady(pod: Pod): boolean {
  return podReady(pod) && !podTerminating(pod);
}

/** "phase Running, Ready=False since 2024-…, being deleted since …" */
export function describePod(pod: Pod): string {
  const parts: string[] = [];
  if (pod.status?.phase) parts.push(`phase ${pod.status.phase}`);
  const ready = pod.status?.conditions?.find((x) => x.type === 'Ready');
  if (ready) parts.push(`Ready=${ready.status}${ready.lastTransitionTime ? ` since ${ready.lastTransitionTime}` : ''}`);
  else parts.push('no Ready condition');
  if (pod.metadata.deletionTimestamp) parts.push(`being deleted since ${pod.metadata.deletionTimestamp}`);
  if (pod.spec?.nodeName) parts.push(`on node ${pod.spec.nodeName}`);
  return parts.join(', ');
}

/** EndpointSlice conditions as kube-proxy reads them (nil defaults already applied). */
export function describeConditions(ep: ExpectedEndpoint): string {
  return `ready=${ep.ready} serving=${ep.serving} terminating=${ep.terminating}`;
}

export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const k in selector) {
    if (!labels || labels[k] !== selector[k]) return false;
  }
  return true;
}

const podsByNamespaceCache = new WeakMap<ClusterIndex, Map<string, Pod[]>>();

/** Pods grouped by namespace, built once per index (only needed to explain empty Services). */
export function podsInNamespace(index: ClusterIndex, namespace: string): Pod[] {
  let byNs = podsByNamespaceCache.get(index);
  if (!byNs) {
    byNs = new Map();
    for (const pod of index.podsByName.values()) {
      const ns = pod.metadata.namespace ?? 'default';
      const list = byNs.get(ns);
      if (list) list.push(pod);
      else byNs.set(ns, [pod]);
    }
    podsByNamespaceCache.set(index, byNs);
  }
  return byNs.get(namespace) ?? [];
}

/** The pod an endpoint names (targetRef), when it is in the index. */
export function podOfEndpoint(index: ClusterIndex, ep: ExpectedEndpoint): Pod | undefined {
  return ep.pod ? index.podsByName.get(ep.pod) : undefined;
}
