import type { Evidence, Finding } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { listSome, makeFinding, plural } from '../makeFinding';
import { kubeProxyLogs, restartKubeProxy } from '../nextSteps';
import { ipvsList, kubeIpvs0 } from './catalogSteps';
import { dumpLine } from './dumpLine';
import { nodeAddresses, virtualServers } from './ipvsServices';

// ipvs-structure (C22), addresses: in IPVS mode kube-proxy binds every ClusterIP, external IP and
// LoadBalancer IP to the dummy interface kube-ipvs0 (pkg/proxy/ipvs/proxier.go), because IPVS only
// sees packets the kernel delivers locally. A virtual server whose address is not bound there gets
// no traffic; an address bound there with no virtual server is a leftover that swallows packets
// for that IP (they are delivered to the node itself). NodePort virtual servers use the node's own
// addresses and are not bound.

export function checkIpvsVipBinding(ctx: NodeLevelContext): Finding[] {
  const ipAddr = ctx.dumps.ipAddr;
  const ipvs = ctx.dumps.ipvs;
  if (!ipAddr || !ipvs) return [];
  const bound = ipAddr.dump.byInterface.get('kube-ipvs0') ?? [];
  const boundIps = new Set(bound.map((a) => a.address.toLowerCase()));
  const vsIps = new Set<string>();
  const unbound: Evidence[] = [];
  const unboundLabels: string[] = [];
  // ip-addr.txt may hold kube-ipvs0 only: then a virtual server of no known Service may be a NodePort one.
  const knowOwn = nodeAddresses(ctx).size > 0;
  for (const v of virtualServers(ctx)) {
    const ip = v.vs.address!.ip.toLowerCase();
    vsIps.add(ip);
    if (v.onNodeIp || boundIps.has(ip) || (!v.ref && !knowOwn)) continue;
    unboundLabels.push(`${v.vs.protocol} ${v.label}${v.ref ? ` (${v.ref.e.id.namespace}/${v.ref.e.id.name})` : ''}`);
    if (unbound.length < 10) unbound.push(dumpLine(ctx.node, ipvs.file, v.vs));
  }
  const out: Finding[] = [];
  const node = ctx.node;
  if (unboundLabels.length > 0) {
    out.push(
      makeFinding({
        check: 'ipvs-structure',
        severity: 'medium',
        node,
        title: `${plural(unboundLabels.length, 'IPVS virtual server')} on ${node} ${unboundLabels.length === 1 ? 'has its' : 'have their'} address missing from kube-ipvs0`,
        message:
          `kube-proxy binds every Service address to the kube-ipvs0 interface so the kernel hands packets for it to IPVS. On ${node} ${bound.length === 0 ? 'kube-ipvs0 has no addresses at all, and ' : ''}` +
          `these virtual servers have no bound address: ${listSome(unboundLabels)}. Traffic to them from this node is not load-balanced (it is routed away or dropped). ` +
          'kube-proxy re-binds addresses on every sync, so a lasting gap means it is not syncing (or ip-addr.txt was captured for another interface only).',
        nextSteps: [kubeIpvs0(node), ipvsList(node), ...kubeProxyLogs(node), restartKubeProxy(node)],
        evidence: unbound,
      }),
    );
  }
  const leftovers = bound.filter((a) => !vsIps.has(a.address.toLowerCase()));
  if (leftovers.length > 0 && ipvs.dump.services.length > 0) {
    out.push(
      makeFinding({
        check: 'ipvs-structure',
        severity: 'medium',
        node,
        title: `${plural(leftovers.length, 'address', 'addresses')} on kube-ipvs0 of ${node} ${leftovers.length === 1 ? 'has' : 'have'} no IPVS virtual server`,
        message:
          `kube-ipvs0 on ${node} holds ${listSome(leftovers.map((a) => a.address))}, but no IPVS virtual server uses ${leftovers.length === 1 ? 'it' : 'them'}. ` +
          'kube-proxy removes the address when the Service goes away; a leftover makes the node answer for that IP itself, so traffic to it from this node ' +
          'never leaves (a reused Service IP or an external IP that moved elsewhere becomes unreachable from here).',
        nextSteps: [kubeIpvs0(node), ipvsList(node), ...kubeProxyLogs(node)],
        evidence: leftovers.slice(0, 10).map((a) => dumpLine(node, ipAddr.file, a)),
      }),
    );
  }
  return out;
}
