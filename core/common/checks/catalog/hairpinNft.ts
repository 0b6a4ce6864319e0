import type { Evidence, Finding, NftChain, NftRuleset, NftTable, ProgrammedNode } from '../../model';
import type { ParsedFile } from '../nodeLevel';
import { findingPort, formatEndpoint, protocolOf, serviceRef } from '../keys';
import { nftChain, onNode } from './catalogSteps';
import { dumpLine } from './dumpLine';
import type { HairpinGap } from './hairpinFindings';
import { hairpinFinding, masqueradeFinding } from './hairpinFindings';
import { firstFrontends } from './hairpinIptables';

// masquerade-hairpin (C26) in nftables mode (pkg/proxy/nftables/proxier.go): every endpoint-…
// chain starts with `ip saddr <endpoint IP> jump mark-for-masquerade`; mark-for-masquerade sets
// the 0x4000 mark; nat-postrouting jumps to masquerading, which masquerades marked packets.

/** The `kube-proxy` table of a family in the node's nft dumps (nft.json and nft.txt hold the same). */
export function kubeProxyTable(files: ParsedFile<NftRuleset>[], family: 4 | 6): { file: string; table: NftTable } | undefined {
  const want = family === 6 ? 'ip6' : 'ip';
  for (const f of files) {
    const table = f.dump.tables.find((t) => t.family === want && t.name === 'kube-proxy');
    if (table) return { file: f.file, table };
  }
  return undefined;
}

export function nftHairpin(node: string, p: ProgrammedNode, files: ParsedFile<NftRuleset>[]): Finding[] {
  const found = kubeProxyTable(files, p.family);
  if (!found || p.servicePorts.length === 0) return [];
  const { table, file } = found;
  const saddr = p.family === 6 ? 'ip6 saddr' : 'ip saddr';
  const out: Finding[] = [];
  for (const sp of p.servicePorts) {
    let gap: HairpinGap | undefined;
    let firstChain = '';
    const seen = new Set<string>();
    for (const path of [sp.clusterPath, sp.localPath]) {
      for (const b of path?.backends ?? []) {
        if (!b.chain || seen.has(b.chain)) continue;
        seen.add(b.chain);
        const chain = table.chains.get(b.chain);
        if (!chain || hasHairpin(chain, saddr, b.ip)) continue;
        gap ??= { service: sp.id ? serviceRef(sp.id) : null, port: sp.id ? findingPort(sp.id, undefined, sp) : null, protocol: protocolOf(sp.id), label: sp.label, endpoints: [], evidence: [] };
        firstChain ||= b.chain;
        gap.endpoints.push(`${formatEndpoint(b.ip, b.port)} (${b.chain})`);
        for (const r of chain.rules.slice(0, 2)) gap.evidence.push(dumpLine(node, file, r));
      }
    }
    if (gap) out.push(hairpinFinding(node, gap, `chain a \`${saddr} <endpoint IP> jump mark-for-masquerade\` rule`, [nftChain(node, p.family, firstChain)]));
  }
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  const masq = table.chains.get('masquerading');
  if (!masq) problems.push('chain masquerading is missing');
  else if (!masq.rules.some((r) => r.masquerade === true)) {
    problems.push('chain masquerading has no masquerade rule');
    for (const r of masq.rules.slice(0, 4)) evidence.push(dumpLine(node, file, r));
  }
  if (masq && !hooksInto(table, 'postrouting', 'masquerading')) problems.push('no postrouting base chain jumps to masquerading');
  const mark = table.chains.get('mark-for-masquerade');
  if (!mark || mark.rules.length === 0) problems.push('chain mark-for-masquerade is missing or empty');
  if (problems.length > 0) {
    if (evidence.length === 0) evidence.push(...firstFrontends(p));
    out.push(masqueradeFinding(node, p.family, problems, evidence, [onNode(node, `nft list table ${p.family === 6 ? 'ip6' : 'ip'} kube-proxy | grep -B2 -A4 masquerad`)]));
  }
  return out;
}

function hasHairpin(chain: NftChain, saddr: string, ip: string): boolean {
  for (const r of chain.rules) {
    if (r.verdict?.target !== 'mark-for-masquerade') continue;
    for (const m of r.matches) if (m.left === saddr && m.op === '==' && m.values.includes(ip)) return true;
  }
  return false;
}

function hooksInto(table: NftTable, hook: string, target: string): boolean {
  for (const c of table.chains.values()) {
    if (c.hook !== hook) continue;
    for (const r of c.rules) if (r.verdict?.target === target) return true;
  }
  return false;
}
