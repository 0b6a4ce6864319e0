import type { ClusterIndex, Pod } from '../../model';
import { namespaceOf } from '../../kube/clusterIndex';

// Running Pods per node and namespace, built once per index (local-policy-black-hole asks it for
// every ITP=Local Service on every node).

const cache = new WeakMap<ClusterIndex, Map<string, Map<string, Pod[]>>>();

function build(index: ClusterIndex): Map<string, Map<string, Pod[]>> {
  const byNode = new Map<string, Map<string, Pod[]>>();
  for (const pod of index.podsByName.values()) {
    const node = pod.spec?.nodeName;
    const phase = pod.status?.phase;
    if (!node || phase === 'Succeeded' || phase === 'Failed') continue;
    let byNs = byNode.get(node);
    if (!byNs) byNode.set(node, (byNs = new Map()));
    const ns = namespaceOf(pod.metadata);
    const list = byNs.get(ns);
    if (list) list.push(pod);
    else byNs.set(ns, [pod]);
  }
  return byNode;
}

/** Pods scheduled on `node` in `namespace` that have not finished. */
export function podsOnNodeIn(index: ClusterIndex, node: string, namespace: string): Pod[] {
  let byNode = cache.get(index);
  if (!byNode) {
    byNode = build(index);
    cache.set(index, byNode);
  }
  return byNode.get(node)?.get(namespace) ?? [];
}
