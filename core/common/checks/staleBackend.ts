import type { ExpectedServicePort, Finding, Pod } from '../model';
import type { ClusterCheckData, NodeCheckContext, PathBackend } from './context';
import { joinStatus } from './joinStatus';
import { endpointKey, findingPort, formatEndpoint, serviceRef, servicePortLabel } from './keys';
import { listSome, makeFinding } from './makeFinding';
import { findPodByIp, getSlices, kubeProxyLogs, restartKubeProxy } from './nextSteps';
import { describePod, podRef, selectorMatches } from './podFacts';

// stale-backend (C10): a programmed backend whose ip:port is in none of the Service's
// EndpointSlices for that port. Orphaned Service ports are left to orphan-rules.

export function checkStaleBackends(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster) return [];
  const out: Finding[] = [];
  const joins = cluster.joins;
  for (let i = 0; i < joins.length; i++) {
    const j = joins[i];
    const status = joinStatus(j);
    if (!status || status.anomalies.length === 0) continue;
    let stale: Map<string, PathBackend[]> | undefined;
    for (const a of status.anomalies) {
      if (a.ep) continue;
      // An IPVS real server at weight 0 takes no new connections: kube-proxy drains a removed
      // endpoint that way (pkg/proxy/ipvs/graceful_termination.go); ipvs-weight-zero judges it.
      if (a.backend.weight === 0) continue;
      stale ??= new Map();
      const k = endpointKey(a.backend.ip, a.backend.port);
      const pb = { policy: a.policy, backend: a.backend };
      const list = stale.get(k);
      if (list) list.push(pb);
      else stale.set(k, [pb]);
    }
    if (stale) for (const pbs of stale.values()) out.push(staleFinding(ctx.node, cluster, j.e!, pbs));
  }
  return out;
}

function staleFinding(node: string, cluster: ClusterCheckData, e: ExpectedServicePort, pbs: PathBackend[]): Finding {
  const { ip, port } = pbs[0].backend;
  const ep = formatEndpoint(ip, port);
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const paths = [...new Set(pbs.map((p) => p.policy))].map((p) => `${p} path`).join(' and ');
  const chains = [...new Set(pbs.map((p) => p.backend.chain).filter((c): c is string => !!c))];
  const pods = cluster.index.podsByIp.get(ip) ?? [];
  const otherPorts = e.allEndpoints.filter((x) => x.ip === ip).map((x) => x.port);
  const { title, cause, pod } = classify(`${label} on ${node}`, ip, ep, e, pods, otherPorts);
  return makeFinding({
    check: 'stale-backend',
    severity: 'critical',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    endpoint: ep,
    pod,
    title,
    message:
      `kube-proxy on ${node} still sends ${label} traffic to ${ep} (${paths}${chains.length ? `, ${listSome(chains, 2)}` : ''}), ` +
      `but no EndpointSlice of the Service lists ${ep}. ${cause} Connections sent there fail or reach the wrong application. ` +
      'kube-proxy drops such backends on its next sync, so one that stays means kube-proxy on this node is not syncing ' +
      '(or cluster.json was captured after the dump).',
    nextSteps: [getSlices(e.id.namespace, e.id.name), findPodByIp(ip), ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence: pbs.flatMap((p) => p.backend.evidence),
  });
}

function classify(
  label: string,
  ip: string,
  ep: string,
  e: ExpectedServicePort,
  pods: Pod[],
  otherPorts: number[],
): { title: string; cause: string; pod: string | null } {
  if (otherPorts.length > 0) {
    return {
      title: `${label} still routes to old port ${ep}`,
      cause: `The same IP is an endpoint with port ${otherPorts.join(', ')} now: the Service's targetPort (or the pod's container port) changed and the rules still use the old port.`,
      pod: null,
    };
  }
  if (pods.length === 0) {
    return {
      title: `${label} still routes to ${ep}, a pod that no longer exists`,
      cause: `No pod in cluster.json has IP ${ip}: the pod behind it was deleted.`,
      pod: null,
    };
  }
  const owner = pods[0];
  const ns = e.id.namespace;
  const sel = e.service.spec.selector;
  const matchesService = (owner.metadata.namespace ?? 'default') === ns && !!sel && Object.keys(sel).length > 0 && selectorMatches(sel, owner.metadata.labels);
  const others = pods.length > 1 ? ` (${pods.length} pods share this IP, e.g. host-network pods)` : '';
  if (matchesService) {
    return {
      title: `${label} routes to ${ep} (pod ${podRef(owner)}), which is not in the Service's EndpointSlices`,
      cause: `The IP belongs to pod ${podRef(owner)} (${describePod(owner)}), which matches the Service's selector but is not listed in its EndpointSlices${others}.`,
      pod: podRef(owner),
    };
  }
  return {
    title: `${label} still routes to ${ep}, an IP now used by pod ${podRef(owner)}`,
    cause: `The IP was reused: it now belongs to pod ${podRef(owner)} (${describePod(owner)}), which is not part of this Service${others}.`,
    pod: podRef(owner),
  };
}
