import type { ExpectedServicePort, Finding, ProgrammedMarker, ProgrammedServicePort } from '../model';
import type { NodeCheckContext } from './context';
import { expectedKey } from './context';
import { explainNoEndpoints } from './explainNoEndpoints';
import { findingPort, serviceRef, servicePortLabel } from './keys';
import { apiEvidence, plural, makeFinding } from './makeFinding';
import { describePodCmd, describeService, getSlices, kubeProxyLogs, podsBySelector, restartKubeProxy } from './nextSteps';

// no-endpoints (C17): a proxied Service port with no usable endpoint anywhere (kube-proxy then
// REJECTs it: "ns/name:port has no endpoints", pkg/proxy/iptables/proxier.go), explained from the
// API. That finding is about the API, so it carries node null and the per-node copies merge into
// one. The opposite, a REJECT although this node has endpoints to use, is node-specific and stale.

export function checkNoEndpoints(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster) return [];
  const out: Finding[] = [];
  const expected = cluster.expected;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (!e.proxied) continue;
    const selectable = e.clusterEndpoints.length + e.localEndpoints.length > 0;
    // Selectable endpoints are usable ones: skip the scan in the common case.
    const usable = selectable || e.allEndpoints.some((ep) => ep.ready || (ep.serving && ep.terminating));
    if (usable && !selectable) continue;
    if (usable && !hasMarkers(cluster.programmedByKey.get(expectedKey(e)))) continue;
    const sps = cluster.programmedByKey.get(expectedKey(e));
    const rejects = sps ? rejectsOf(sps) : [];
    if (!usable) out.push(noEndpointsFinding(ctx, e, rejects));
    else if (rejects.length > 0) out.push(staleRejectFinding(ctx.node, e, rejects));
  }
  return out;
}

function hasMarkers(sps: ProgrammedServicePort[] | undefined): boolean {
  if (!sps) return false;
  for (const sp of sps) if (sp.markers.length > 0) return true;
  return false;
}

function rejectsOf(sps: ProgrammedServicePort[]): ProgrammedMarker[] {
  const out: ProgrammedMarker[] = [];
  for (const sp of sps) for (const m of sp.markers) if (m.kind === 'reject' && m.reason === 'no-endpoints') out.push(m);
  return out;
}

function noEndpointsFinding(ctx: NodeCheckContext, e: ExpectedServicePort, rejects: ProgrammedMarker[]): Finding {
  const index = ctx.cluster!.index;
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const why = explainNoEndpoints(index, e);
  const steps = [describeService(e.id.namespace, e.id.name), getSlices(e.id.namespace, e.id.name), podsBySelector(e.id.namespace, e.service.spec.selector)];
  for (const p of why.pods.slice(0, 2)) {
    const [ns, name] = p.split('/');
    steps.push(describePodCmd(ns, name));
  }
  return makeFinding({
    check: 'no-endpoints',
    severity: 'high',
    node: null,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label} has no endpoints`,
    message:
      `No EndpointSlice lists a ready or serving endpoint for ${label}, so kube-proxy makes every node reject connections to it ` +
      `("connection refused", or an ICMP port-unreachable for UDP). ${why.text}`,
    nextSteps: steps,
    evidence: [...rejects.map((m) => m.evidence), apiEvidence(`Service ${serviceRef(e.id)} port ${e.servicePort.port}/${e.servicePort.protocol ?? 'TCP'}: 0 usable endpoints in ${plural((index.slicesByService.get(serviceRef(e.id)) ?? []).length, 'EndpointSlice')}`)],
  });
}

function staleRejectFinding(node: string, e: ExpectedServicePort, rejects: ProgrammedMarker[]): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const n = new Set([...e.clusterEndpoints, ...e.localEndpoints].map((ep) => `${ep.ip}:${ep.port}`)).size;
  return makeFinding({
    check: 'no-endpoints',
    severity: 'high',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label} is rejected on ${node} although it has ${plural(n, 'endpoint')}`,
    message:
      `Node ${node} still has kube-proxy's "has no endpoints" REJECT rule for ${label}, but the Service now has ${plural(n, 'endpoint')} ` +
      `this node should use. Clients on or through ${node} get "connection refused". kube-proxy removes the REJECT on its next sync, ` +
      'so one that stays means kube-proxy on this node is not syncing (or cluster.json was captured after the dump).',
    nextSteps: [getSlices(e.id.namespace, e.id.name), ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence: rejects.map((m) => m.evidence),
  });
}
