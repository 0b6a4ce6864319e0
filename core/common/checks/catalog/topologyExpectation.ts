import type { ClusterIndex, ExpectedEndpoint, ExpectedServicePort, Finding, ProgrammedBackend } from '../../model';
import { LABEL_TOPOLOGY_ZONE } from '../../kube/clusterIndex';
import type { NodeCheckContext, PortJoin } from '../context';
import { usesClusterPath } from '../context';
import { endpointAt, endpointIndex, hasPort } from '../endpointIndex';
import { findingPort, formatEndpoint, serviceRef, servicePortLabel } from '../keys';
import { apiEvidence, listSome, makeFinding, plural } from '../makeFinding';
import { describeService, getSlices, kubeProxyLogs } from '../nextSteps';
import { evidenceForService } from './serviceEvidence';

// topology-expectation (C29): topology-aware routing (trafficDistribution / topology hints) as
// kube-proxy applies it (pkg/proxy/topology.go: hints are used only when EVERY ready endpoint has
// one and one names this node / its zone). high: the node's cluster path reaches ready endpoints
// outside the subset kube-proxy should narrow to, i.e. the hints are not applied here (old
// kube-proxy, feature gate off, not synced). info: hints exist but kube-proxy silently uses all
// endpoints (some endpoint has no hint, the node has no zone label, no hint names its zone).
// Backends missing from the subset are missing-backend's business.

export function checkTopologyExpectation(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster) return [];
  const out: Finding[] = [];
  const expected = cluster.expected;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (e.proxied && e.topology === 'hints-incomplete' && usesClusterPath(e)) out.push(silentFallback(ctx.node, cluster.index, e));
  }
  const joins = cluster.joins;
  for (let i = 0; i < joins.length; i++) {
    const j = joins[i];
    const e = j.e;
    if (!e || !e.proxied || j.orphan || (e.topology !== 'prefer-same-zone' && e.topology !== 'prefer-same-node')) continue;
    const outside = outsideSubset(j, e);
    if (outside.length > 0) out.push(notApplied(ctx.node, cluster.index, e, outside));
  }
  return out;
}

/** Programmed cluster-path backends that are ready endpoints of the Service but outside the topology subset. */
function outsideSubset(j: PortJoin, e: ExpectedServicePort): { backend: ProgrammedBackend; ep: ExpectedEndpoint }[] {
  const idx = endpointIndex(e);
  const out: { backend: ProgrammedBackend; ep: ExpectedEndpoint }[] = [];
  for (const sp of j.sps) {
    for (const b of sp.clusterPath?.backends ?? []) {
      if (hasPort(idx.cluster, b.ip, b.port)) continue;
      const ep = endpointAt(idx, b.ip, b.port);
      if (ep && ep.ready) out.push({ backend: b, ep });
    }
  }
  return out;
}

function where(ep: ExpectedEndpoint): string {
  return [ep.zone ? `zone ${ep.zone}` : '', ep.nodeName ? `node ${ep.nodeName}` : ''].filter(Boolean).join(', ') || 'no zone';
}

function notApplied(node: string, index: ClusterIndex, e: ExpectedServicePort, outside: { backend: ProgrammedBackend; ep: ExpectedEndpoint }[]): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const mode = e.topology === 'prefer-same-node' ? `node ${node}` : `zone ${index.nodeZones.get(node) ?? '?'}`;
  const list = outside.map(({ ep }) => `${formatEndpoint(ep.ip, ep.port)} (${where(ep)})`);
  return makeFinding({
    check: 'topology-expectation',
    severity: 'high',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label} on ${node} ignores topology: it also routes to ${plural(outside.length, 'endpoint')} outside ${mode}`,
    message:
      `Every ready endpoint of ${label} has a topology hint and the hints name ${mode}, so kube-proxy on ${node} should only use the ` +
      `${plural(e.clusterEndpoints.length, 'endpoint')} hinted for it. The rules also send traffic to ${listSome(list)}. ` +
      'Cross-zone traffic costs latency and money, and the hints exist to keep it local. kube-proxy may be older than the hint kind ' +
      '(PreferSameNode needs v1.33+), run with topology feature gates off, or not have synced the latest slices.',
    nextSteps: [getSlices(e.id.namespace, e.id.name), describeService(e.id.namespace, e.id.name), ...kubeProxyLogs(node)],
    evidence: [
      evidenceForService(e.service, `trafficDistribution ${e.service.spec.trafficDistribution ?? '(unset)'}; expected on ${node}: ${e.clusterEndpoints.map((x) => formatEndpoint(x.ip, x.port)).join(', ')}`),
      ...outside.flatMap(({ backend }) => backend.evidence.slice(0, 2)),
    ],
  });
}

/** Why kube-proxy uses every endpoint although some have hints. */
function silentFallback(node: string, index: ClusterIndex, e: ExpectedServicePort): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const zone = index.nodeZones.get(node);
  const family = e.clusterIP?.includes(':') ? 'IPv6' : 'IPv4';
  let ready = 0;
  let unhinted = 0;
  let forZone = 0;
  for (const slice of index.slicesByService.get(serviceRef(e.id)) ?? []) {
    if (slice.addressType !== family) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep?.conditions?.ready === false) continue;
      ready++;
      const zones = ep.hints?.forZones ?? [];
      if (zones.length === 0 && (ep.hints?.forNodes ?? []).length === 0) unhinted++;
      if (zone && zones.some((z) => z?.name === zone)) forZone++;
    }
  }
  const reasons: string[] = [];
  if (!zone) reasons.push(`node ${node} has no ${LABEL_TOPOLOGY_ZONE} label, so no zone hint can match it`);
  if (unhinted > 0) reasons.push(`${unhinted} of ${ready} ready endpoints have no hint (the EndpointSlice controller drops hints it cannot allocate safely, e.g. too few endpoints per zone)`);
  if (zone && unhinted === 0 && forZone === 0) reasons.push(`no endpoint is hinted for zone ${zone}`);
  if (reasons.length === 0) reasons.push('the hints do not cover every ready endpoint');
  return makeFinding({
    check: 'topology-expectation',
    severity: 'info',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label}: topology hints are not used on ${node}, traffic goes to all endpoints`,
    message:
      `Some endpoints of ${label} carry topology hints, but kube-proxy on ${node} uses all ${plural(e.clusterEndpoints.length, 'endpoint')} ` +
      `because ${reasons.join('; ')}. kube-proxy falls back silently, so traffic may cross zones although the Service asks for topology-aware routing.`,
    nextSteps: [getSlices(e.id.namespace, e.id.name), `kubectl get node ${node} -L ${LABEL_TOPOLOGY_ZONE}`],
    evidence: [
      evidenceForService(e.service, `trafficDistribution ${e.service.spec.trafficDistribution ?? '(unset)'}`),
      apiEvidence(`Node ${node}: ${LABEL_TOPOLOGY_ZONE}=${zone ?? '(none)'}`),
    ],
  });
}
