import type { Evidence, ExpectedServicePort, Finding, IptRule } from '../../model';
import { matchOption } from '../../parse/iptablesRule';
import type { NodeLevelContext } from '../nodeLevel';
import { endpointAt, endpointIndex } from '../endpointIndex';
import { findingPort, formatEndpoint, serviceRef, servicePortLabel } from '../keys';
import { ipsetList, onNode } from './catalogSteps';
import { dumpLine } from './dumpLine';
import type { HairpinGap } from './hairpinFindings';
import { hairpinFinding, masqueradeFinding } from './hairpinFindings';
import { virtualServers } from './ipvsServices';

// masquerade-hairpin (C26) in IPVS mode (pkg/proxy/ipvs/proxier.go): each endpoint on this node is
// `ip,proto:port,ip` in ipset KUBE-LOOP-BACK (KUBE-6-LOOP-BACK), and nat KUBE-POSTROUTING has
// `-m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE` next to the mark-based MASQUERADE.

export function ipvsHairpin(ctx: NodeLevelContext): Finding[] {
  const ipvs = ctx.dumps.ipvs;
  if (!ipvs) return [];
  const out: Finding[] = [];
  const node = ctx.node;
  const ipset = ctx.dumps.ipset;
  for (const family of [4, 6] as const) {
    const loopName = family === 6 ? 'KUBE-6-LOOP-BACK' : 'KUBE-LOOP-BACK';
    const loop = ipset?.dump.sets.get(loopName);
    const vss = virtualServers(ctx).filter((v) => v.vs.family === family);
    if (vss.length === 0) continue;
    if (loop && ctx.index) {
      const members = new Set(loop.members.map((m) => `${m.address}|${m.protocol}|${m.port}|${m.address2}`));
      const gaps = new Map<ExpectedServicePort, HairpinGap>();
      const seen = new Set<string>();
      for (const v of vss) {
        const e = v.ref?.e;
        if (!e) continue;
        for (const rs of v.vs.realServers) {
          const { ip, port } = rs.address;
          const ep = endpointAt(endpointIndex(e), ip, port);
          if (!ep || ep.nodeName !== node || rs.weight === 0) continue;
          const k = `${ip}|${v.protocol}|${port}|${ip}`;
          if (members.has(k) || seen.has(k)) continue;
          seen.add(k);
          let gap = gaps.get(e);
          if (!gap) {
            const port0 = findingPort(e.id, e);
            gaps.set(e, (gap = { service: serviceRef(e.id), port: port0, protocol: e.id.protocol, label: servicePortLabel(e.id, port0), endpoints: [], evidence: [] }));
          }
          gap.endpoints.push(formatEndpoint(ip, port));
          gap.evidence.push(dumpLine(node, ipvs.file, v.vs), dumpLine(node, ipvs.file, rs));
        }
      }
      for (const gap of gaps.values()) out.push(hairpinFinding(node, gap, `local endpoint an \`ip,proto:port,ip\` entry in ipset ${loopName}`, [ipsetList(node, loopName)]));
    }
    const masq = postroutingMasquerade(ctx, family, loopName, (loop?.members.length ?? 0) > 0);
    if (masq) out.push(masq);
  }
  return out;
}

function postroutingMasquerade(ctx: NodeLevelContext, family: 4 | 6, loopName: string, loopInUse: boolean): Finding | null {
  const dump = ctx.dumps.iptables.find((d) => d.dump.family === family && d.dump.tables.get('nat')?.chains.has('KUBE-POSTROUTING')) ?? ctx.dumps.iptables.find((d) => d.dump.family === family);
  const nat = dump?.dump.tables.get('nat')?.chains;
  if (!dump || !nat) return null;
  const post = nat.get('KUBE-POSTROUTING');
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  if (!post) problems.push('chain KUBE-POSTROUTING is missing');
  else {
    const rules = post.rules;
    const setOf = (r: IptRule): string | undefined => matchOption(r, 'set', '--match-set')?.values[0];
    if (!rules.some((r) => r.target === 'MASQUERADE' && setOf(r) === undefined)) problems.push('KUBE-POSTROUTING has no MASQUERADE for marked packets');
    if (loopInUse && !rules.some((r) => r.target === 'MASQUERADE' && setOf(r) === loopName)) problems.push(`KUBE-POSTROUTING has no MASQUERADE for ipset ${loopName} (hairpin)`);
    if (problems.length > 0) for (const r of rules.slice(0, 4)) evidence.push(dumpLine(ctx.node, dump.file, r));
  }
  if (problems.length === 0) return null;
  if (evidence.length === 0) {
    const vs = virtualServers(ctx).find((v) => v.vs.family === family);
    if (vs && ctx.dumps.ipvs) evidence.push(dumpLine(ctx.node, ctx.dumps.ipvs.file, vs.vs));
  }
  return masqueradeFinding(ctx.node, family, problems, evidence, [onNode(ctx.node, `${family === 6 ? 'ip6tables-save' : 'iptables-save'} -t nat | grep KUBE-POSTROUTING`)]);
}
