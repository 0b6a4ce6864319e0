import type { ExpectedServicePort, Finding, ProgrammedFrontend, ProgrammedServicePort, Service } from '../model';
import type { NodeCheckContext } from './context';
import { expectedFrontends, hostIs, stripHostMask } from './frontends';
import { servicePortEvidence } from './evidenceOf';
import { findingPort, serviceRef, servicePortLabel } from './keys';
import { listSome, makeFinding, plural } from './makeFinding';
import { describeService, grepRules, kubeProxyLogs, restartKubeProxy } from './nextSteps';
import type { OrphanStatus } from './orphanStatus';
import { NOT_PROXIED_TEXT } from './orphanStatus';

// orphan-rules (C09): rules for a Service port the API does not have (any more), reported once per
// Service port. Referenced rules (an entry rule or REJECT/DROP still matches traffic) are high;
// chains nothing jumps to are low. Also: entry rules for an address the Service no longer has,
// and kube-proxy chains that map to nothing.

export function checkOrphanRules(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster) return [];
  const out: Finding[] = [];
  const reportedChains = new Set<string>();
  const report = (group: ProgrammedServicePort[], status: OrphanStatus) => {
    for (const g of group) for (const c of g.chains) reportedChains.add(c);
    out.push(orphanFinding(ctx.node, group, status));
  };
  const joins = cluster.joins;
  for (let i = 0; i < joins.length; i++) {
    const j = joins[i];
    if (j.orphan) report(j.sps, j.orphan);
    else if (j.e) for (let s = 0; s < j.sps.length; s++) staleFrontends(ctx.node, j.sps[s], j.e, out);
  }
  // Rules nothing identifies: referenced ones are orphans; the rest go to the unmapped-chains summary.
  const sps = ctx.programmed.servicePorts;
  for (let i = 0; i < sps.length; i++) {
    const sp = sps[i];
    if (!sp.id && isReferenced([sp])) report([sp], { reason: 'unmapped' });
  }
  const unmapped = ctx.programmed.facts.unmappedChains.filter((c) => !reportedChains.has(c.chain));
  if (unmapped.length > 0) out.push(unmappedFinding(ctx.node, unmapped));
  return out;
}

function isReferenced(group: ProgrammedServicePort[]): boolean {
  return group.some((sp) => sp.frontends.length > 0 || sp.markers.length > 0);
}

function orphanFinding(node: string, group: ProgrammedServicePort[], status: OrphanStatus): Finding {
  const sp = group[0];
  const id = sp.id;
  const referenced = isReferenced(group);
  const port = id ? findingPort(id, undefined, sp) : null;
  const label = id ? servicePortLabel(id, port) : sp.label;
  const chains = [...new Set(group.flatMap((g) => g.chains))];
  const effect = referenced
    ? 'Traffic to its addresses is still intercepted by these rules.'
    : 'Nothing jumps to these chains any more, so they are harmless leftovers, but kube-proxy should have deleted them.';
  let why: string;
  switch (status.reason) {
    case 'service-gone':
      why = `Service ${serviceRef(id!)} does not exist in the API, yet node ${node} still has rules for ${label}.`;
      break;
    case 'port-gone':
      why = `Service ${serviceRef(id!)} exists but has no port ${portDesc(id!.portName, id!.protocol)} any more (its ports now: ${portsOf(status.service!)}), yet node ${node} still has rules for it.`;
      break;
    case 'not-proxied':
      why = `Service ${serviceRef(id!)} should have no kube-proxy rules because ${NOT_PROXIED_TEXT[status.notProxiedReason ?? 'headless']}, yet node ${node} has rules for ${label}.`;
      break;
    default:
      why = `Chain ${chains[0] ?? sp.label} on node ${node} is entered from a Service rule but maps to no Service port: its name matches the hash of no Service in cluster.json and it carries no usable comment.`;
  }
  const steps = [
    ...kubeProxyLogs(node),
    grepRules(node, chains[0] ?? sp.label),
    restartKubeProxy(node),
  ];
  if (id) steps.unshift(describeService(id.namespace, id.name));
  return makeFinding({
    check: 'orphan-rules',
    severity: referenced ? 'high' : 'low',
    node,
    service: id ? serviceRef(id) : null,
    port,
    protocol: id?.protocol ?? null,
    title: `Leftover rules for ${label} on ${node}`,
    message: `${why} ${effect} kube-proxy removes such rules on its next successful sync, so rules that stay usually mean kube-proxy on this node is not syncing (crashed, stuck on the xtables lock, failing iptables-restore) or another tool wrote them. Chains: ${listSome(chains)}.`,
    nextSteps: steps,
    evidence: group.flatMap((g) => servicePortEvidence(g)),
  });
}

