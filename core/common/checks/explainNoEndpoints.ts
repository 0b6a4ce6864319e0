import type { ClusterIndex, ExpectedServicePort, Pod } from '../model';
import { describeConditions, describePod, podIsReady, podRef, podsInNamespace, selectorMatches } from './podFacts';
import { listSome, plural } from './makeFinding';

// Why a Service port has no usable endpoint, from the API objects: the questions of
// kubernetes/website debug-service.md ("Does the Service have any Endpoints?") answered in order.

export interface NoEndpointsExplanation {
  text: string;
  /** Pods worth describing (not ready / lacking the port), `ns/name`. */
  pods: string[];
}

export function explainNoEndpoints(index: ClusterIndex, e: ExpectedServicePort): NoEndpointsExplanation {
  const svc = e.service;
  const ns = e.id.namespace;
  const key = `${ns}/${e.id.name}`;
  const slices = index.slicesByService.get(key) ?? [];
  const selector = svc.spec.selector;
  if (e.allEndpoints.length > 0) {
    const sample = e.allEndpoints.slice(0, 3).map((ep) => `${ep.ip}:${ep.port} ${describeConditions(ep)}${ep.pod ? ` (pod ${ep.pod})` : ''}`);
    const pods = e.allEndpoints.map((ep) => ep.pod).filter((p): p is string => !!p);
    return {
      text: `Its EndpointSlices list ${plural(e.allEndpoints.length, 'endpoint')} for this port, but none is ready or serving: ${listSome(sample, 3)}. The pods' readiness probes are failing or the pods are still starting.`,
      pods: [...new Set(pods)].slice(0, 3),
    };
  }
  if (!selector || Object.keys(selector).length === 0) {
    if (slices.length === 0) {
      return { text: 'The Service has no selector and no EndpointSlices: for a selector-less Service someone must create EndpointSlices by hand (or the controller that manages them is not running).', pods: [] };
    }
    const managers = [...new Set(slices.map((s) => s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] ?? 'an unknown manager'))];
    return { text: `The Service has no selector; its ${plural(slices.length, 'EndpointSlice')} (managed by ${listSome(managers, 2)}) list no endpoint for this port.`, pods: [] };
  }
  const selText = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
  const matching = podsInNamespace(index, ns).filter((p) => selectorMatches(selector, p.metadata.labels));
  if (matching.length === 0) {
    return { text: `The selector ${selText} matches no pod in namespace ${ns}: check it for typos against the pods' labels, or the pods were never created or were deleted.`, pods: [] };
  }
  const tp = e.servicePort.targetPort;
  if (typeof tp === 'string' && tp !== '') {
    const withPort = matching.filter((p) => hasNamedPort(p, tp, e.servicePort.protocol ?? 'TCP'));
    if (withPort.length === 0) {
      return {
        text: `The selector ${selText} matches ${plural(matching.length, 'pod')}, but targetPort "${tp}" is a port name and none of them declares a container port named "${tp}" (${e.servicePort.protocol ?? 'TCP'}), so the EndpointSlice controller cannot resolve it.`,
        pods: matching.slice(0, 3).map(podRef),
      };
    }
  }
  const ready = matching.filter(podIsReady);
  if (ready.length === 0) {
    const sample = matching.slice(0, 3).map((p) => `${podRef(p)} (${describePod(p)})`);
    return { text: `The selector ${selText} matches ${plural(matching.length, 'pod')} but none is ready: ${listSome(sample, 3)}.`, pods: matching.slice(0, 3).map(podRef) };
  }
  const portNames = new Set(slices.flatMap((s) => (s.ports ?? []).map((p) => p.name ?? '')));
  if (slices.length > 0 && !portNames.has(e.id.portName)) {
    return { text: `${plural(ready.length, 'ready pod')} ${ready.length === 1 ? 'matches' : 'match'} the selector ${selText}, but the Service's EndpointSlices have no port named "${e.id.portName}" (they have ${listSome([...portNames].map((n) => `"${n}"`), 4)}).`, pods: [] };
  }
  return {
    text: `${plural(ready.length, 'ready pod')} ${ready.length === 1 ? 'matches' : 'match'} the selector ${selText} (e.g. ${podRef(ready[0])}), but the EndpointSlices list none of them: the EndpointSlice controller (kube-controller-manager) may be lagging or failing, or the pods' IPs are not set.`,
    pods: ready.slice(0, 1).map(podRef),
  };
}

function hasNamedPort(pod: Pod, name: string, protocol: string): boolean {
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === name && (p.protocol ?? 'TCP') === protocol) return true;
  }
  return false;
}
