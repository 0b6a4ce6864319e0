import type { ClusterIndex, ExpectedEndpoint, ExpectedServicePort, Finding } from '../model';
import type { NodeCheckContext, PathBackend } from './context';
import { usesClusterPath, usesLocalPath } from './context';
import { joinStatus } from './joinStatus';
import { endpointKey, findingPort, formatEndpoint, serviceRef, servicePortLabel } from './keys';
import { makeFinding } from './makeFinding';
import { describePodCmd, getSlices, kubeProxyLogs, restartKubeProxy } from './nextSteps';
import { describeConditions, describePod, podOfEndpoint } from './podFacts';

// not-ready-backend: a programmed backend that IS in the Service's slices but that kube-proxy
// would not pick for that path (pkg/proxy/topology.go CategorizeEndpoints): not ready while ready
// endpoints exist, not serving, on another node for a Local path, or outside the topology subset.

export function checkNotReadyBackends(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster) return [];
  const out: Finding[] = [];
  const joins = cluster.joins;
  for (let i = 0; i < joins.length; i++) {
    const j = joins[i];
    const status = joinStatus(j);
    if (!status || status.anomalies.length === 0) continue;
    let reported: Set<string> | undefined;
    for (const a of status.anomalies) {
      if (!a.ep) continue; // stale-backend
      if (a.backend.weight === 0) continue; // draining IPVS real server: ipvs-weight-zero
      const k = `${a.policy}|${endpointKey(a.backend.ip, a.backend.port)}`;
      if (reported?.has(k)) continue;
      (reported ??= new Set()).add(k);
      out.push(notSelectedFinding(ctx.node, cluster.index, j.e!, { policy: a.policy, backend: a.backend }, a.ep));
    }
  }
  return out;
}

function notSelectedFinding(node: string, index: ClusterIndex, e: ExpectedServicePort, pb: PathBackend, ep: ExpectedEndpoint): Finding {
  const epText = formatEndpoint(ep.ip, ep.port);
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const pod = podOfEndpoint(index, ep);
  const podName = ep.pod ?? null;
  const reason = whyNotSelected(node, e, pb.policy, ep);
  const podText = pod ? ` Pod ${podName}: ${describePod(pod)}.` : podName ? ` Pod ${podName} is not in cluster.json.` : '';
  const who = podName ? `pod ${podName} (${epText})` : epText;
  const notReady = !ep.ready || !ep.serving;
  const steps = [getSlices(e.id.namespace, e.id.name)];
  if (podName) {
    const [ns, name] = podName.split('/');
    steps.push(describePodCmd(ns, name));
  }
  steps.push(...kubeProxyLogs(node), restartKubeProxy(node));
  return makeFinding({
    check: 'not-ready-backend',
    severity: 'high',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    endpoint: epText,
    pod: podName,
    title: notReady
      ? `${label} on ${node} routes to not-ready ${who}`
      : `${label} on ${node} routes to ${who}, which kube-proxy would not use on the ${pb.policy} path`,
    message:
      `kube-proxy on ${node} sends ${label} traffic (${pb.policy} path${pb.backend.chain ? `, ${pb.backend.chain}` : ''}) to ${epText}, ` +
      `but kube-proxy would not select that endpoint: ${reason}. EndpointSlice ${ep.slice} says ${describeConditions(ep)}.${podText} ` +
      'Rules that disagree with the slices mean kube-proxy on this node has not applied the latest EndpointSlice update.',
    nextSteps: steps,
    evidence: pb.backend.evidence,
  });
}

function whyNotSelected(node: string, e: ExpectedServicePort, policy: 'cluster' | 'local', ep: ExpectedEndpoint): string {
  if (policy === 'local') {
    if (!usesLocalPath(e)) return 'this Service has no Local traffic policy, so kube-proxy builds no local path for it';
    if (ep.nodeName !== node) {
      return `the endpoint runs on ${ep.nodeName ? `node ${ep.nodeName}` : 'no named node'}, and a Local-policy path may only use endpoints on ${node}`;
    }
    return readinessReason(e.localEndpoints, ep, e.allEndpoints.filter((x) => x.nodeName === node), 'local');
  }
  if (!usesClusterPath(e)) {
    return 'internalTrafficPolicy is Local and no Cluster-policy external traffic exists, so kube-proxy builds no cluster path for it';
  }
  return readinessReason(e.clusterEndpoints, ep, e.allEndpoints, 'cluster');
}

function readinessReason(selected: ExpectedEndpoint[], ep: ExpectedEndpoint, candidates: ExpectedEndpoint[], what: string): string {
  const readyCount = candidates.filter((x) => x.ready).length;
  if (!ep.serving) return 'it is not serving (its pod is not ready)';
  if (!ep.ready && ep.terminating) {
    return readyCount > 0
      ? `it is terminating, and terminating endpoints are only used when no ${what} endpoint is ready (${readyCount} ${readyCount === 1 ? 'is' : 'are'})`
      : 'it is terminating';
  }
  if (!ep.ready) return 'it is not ready';
  const zone = ep.zone ? `zone ${ep.zone}` : 'no zone';
  return `topology-aware routing narrows this node's set to ${selected.length} endpoint(s) and leaves this one (${zone}${ep.nodeName ? `, node ${ep.nodeName}` : ''}) out`;
}
