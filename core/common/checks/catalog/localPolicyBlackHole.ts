import type { ExpectedServicePort, Finding, Pod, ProgrammedServicePort } from '../../model';
import type { NodeCheckContext } from '../context';
import { expectedKey } from '../context';
import { servicePortEvidence } from '../evidenceOf';
import { findingPort, serviceRef, servicePortLabel } from '../keys';
import { listSome, makeFinding, plural } from '../makeFinding';
import { describeService, getSlices } from '../nextSteps';
import { podRef } from '../podFacts';
import { onNode, podsOnNode } from './catalogSteps';
import { podsOnNodeIn } from './podsOnNode';
import { evidenceForService } from './serviceEvidence';

// local-policy-black-hole (C18): internalTrafficPolicy or externalTrafficPolicy Local and no local
// endpoint on this node. iptables and nftables then DROP that traffic on purpose ("has no local
// endpoints", pkg/proxy/iptables/proxier.go); IPVS instead falls back to the cluster endpoints
// (k/k#97081). Expected behaviour, so info, except when this node runs Pods of the Service's
// namespace: with ITP=Local those are likely clients whose calls vanish (high). Whether a cloud
// load balancer still sends ETP=Local traffic here cannot be seen from a snapshot (that is what the
// healthCheckNodePort is for), so that case stays info and says how to verify it.

export function checkLocalPolicyBlackHole(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster) return [];
  const out: Finding[] = [];
  const ipvs = ctx.programmed.mode === 'ipvs';
  for (const e of cluster.expected) {
    if (!e.proxied || e.localEndpoints.length > 0) continue;
    const itp = e.internalPolicyLocal;
    const etp = e.externalPolicyLocal && e.hasExternal;
    if (!itp && !etp) continue;
    // No usable endpoint anywhere: the Service is empty, which no-endpoints reports.
    if (!e.allEndpoints.some((ep) => ep.ready || (ep.serving && ep.terminating))) continue;
    const sps = cluster.programmedByKey.get(expectedKey(e)) ?? [];
    if (itp) {
      const endpointPods = new Set(e.allEndpoints.map((ep) => ep.pod));
      const clients = ipvs ? [] : podsOnNodeIn(cluster.index, ctx.node, e.id.namespace).filter((p) => !endpointPods.has(podRef(p)));
      out.push(internalFinding(ctx.node, e, sps, ipvs, clients));
    }
    if (etp) out.push(externalFinding(ctx.node, e, sps, ipvs, cluster.index.nodeAddresses.get(ctx.node) ?? []));
  }
  return out;
}

function dropEvidence(sps: ProgrammedServicePort[]): Finding['evidence'] {
  const out: Finding['evidence'] = [];
  for (const sp of sps) for (const m of sp.markers) if (m.reason === 'no-local-endpoints') out.push(m.evidence);
  if (out.length === 0) for (const sp of sps) out.push(...servicePortEvidence(sp, 3));
  return out;
}

function remoteCount(e: ExpectedServicePort): string {
  return plural(e.allEndpoints.filter((ep) => ep.ready).length, 'ready endpoint');
}

