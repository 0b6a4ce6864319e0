import type { Evidence, Finding, IpsetSet } from '../../model';
import { IPSET_MAX_NAME_LENGTH } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { normalizeCidr } from './cidr';
import { ipsetList } from './catalogSteps';
import { dumpLine } from './dumpLine';
import { nodePortBypassFinding, rangeProblem, sourceRangeFinding } from './sourceRangeFindings';

// source-ranges (C25) on IPVS nodes. kube-proxy's IPVS mode enforces loadBalancerSourceRanges with
// ipsets (pkg/proxy/ipvs/proxier.go, ipset.go): `lbIP,proto:port` in KUBE-LOAD-BALANCER-FW marks
// a LoadBalancer IP as filtered, and `lbIP,proto:port,cidr` in KUBE-LOAD-BALANCER-SOURCE-CIDR lists
// each allowed range; KUBE-6-… for IPv6, cut to 31 characters. Skipped when ipset.txt lacks the
// sets (a partial capture proves nothing).

function setName(base: string, family: 4 | 6): string {
  return family === 6 ? `KUBE-6-${base.slice('KUBE-'.length)}`.slice(0, IPSET_MAX_NAME_LENGTH) : base;
}

export function checkIpvsSourceRanges(ctx: NodeLevelContext): Finding[] {
  const ipset = ctx.dumps.ipset;
  if (ctx.mode !== 'ipvs' || !ipset || !ctx.index) return [];
  const out: Finding[] = [];
  for (const fam of ctx.perFamily) {
    const cluster = fam.cluster;
    if (!cluster) continue;
    const family = fam.programmed.family;
    const fwName = setName('KUBE-LOAD-BALANCER-FW', family);
    const cidrName = setName('KUBE-LOAD-BALANCER-SOURCE-CIDR', family);
    const fw = ipset.dump.sets.get(fwName);
    const cidrs = ipset.dump.sets.get(cidrName);
    if (!fw || !cidrs) continue;
    const fwByKey = new Map(fw.members.map((m) => [`${m.address}|${m.protocol}|${m.port}`, m]));
    const ranges = rangesByTarget(cidrs);
    for (const e of cluster.expected) {
      if (!e.proxied) continue;
      if (e.sourceRanges.length > 0 && e.loadBalancerIPs.length > 0 && e.nodePort) out.push(nodePortBypassFinding(e));
      if (e.loadBalancerIPs.length === 0) continue;
      const port = e.servicePort.port;
      const proto = e.id.protocol;
      let enforced = true;
      const have: string[] = [];
      const evidence: Evidence[] = [];
      for (const ip of e.loadBalancerIPs) {
        const k = `${ip}|${proto}|${port}`;
        const fwMember = fwByKey.get(k);
        if (fwMember) evidence.push(dumpLine(ctx.node, ipset.file, fwMember));
        else enforced = false;
        for (const m of ranges.get(k) ?? []) {
          have.push(m.cidr);
          evidence.push(dumpLine(ctx.node, ipset.file, m.member));
        }
      }
      const problem = rangeProblem(e.sourceRanges, enforced, have);
      if (problem) out.push(sourceRangeFinding(ctx.node, e, problem, evidence.slice(0, 9), [ipsetList(ctx.node, fwName), ipsetList(ctx.node, cidrName)]));
    }
  }
  return out;
}

type RangeMember = { cidr: string; member: IpsetSet['members'][number] };

/** `lbIP|proto|port` -> allowed CIDRs (hash:ip,port,net members). */
function rangesByTarget(set: IpsetSet): Map<string, RangeMember[]> {
  const out = new Map<string, RangeMember[]>();
  for (const m of set.members) {
    if (!m.address || !m.address2 || m.port === undefined) continue;
    const k = `${m.address}|${m.protocol}|${m.port}`;
    const r = { cidr: normalizeCidr(m.prefix2 !== undefined ? `${m.address2}/${m.prefix2}` : m.address2), member: m };
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
