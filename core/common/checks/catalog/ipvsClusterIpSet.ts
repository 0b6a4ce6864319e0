import type { Evidence, Finding, IpsetSet } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { listSome, makeFinding, plural } from '../makeFinding';
import { kubeProxyLogs, restartKubeProxy } from '../nextSteps';
import { ipsetList } from './catalogSteps';
import { dumpLine } from './dumpLine';
import { virtualServers } from './ipvsServices';

// ipvs-structure (C22), ipsets: kube-proxy's IPVS mode puts every ClusterIP,proto:port in the
// hash:ip,port set KUBE-CLUSTER-IP (KUBE-6-CLUSTER-IP for IPv6, pkg/proxy/ipvs/ipset.go); the
// iptables rules that masquerade off-cluster traffic to Services match it, and KUBE-IPVS-FILTER
// (k/k#72236) rejects traffic to kube-ipvs0 addresses that are in no Service set. Needs cluster.json to know which virtual servers are ClusterIPs.

const SET_NAME: Record<4 | 6, string> = { 4: 'KUBE-CLUSTER-IP', 6: 'KUBE-6-CLUSTER-IP' };

export function checkIpvsClusterIpSet(ctx: NodeLevelContext): Finding[] {
  const ipset = ctx.dumps.ipset;
  const ipvs = ctx.dumps.ipvs;
  if (!ipset || !ipvs || !ctx.index) return [];
  const members = new Map<string, Set<string>>();
  const missing: { family: 4 | 6; text: string; evidence: Evidence }[] = [];
  for (const v of virtualServers(ctx)) {
    if (v.ref?.kind !== 'cluster-ip') continue;
    const family = v.vs.family;
    const set = ipset.dump.sets.get(SET_NAME[family]);
    if (set && set.entryCount !== undefined && set.entryCount > set.members.length) continue; // capture cut short
    const keys = membersOf(members, family, set);
    const a = v.vs.address!;
    if (keys.has(`${a.ip.toLowerCase()}|${v.protocol}|${a.port}`)) continue;
    missing.push({ family, text: `${a.ip},${v.protocol}:${a.port} (${v.ref.e.id.namespace}/${v.ref.e.id.name})`, evidence: dumpLine(ctx.node, ipvs.file, v.vs) });
  }
  if (missing.length === 0) return [];
  const node = ctx.node;
  const sets = [...new Set(missing.map((m) => SET_NAME[m.family]))];
  const absent = sets.filter((s) => !ipset.dump.sets.has(s));
  return [
    makeFinding({
      check: 'ipvs-structure',
      severity: 'medium',
      node,
      title: `${plural(missing.length, 'ClusterIP')} on ${node} ${missing.length === 1 ? 'is' : 'are'} missing from ipset ${sets.join(' / ')}`,
      message:
        `kube-proxy lists every ClusterIP,protocol:port in ipset ${sets.join(' / ')}, which its iptables rules use to masquerade off-cluster traffic to Services. ` +
        `${absent.length > 0 ? `${absent.join(' and ')} ${absent.length === 1 ? 'is' : 'are'} not in ipset.txt at all. ` : ''}` +
        `Missing on ${node}: ${listSome(missing.map((m) => m.text))}. Those virtual servers exist, but traffic to them from outside the Pod network ` +
        'is not masqueraded, and kube-proxy versions with the KUBE-IPVS-FILTER chain (k/k#72236) reject traffic to kube-ipvs0 addresses that are not in these sets. ' +
        'kube-proxy refills the set on every sync, so a gap means it is not syncing.',
      nextSteps: [...sets.map((s) => ipsetList(node, s)), ...kubeProxyLogs(node), restartKubeProxy(node)],
      evidence: missing.slice(0, 10).map((m) => m.evidence),
    }),
  ];
}

function membersOf(cache: Map<string, Set<string>>, family: 4 | 6, set: IpsetSet | undefined): Set<string> {
  const name = SET_NAME[family];
  let keys = cache.get(name);
  if (!keys) {
    keys = new Set();
    for (const m of set?.members ?? []) if (m.address && m.port !== undefined) keys.add(`${m.address.toLowerCase()}|${(m.protocol ?? '').toLowerCase()}|${m.port}`);
    cache.set(name, keys);
  }
  return keys;
}
