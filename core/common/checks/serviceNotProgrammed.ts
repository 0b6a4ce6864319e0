import type { ExpectedServicePort, Finding, ProgrammedServicePort } from '../model';
import type { NodeCheckContext } from './context';
import { expectedKey } from './context';
import type { ExpectedFrontend } from './frontends';
import { allFrontendsCovered, covers, expectedFrontends } from './frontends';
import { servicePortEvidence } from './evidenceOf';
import { findingPort, serviceRef, servicePortLabel } from './keys';
import { apiEvidence, listSome, makeFinding, plural } from './makeFinding';
import { describeService, getSlices, grepRules, kubeProxyLogs, restartKubeProxy } from './nextSteps';

// service-not-programmed (C08): a proxied Service port with endpoints this node should use that
// has no rules here at all, or lacks the entry rule for one of its addresses. Services kube-proxy
// leaves alone by design (headless, ExternalName, service-proxy-name) have proxied=false and
// ipMode Proxy ingress IPs are not in loadBalancerIPs, so neither can show up here (C32).

export function checkServiceNotProgrammed(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster) return [];
  if (ctx.programmed.servicePorts.length === 0) {
    const candidates = cluster.expected.filter(wantsRules);
    return candidates.length === 0 ? [] : [nothingProgrammed(ctx, candidates)];
  }
  const out: Finding[] = [];
  const expected = cluster.expected;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (!wantsRules(e)) continue;
    const sps = cluster.programmedByKey.get(expectedKey(e));
    if (!sps) {
      out.push(notProgrammed(ctx.node, e));
      continue;
    }
    // A REJECT/DROP whose address the decoder could not tell may cover any frontend: stay quiet.
    if (hasUnplacedMarker(sps)) continue;
    if (allFrontendsCovered(sps, e)) continue;
    let missing: ExpectedFrontend[] | undefined;
    for (const f of expectedFrontends(e)) if (!covers(sps, f)) (missing ??= []).push(f);
    if (missing) out.push(frontendsMissing(ctx.node, e, sps, missing));
  }
  return out;
}

/** A proxied Service port with endpoints this node should use. */
function wantsRules(e: ExpectedServicePort): boolean {
  return e.proxied && e.clusterEndpoints.length + e.localEndpoints.length > 0;
}

function hasUnplacedMarker(sps: ProgrammedServicePort[]): boolean {
  for (let s = 0; s < sps.length; s++) {
    const markers = sps[s].markers;
    for (let i = 0; i < markers.length; i++) if (!markers[i].frontend) return true;
  }
  return false;
}

function endpointCount(e: ExpectedServicePort): number {
  const s = new Set<string>();
  for (const ep of e.clusterEndpoints) s.add(`${ep.ip}:${ep.port}`);
  for (const ep of e.localEndpoints) s.add(`${ep.ip}:${ep.port}`);
  return s.size;
}

function apiLine(e: ExpectedServicePort): string {
  const p = e.servicePort;
  return `Service ${serviceRef(e.id)} port ${p.name ? `"${p.name}" ` : ''}${p.port}/${p.protocol ?? 'TCP'}` +
    `${e.clusterIP ? ` clusterIP ${e.clusterIP}` : ''}${e.nodePort ? ` nodePort ${e.nodePort}` : ''}: ` +
    `${plural(endpointCount(e), 'endpoint')} for this node`;
}

function notProgrammed(node: string, e: ExpectedServicePort): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const addrs = expectedFrontends(e).map((f) => f.label);
  return makeFinding({
    check: 'service-not-programmed',
    severity: 'critical',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label} is not programmed on ${node}`,
    message:
      `${label} has ${plural(endpointCount(e), 'endpoint')} kube-proxy should use on ${node}, but the node has no kube-proxy rules for it ` +
      `(${listSome(addrs)}). Connections from this node or its pods to the Service are not load-balanced and fail. ` +
      'kube-proxy adds rules for a new Service within a sync period, so a Service that stays missing means kube-proxy on this node is not syncing or cannot see the Service.',
    nextSteps: [describeService(e.id.namespace, e.id.name), getSlices(e.id.namespace, e.id.name), ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence: [apiEvidence(apiLine(e))],
  });
}

function frontendsMissing(node: string, e: ExpectedServicePort, sps: ProgrammedServicePort[], missing: ExpectedFrontend[]): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const clusterIpMissing = missing.some((f) => f.kind === 'cluster-ip');
  const chain = sps[0].clusterPath?.chain ?? sps[0].localPath?.chain ?? sps[0].chains[0];
  return makeFinding({
    check: 'service-not-programmed',
    severity: clusterIpMissing ? 'critical' : 'high',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label} on ${node} has no rule for ${listSome(missing.map((f) => f.label), 3)}`,
    message:
      `${label} has rules on ${node}, but none that catches traffic to ${listSome(missing.map((f) => f.label))}, ` +
      'so connections to that address are not load-balanced on this node. kube-proxy writes one entry rule per Service address ' +
      '(KUBE-SERVICES / KUBE-NODEPORTS); a missing one means its last sync did not complete or the Service changed since.',
    nextSteps: [describeService(e.id.namespace, e.id.name), ...(chain ? [grepRules(node, chain)] : []), ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence: [...sps.flatMap((sp) => servicePortEvidence(sp, 4)), apiEvidence(apiLine(e))],
  });
}

function nothingProgrammed(ctx: NodeCheckContext, candidates: ExpectedServicePort[]): Finding {
  const node = ctx.node;
  const labels = candidates.map((e) => servicePortLabel(e.id, findingPort(e.id, e)));
  return makeFinding({
    check: 'service-not-programmed',
    severity: 'critical',
    node,
    title: `No Service is programmed on ${node} (${ctx.programmed.mode}, IPv${ctx.programmed.family})`,
    message:
      `${plural(candidates.length, 'Service port')} with endpoints (${listSome(labels)}) should have kube-proxy rules on ${node}, ` +
      `but ${ctx.programmed.facts.file} holds no kube-proxy Service rules at all. Either kube-proxy is not running on this node, ` +
      'it runs in another mode (nftables, IPVS) or another component replaces it (e.g. Cilium), or the dump was taken from the wrong iptables backend.',
    nextSteps: [
      ...kubeProxyLogs(node),
      `curl -s http://127.0.0.1:10249/proxyMode   # on ${node}`,
      `on ${node}: iptables-legacy-save -t nat | grep -c KUBE-SVC; iptables-nft-save -t nat | grep -c KUBE-SVC`,
    ],
    evidence: [
      { node, file: ctx.programmed.facts.file, line: 0, raw: '(no kube-proxy Service rules in this dump)' },
      apiEvidence(apiLine(candidates[0])),
    ],
  });
}
