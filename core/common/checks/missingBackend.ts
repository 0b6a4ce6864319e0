import type { ExpectedEndpoint, ExpectedServicePort, Finding, ProgrammedServicePort } from '../model';
import type { ClusterIndex } from '../model';
import type { NodeCheckContext } from './context';
import { usesClusterPath, usesLocalPath } from './context';
import { pathReaches, pathsOf } from './endpointIndex';
import { joinStatus } from './joinStatus';
import { servicePortEvidence } from './evidenceOf';
import { endpointKey, findingPort, formatEndpoint, serviceRef, servicePortLabel } from './keys';
import { apiEvidence, listSome, makeFinding, plural } from './makeFinding';
import { getSlices, grepRules, kubeProxyLogs, restartKubeProxy } from './nextSteps';
import { describeConditions, describePod, podOfEndpoint } from './podFacts';

// missing-backend (C11): endpoints kube-proxy would select for this node and path that the rules
// do not reach. A Service port with no rules at all is service-not-programmed instead, and a
// path emptied by a stale REJECT is no-endpoints: one finding per root cause.

export function checkMissingBackends(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster) return [];
  const out: Finding[] = [];
  const joins = cluster.joins;
  for (let i = 0; i < joins.length; i++) {
    const j = joins[i];
    const status = joinStatus(j);
    const e = j.e;
    // Both paths as kube-proxy selected them: the usual case, nothing more to look at.
    if (!status || !e || (status.clusterOk && status.localOk)) continue;
    const sps = j.sps;
    for (const policy of ['cluster', 'local'] as const) {
      if (policy === 'cluster' ? status.clusterOk : status.localOk) continue;
      const want = policy === 'cluster' ? e.clusterEndpoints : e.localEndpoints;
      if (want.length === 0 || !(policy === 'cluster' ? usesClusterPath(e) : usesLocalPath(e))) continue;
      const paths = pathsOf(sps, policy);
      if (paths.every((p) => p.backends.length === 0)) {
        const staleReject = sps.some((sp) => sp.markers.some((m) => m.kind === 'reject' && m.reason === 'no-endpoints'));
        if (!staleReject) out.push(emptyPathFinding(ctx.node, e, sps, policy, dedupe(want)));
        continue;
      }
      let reported: Set<string> | undefined;
      for (const ep of want) {
        if (paths.some((p) => pathReaches(p, ep.ip, ep.port))) continue;
        const k = endpointKey(ep.ip, ep.port);
        if (reported?.has(k)) continue;
        (reported ??= new Set()).add(k);
        out.push(missingFinding(ctx.node, cluster.index, e, sps, policy, ep));
      }
    }
  }
  return out;
}

function dedupe(eps: ExpectedEndpoint[]): ExpectedEndpoint[] {
  const seen = new Set<string>();
  return eps.filter((ep) => {
    const k = endpointKey(ep.ip, ep.port);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function pathChain(sps: ProgrammedServicePort[], policy: 'cluster' | 'local'): string | undefined {
  for (const sp of sps) {
    const p = policy === 'cluster' ? sp.clusterPath : sp.localPath;
    if (p) return p.chain;
  }
  return undefined;
}

function pathEvidenceOf(sps: ProgrammedServicePort[], policy: 'cluster' | 'local') {
  for (const sp of sps) {
    const p = policy === 'cluster' ? sp.clusterPath : sp.localPath;
    if (p && (p.evidence.length > 0 || p.steps.length > 0)) return [...p.evidence, ...p.steps.map((s) => s.evidence)];
  }
  return sps.flatMap((sp) => servicePortEvidence(sp, 4));
}

function missingFinding(
  node: string,
  index: ClusterIndex,
  e: ExpectedServicePort,
  sps: ProgrammedServicePort[],
  policy: 'cluster' | 'local',
  ep: ExpectedEndpoint,
): Finding {
  const epText = formatEndpoint(ep.ip, ep.port);
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const chain = pathChain(sps, policy);
  const pod = podOfEndpoint(index, ep);
  const podText = ep.pod ? ` (pod ${ep.pod}${pod ? `: ${describePod(pod)}` : ''})` : '';
  return makeFinding({
    check: 'missing-backend',
    severity: 'high',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    endpoint: epText,
    pod: ep.pod ?? null,
    title: `${label} on ${node} does not reach endpoint ${epText}${ep.pod ? ` (pod ${ep.pod})` : ''}`,
    message:
      `EndpointSlice ${ep.slice} lists ${epText}${podText} with ${describeConditions(ep)}, so kube-proxy should send part of ${label}'s ` +
      `${policy}-path traffic there, but ${chain ?? `the ${policy} path`} on ${node} has no rule for it. ` +
      'That pod gets no traffic from this node and the others get more; it usually means kube-proxy here missed the latest EndpointSlice update.',
    nextSteps: [getSlices(e.id.namespace, e.id.name), ...(chain ? [grepRules(node, chain)] : []), ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence: [
      ...pathEvidenceOf(sps, policy).slice(0, 4),
      apiEvidence(`EndpointSlice ${e.id.namespace}/${ep.slice}: ${epText} ${describeConditions(ep)}${ep.nodeName ? ` node=${ep.nodeName}` : ''}`),
    ],
  });
}

function emptyPathFinding(
  node: string,
  e: ExpectedServicePort,
  sps: ProgrammedServicePort[],
  policy: 'cluster' | 'local',
  want: ExpectedEndpoint[],
): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const chain = pathChain(sps, policy);
  const eps = want.map((ep) => formatEndpoint(ep.ip, ep.port));
  return makeFinding({
    check: 'missing-backend',
    severity: 'critical',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label} on ${node} has no backends on its ${policy} path`,
    message:
      `The Service has ${plural(want.length, 'endpoint')} kube-proxy should use for ${policy}-policy traffic on ${node} (${listSome(eps)}), ` +
      `but ${chain ? `chain ${chain} reaches none of them` : `the rules have no ${policy === 'cluster' ? 'KUBE-SVC' : 'KUBE-SVL'} path`}. ` +
      `${policy === 'cluster' ? 'Connections to the Service from this node' : 'Local-policy connections arriving at this node'} cannot reach any pod.`,
    nextSteps: [getSlices(e.id.namespace, e.id.name), ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence: [
      ...sps.flatMap((sp) => servicePortEvidence(sp, 4)),
      apiEvidence(`Service ${serviceRef(e.id)} ${policy} endpoints for ${node}: ${listSome(eps)}`),
    ],
  });
}
