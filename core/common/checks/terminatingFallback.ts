import type { ExpectedEndpoint, ExpectedServicePort, Finding } from '../model';
import type { NodeCheckContext } from './context';
import { expectedKey } from './context';
import { findingPort, formatEndpoint, serviceRef, servicePortLabel } from './keys';
import { apiEvidence, listSome, makeFinding } from './makeFinding';
import { getSlices, podsBySelector } from './nextSteps';
import { describeConditions } from './podFacts';
import { servicePortEvidence } from './evidenceOf';

// terminating-fallback (C16): no ready endpoint, so kube-proxy uses serving+terminating ones
// (pkg/proxy/topology.go CategorizeEndpoints). Expected behaviour during a rollout, but it means
// all traffic goes to pods that are shutting down. The cluster set is the same on every node
// (the fallback ignores topology), so that finding has node null and merges across nodes.

export function checkTerminatingFallback(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster) return [];
  const out: Finding[] = [];
  const expected = cluster.expected;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (!e.proxied) continue;
    const clusterFallback = e.clusterUsesTerminatingFallback && e.clusterEndpoints.length > 0;
    const localFallback = e.localUsesTerminatingFallback && e.localEndpoints.length > 0;
    if (!clusterFallback && !localFallback) continue;
    const sps = cluster.programmedByKey.get(expectedKey(e)) ?? [];
    const ev = sps.flatMap((sp) => servicePortEvidence(sp, 3));
    if (clusterFallback) out.push(fallback(null, e, 'cluster', e.clusterEndpoints, ev));
    if (localFallback) out.push(fallback(ctx.node, e, 'local', e.localEndpoints, ev));
  }
  return out;
}

function fallback(node: string | null, e: ExpectedServicePort, policy: 'cluster' | 'local', eps: ExpectedEndpoint[], ev: Finding['evidence']): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const list = eps.map((ep) => `${formatEndpoint(ep.ip, ep.port)}${ep.pod ? ` (${ep.pod})` : ''}`);
  return makeFinding({
    check: 'terminating-fallback',
    severity: 'info',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: policy === 'cluster' ? `${label} only has terminating endpoints` : `${label} only has terminating local endpoints on ${node}`,
    message:
      `${policy === 'cluster' ? label : `On ${node}, ${label}`} has no ready ${policy === 'local' ? 'local ' : ''}endpoint, so kube-proxy sends its ${policy}-path traffic to ` +
      `endpoints that are still serving but terminating: ${listSome(list)}. This is kube-proxy's graceful fallback during a rollout or scale-down; ` +
      'once those pods exit the Service has no endpoints. If it lasts, check why no new pod becomes ready.',
    nextSteps: [getSlices(e.id.namespace, e.id.name), podsBySelector(e.id.namespace, e.service.spec.selector)],
    evidence: [
      ...(node ? ev : []),
      ...eps.slice(0, 4).map((ep) => apiEvidence(`EndpointSlice ${e.id.namespace}/${ep.slice}: ${formatEndpoint(ep.ip, ep.port)} ${describeConditions(ep)}`)),
    ],
  });
}
