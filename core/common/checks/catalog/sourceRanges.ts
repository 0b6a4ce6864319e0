import type { Evidence, Finding, ProgrammedServicePort } from '../../model';
import type { NodeCheckContext } from '../context';
import { servicePortEvidence } from '../evidenceOf';
import { grepRules } from '../nextSteps';
import { nodePortBypassFinding, rangeProblem, sourceRangeFinding } from './sourceRangeFindings';

// source-ranges (C25) on iptables and nftables nodes, from the model: the decoders record the
// firewall chain (KUBE-FW-… / firewall-…) and the CIDRs it lets through (ProgrammedServicePort
// .sourceRanges). kube-proxy builds that chain only for a Service with LoadBalancer IPs, source
// ranges and endpoints (pkg/proxy/iptables/proxier.go usesFWChain). IPVS nodes keep the ranges
// in ipsets and are checked by ipvsSourceRanges.ts.

export function checkSourceRanges(ctx: NodeCheckContext): Finding[] {
  const cluster = ctx.cluster;
  if (!cluster || ctx.programmed.mode === 'ipvs') return [];
  const out: Finding[] = [];
  const joins = cluster.joins;
  for (let i = 0; i < joins.length; i++) {
    const j = joins[i];
    const e = j.e;
    if (!e || !e.proxied || j.orphan) continue;
    if (e.sourceRanges.length > 0 && e.loadBalancerIPs.length > 0 && e.nodePort) out.push(nodePortBypassFinding(e));
    const want = e.loadBalancerIPs.length > 0 ? e.sourceRanges : [];
    // Most Service ports have neither ranges nor a firewall chain: leave them without allocating.
    if (want.length === 0 && !hasFirewall(j.sps)) continue;
    if (e.clusterEndpoints.length + e.localEndpoints.length === 0) continue;
    const fw = j.sps.filter((sp) => sp.firewallChain !== undefined);
    const have = fw.flatMap((sp) => sp.sourceRanges ?? []);
    const problem = rangeProblem(want, fw.length > 0, have);
    if (!problem) continue;
    const tool = ctx.programmed.mode === 'nftables' ? 'nft list ruleset' : ctx.programmed.family === 6 ? 'ip6tables-save' : 'iptables-save';
    const chain = fw[0]?.firewallChain ?? j.sps[0]?.label ?? '';
    out.push(sourceRangeFinding(ctx.node, e, problem, firewallEvidence(j.sps), [grepRules(ctx.node, chain, tool)]));
  }
  return out;
}

function hasFirewall(sps: ProgrammedServicePort[]): boolean {
  for (let i = 0; i < sps.length; i++) if (sps[i].firewallChain !== undefined) return true;
  return false;
}

/** The firewall entry rules and drops, else the Service port's entry rules. */
function firewallEvidence(sps: ProgrammedServicePort[]): Evidence[] {
  const out: Evidence[] = [];
  for (const sp of sps) {
    for (const f of sp.frontends) if (f.path === 'firewall') out.push(f.evidence);
    for (const m of sp.markers) if (m.reason === 'firewall') out.push(m.evidence);
  }
  if (out.length === 0) for (const sp of sps) out.push(...servicePortEvidence(sp, 4));
  return out;
}