function internalFinding(node: string, e: ExpectedServicePort, sps: ProgrammedServicePort[], ipvs: boolean, clients: Pod[]): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const { namespace: ns, name } = e.id;
  const evidence = [evidenceForService(e.service, `internalTrafficPolicy=Local; no endpoint on node ${node}, ${remoteCount(e)} elsewhere`), ...dropEvidence(sps)];
  const base = { check: 'local-policy-black-hole' as const, node, service: serviceRef(e.id), port: portLabel, protocol: e.id.protocol, evidence };
  if (ipvs) {
    return makeFinding({
      ...base,
      severity: 'info',
      title: `${label} has no local endpoint on ${node}; IPVS uses the cluster endpoints instead`,
      message:
        `${label} has internalTrafficPolicy=Local and no endpoint on ${node}. In IPVS mode kube-proxy does not drop this traffic: it falls back to ` +
        'the endpoints on other nodes (k/k#97081), so Pods here still reach the Service, just not locally. On iptables or nftables nodes the same traffic is dropped.',
      nextSteps: [getSlices(ns, name)],
    });
  }
  if (clients.length > 0) {
    const names = clients.map(podRef);
    return makeFinding({
      ...base,
      severity: 'high',
      title: `${label}: calls from Pods on ${node} are dropped (internalTrafficPolicy=Local, no local endpoint)`,
      message:
        `${label} has internalTrafficPolicy=Local, so kube-proxy on ${node} may only use endpoints on ${node}, and there are none ` +
        `(${remoteCount(e)} on other nodes). Traffic from this node to the Service is dropped, and ${node} runs ${plural(clients.length, 'Pod')} in ${ns} ` +
        `that may be clients: ${listSome(names)}. Their connections time out. Either run an endpoint on every node with clients (e.g. a DaemonSet), ` +
        'or set internalTrafficPolicy back to Cluster.',
      nextSteps: [podsOnNode(node, ns), getSlices(ns, name), describeService(ns, name)],
    });
  }
  return makeFinding({
    ...base,
    severity: 'info',
    title: `${label} has no local endpoint on ${node}: its ClusterIP traffic from there is dropped`,
    message:
      `${label} has internalTrafficPolicy=Local and no endpoint on ${node} (${remoteCount(e)} on other nodes), so kube-proxy drops traffic from ${node} ` +
      `to the Service, as designed. No Pod of namespace ${ns} runs on ${node}, so probably nobody there calls it; a client in another namespace would time out.`,
    nextSteps: [podsOnNode(node), getSlices(ns, name)],
  });
}

function externalFinding(node: string, e: ExpectedServicePort, sps: ProgrammedServicePort[], ipvs: boolean, nodeIps: string[]): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const { namespace: ns, name } = e.id;
  const hcnp = e.service.spec.healthCheckNodePort;
  const lb = e.loadBalancerIPs.length > 0;
  const entry = [...e.loadBalancerIPs.map((ip) => `LoadBalancer IP ${ip}`), ...e.externalIPs.map((ip) => `external IP ${ip}`), ...(e.nodePort ? [`NodePort ${e.nodePort}`] : [])];
  const evidence = [
    evidenceForService(e.service, `externalTrafficPolicy=Local${hcnp ? `, healthCheckNodePort ${hcnp}` : ''}; no endpoint on node ${node}, ${remoteCount(e)} elsewhere`),
    ...dropEvidence(sps),
  ];
  const steps = [getSlices(ns, name)];
  if (hcnp) steps.push(onNode(node, `curl -s http://${nodeIps[0] ?? '<node-ip>'}:${hcnp}/healthz   # kube-proxy answers 503 while the node has no local endpoint`));
  if (lb) steps.push(`check in the cloud console that the load balancer of ${ns}/${name} marks ${node} unhealthy`);
  return makeFinding({
    check: 'local-policy-black-hole',
    severity: 'info',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: ipvs
      ? `${label} has no local endpoint on ${node}; IPVS uses the cluster endpoints for its external traffic`
      : `${label} drops external traffic arriving at ${node} (externalTrafficPolicy=Local, no local endpoint)`,
    message: ipvs
      ? `${label} has externalTrafficPolicy=Local and no endpoint on ${node}. IPVS mode falls back to the endpoints on other nodes (k/k#97081), ` +
        'so external traffic arriving here is still served, but the client source IP is not preserved for it.'
      : `${label} has externalTrafficPolicy=Local and no endpoint on ${node} (${remoteCount(e)} elsewhere), so kube-proxy drops external traffic ` +
        `that arrives here (${listSome(entry)}), as designed. ` +
        (lb
          ? `That is only harmless if the load balancer stops sending traffic to ${node}: it should health-check ${hcnp ? `healthCheckNodePort ${hcnp}` : 'the healthCheckNodePort'}, which answers 503 here. ` +
            'Which nodes the load balancer targets is not in the snapshot, so verify it.'
          : `Clients must use the NodePort of a node that runs an endpoint.`),
    nextSteps: steps,
    evidence,
  });
}