/** Whether kube-proxy would write this entry rule for the Service port today. */
function frontendExpected(e: ExpectedServicePort, f: ProgrammedFrontend): boolean {
  if (f.kind === 'node-port') return f.port === e.nodePort;
  if (f.port !== e.servicePort.port) return false;
  // The usual healthy entry rule: its ClusterIP, compared without slicing off the host mask.
  if (f.kind === 'cluster-ip' && e.clusterIP !== undefined && hostIs(f.ip ?? '', e.clusterIP)) return true;
  const ip = stripHostMask(f.ip ?? '');
  switch (f.kind) {
    case 'cluster-ip':
      return ip === e.clusterIP;
    case 'external-ip':
      return e.externalIPs.includes(ip);
    default:
      // Older kube-proxy ignores ipMode and still programs `ipMode: Proxy` ingress IPs; not an orphan.
      return e.loadBalancerIPs.includes(ip) || (e.service.status?.loadBalancer?.ingress ?? []).some((i) => i.ip === ip);
  }
}

function staleFrontends(node: string, sp: ProgrammedServicePort, e: ExpectedServicePort, out: Finding[]): void {
  if (!e.proxied) return;
  let stale: ProgrammedFrontend[] | undefined;
  for (const f of sp.frontends) if (!frontendExpected(e, f)) (stale ??= []).push(f);
  if (!stale) return;
  const port = findingPort(e.id, e);
  const label = servicePortLabel(e.id, port);
  const addrs = stale.map((f) => (f.kind === 'node-port' ? `NodePort ${f.port}` : `${f.kind} ${f.ip}:${f.port}`));
  const now = expectedFrontends(e).map((f) => f.label);
  out.push(
    makeFinding({
      check: 'orphan-rules',
      severity: 'high',
      node,
      service: serviceRef(e.id),
      port,
      protocol: e.id.protocol,
      title: `${label} has rules for an address it no longer has on ${node}`,
      message: `Node ${node} sends ${listSome(addrs)} to ${label}, but the Service's addresses are now ${now.length ? listSome(now) : 'none'}. The Service was probably changed or recreated and kube-proxy on this node has not caught up; traffic to the old address still reaches this Service.`,
      nextSteps: [describeService(e.id.namespace, e.id.name), ...kubeProxyLogs(node), restartKubeProxy(node)],
      evidence: stale.map((f) => f.evidence),
    }),
  );
}

function unmappedFinding(node: string, chains: { chain: string; evidence: Finding['evidence'][number] }[]): Finding {
  const names = chains.map((c) => c.chain).sort();
  return makeFinding({
    check: 'orphan-rules',
    severity: 'low',
    node,
    title: `${plural(names.length, 'kube-proxy chain')} on ${node} map to no Service`,
    message: `${listSome(names)} ${names.length === 1 ? 'is' : 'are'} in kube-proxy's namespace but match the hash of no Service port in cluster.json and carry no comment naming one. They are usually leftovers of deleted Services (kube-proxy deletes them on a full resync) or rules written by another tool.`,
    nextSteps: [grepRules(node, names[0]), ...kubeProxyLogs(node)],
    evidence: chains.map((c) => c.evidence),
  });
}

function portDesc(portName: string, protocol: string): string {
  return portName ? `named "${portName}" (${protocol.toUpperCase()})` : `without a name (${protocol.toUpperCase()})`;
}

function portsOf(svc: Service): string {
  const ports = (svc.spec.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}${p.name ? ` "${p.name}"` : ''}`);
  return ports.length ? ports.join(', ') : 'none';
}
