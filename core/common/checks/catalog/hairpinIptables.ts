import type { Evidence, Finding, IptChain, IptablesDump, ProgrammedNode } from '../../model';
import type { ParsedFile } from '../nodeLevel';
import { findingPort, formatEndpoint, protocolOf, serviceRef } from '../keys';
import { grepRules } from '../nextSteps';
import { dumpLine } from './dumpLine';
import type { HairpinGap } from './hairpinFindings';
import { hairpinFinding, masqueradeFinding } from './hairpinFindings';

// masquerade-hairpin (C26) in iptables mode (pkg/proxy/iptables/proxier.go): every KUBE-SEP chain
// starts with `-s <endpoint IP> -j KUBE-MARK-MASQ`; KUBE-MARK-MASQ sets the 0x4000 mark;
// POSTROUTING jumps to KUBE-POSTROUTING, which MASQUERADEs marked packets. Read from the raw nat
// table because the model keeps only each endpoint's DNAT target.

export function iptablesHairpin(node: string, p: ProgrammedNode, dump: ParsedFile<IptablesDump>): Finding[] {
  const nat = dump.dump.tables.get('nat')?.chains;
  if (!nat || p.servicePorts.length === 0) return [];
  const out: Finding[] = [];
  const tool = p.family === 6 ? 'ip6tables-save' : 'iptables-save';
  // One pass over ~50k backends at 10k Services: a KUBE-SEP chain belongs to one Service port,
  // so one set of visited chains serves the whole node.
  const seen = new Set<string>();
  for (const sp of p.servicePorts) {
    let gap: HairpinGap | undefined;
    let firstChain = '';
    for (let k = 0; k < 2; k++) {
      const path = k === 0 ? sp.clusterPath : sp.localPath;
      if (!path) continue;
      const backends = path.backends;
      for (let i = 0; i < backends.length; i++) {
        const b = backends[i];
        // The decoder already read the chain (ProgrammedBackend.hairpinMasq): nothing to look up
        // for the usual healthy endpoint. A chain's flag is the same on every path that reaches
        // it, so leaving it out of `seen` changes nothing.
        if (!b.chain || b.hairpinMasq === true || seen.has(b.chain)) continue;
        seen.add(b.chain);
        const chain = nat.get(b.chain);
        if (!chain || (b.hairpinMasq ?? hasHairpin(chain, b.ip))) continue;
        gap ??= { service: sp.id ? serviceRef(sp.id) : null, port: sp.id ? findingPort(sp.id, undefined, sp) : null, protocol: protocolOf(sp.id), label: sp.label, endpoints: [], evidence: [] };
        firstChain ||= b.chain;
        gap.endpoints.push(`${formatEndpoint(b.ip, b.port)} (${b.chain})`);
        gap.evidence.push(...b.evidence.slice(-2));
      }
    }
    if (gap) out.push(hairpinFinding(node, gap, 'chain a `-s <endpoint IP> -j KUBE-MARK-MASQ` rule', [grepRules(node, firstChain, tool)]));
  }
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  const post = nat.get('KUBE-POSTROUTING');
  if (!post) problems.push('chain KUBE-POSTROUTING is missing');
  else if (!post.rules.some((r) => r.target === 'MASQUERADE')) {
    problems.push('KUBE-POSTROUTING has no MASQUERADE rule');
    for (const r of post.rules.slice(0, 4)) evidence.push(dumpLine(node, dump.file, r));
  }
  const hook = nat.get('POSTROUTING');
  if (post && hook && !hook.rules.some((r) => r.target === 'KUBE-POSTROUTING')) problems.push('POSTROUTING does not jump to KUBE-POSTROUTING');
  const mark = nat.get('KUBE-MARK-MASQ');
  if (!mark) problems.push('chain KUBE-MARK-MASQ is missing');
  else if (!mark.rules.some((r) => r.target === 'MARK')) problems.push('KUBE-MARK-MASQ sets no mark');
  if (problems.length > 0) {
    if (evidence.length === 0) evidence.push(...firstFrontends(p));
    out.push(masqueradeFinding(node, p.family, problems, evidence, [`on ${node}: ${tool} -t nat | grep -E 'POSTROUTING|MARK-MASQ'`]));
  }
  return out;
}

function hasHairpin(chain: IptChain, ip: string): boolean {
  for (const r of chain.rules) {
    if (r.target !== 'KUBE-MARK-MASQ' || !r.source || r.source.negated) continue;
    if (isHostAddress(r.source.value, ip)) return true;
  }
  return false;
}

/** `ip`, `ip/32` or `ip/128` (what iptables-save prints for a host source), without slicing. */
function isHostAddress(value: string, ip: string): boolean {
  if (!value.startsWith(ip)) return false;
  if (value.length === ip.length) return true;
  if (value.charCodeAt(ip.length) !== 47) return false; // '/'
  const len = value.length - ip.length - 1;
  return (len === 2 && value.endsWith('32')) || (len === 3 && value.endsWith('128'));
}

/** A few Service entry rules, to show the dump does hold kube-proxy rules. */
export function firstFrontends(p: ProgrammedNode): Evidence[] {
  const out: Evidence[] = [];
  for (const sp of p.servicePorts) {
    for (const f of sp.frontends) {
      out.push(f.evidence);
      if (out.length >= 2) return out;
    }
  }
  return out;
}
