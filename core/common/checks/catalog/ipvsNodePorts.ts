import type { ExpectedServicePort, Finding } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { findingPort, formatEndpoint, serviceRef, servicePortLabel } from '../keys';
import { listSome, makeFinding, plural } from '../makeFinding';
import { kubeProxyLogs } from '../nextSteps';
import { ipvsList } from './catalogSteps';
import { dumpLine } from './dumpLine';
import { virtualServers } from './ipvsServices';

// ipvs-structure (C22), NodePorts: kube-proxy creates one virtual server per node IP and NodePort
// (pkg/proxy/ipvs/proxier.go, node IPs from --nodeport-addresses, default all local addresses).
// Reported when a NodePort has virtual servers on some of the node's addresses (InternalIP /
// ExternalIP of the Node object that ip-addr.txt shows as local) but not on others; a NodePort with
// no virtual server at all is service-not-programmed's finding.

export function checkIpvsNodePorts(ctx: NodeLevelContext): Finding[] {
  const ipvs = ctx.dumps.ipvs;
  if (!ipvs || !ctx.index) return [];
  const local = ctx.dumps.ipAddr ? new Set(ctx.dumps.ipAddr.dump.addresses.filter((a) => a.ifname !== 'kube-ipvs0').map((a) => a.address.toLowerCase())) : null;
  const nodeIps = (ctx.index.nodeAddresses.get(ctx.node) ?? []).map((ip) => ip.toLowerCase()).filter((ip) => !local || local.has(ip));
  if (nodeIps.length === 0) return [];
  const present = new Set<string>();
  const byPort = new Map<string, ReturnType<typeof virtualServers>>();
  for (const v of virtualServers(ctx)) {
    const a = v.vs.address!;
    present.add(vsKey(a.ip, a.port, v.protocol));
    if (v.ref?.kind !== 'node-port') continue;
    const k = `${a.port}|${v.protocol}`;
    const list = byPort.get(k);
    if (list) list.push(v);
    else byPort.set(k, [v]);
  }
  const out: Finding[] = [];
  for (const fam of ctx.perFamily) {
    const cluster = fam.cluster;
    if (!cluster) continue;
    const family = fam.programmed.family;
    const ips = nodeIps.filter((ip) => (ip.includes(':') ? 6 : 4) === family);
    for (const e of cluster.expected) {
      if (!e.proxied || !e.nodePort) continue;
      const have = byPort.get(`${e.nodePort}|${e.id.protocol}`)?.filter((v) => v.vs.family === family);
      if (!have || have.length === 0) continue;
      const missing = ips.filter((ip) => !present.has(vsKey(ip, e.nodePort!, e.id.protocol)));
      if (missing.length > 0) out.push(finding(ctx.node, ipvs.file, e, missing, have));
    }
  }
  return out;
}

/** `ip|port|proto` of a virtual server or of a wanted one. */
function vsKey(ip: string, port: number, protocol: string): string {
  return `${ip.toLowerCase()}|${port}|${protocol}`;
}

function finding(node: string, file: string, e: ExpectedServicePort, missing: string[], have: ReturnType<typeof virtualServers>): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const np = e.nodePort!;
  return makeFinding({
    check: 'ipvs-structure',
    severity: 'medium',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label}: NodePort ${np} has no IPVS virtual server on ${listSome(missing.map((ip) => formatEndpoint(ip, np)))} of ${node}`,
    message:
      `kube-proxy creates a virtual server for NodePort ${np} on each address of ${node}, and has one on ${listSome(have.map((v) => v.label))}, ` +
      `but not on ${plural(missing.length, 'node address', 'node addresses')} ${listSome(missing)}. Clients that use ${missing.length === 1 ? 'that address' : 'those addresses'} ` +
      'are not load-balanced (connection refused or timeout), unless --nodeport-addresses deliberately leaves them out.',
    nextSteps: [ipvsList(node), ...kubeProxyLogs(node)],
    evidence: have.slice(0, 6).map((v) => dumpLine(node, file, v.vs)),
  });
}
