import { describe, expect, it } from 'vitest';
import { checkCanaryMissing, missingTables } from '../../../../core/common/checks/canaryMissing';
import { parseIptablesSave } from '../../../../core/common/parse/iptablesSave';
import { NODE, iptablesFiles, ipvsFiles, nftFiles, nodeLevelContext, withoutLines } from '../analyze/_modeNodes';

const IPT = iptablesFiles()['iptables-save.txt'];
/** The canary declaration of one table: the writer prints it as `:KUBE-PROXY-CANARY - [0:0]` inside each table block. */
function dropCanaryFrom(text: string, tables: string[]): string {
  let table = '';
  return text
    .split('\n')
    .filter((l) => {
      if (l.startsWith('*')) table = l.slice(1);
      return !(tables.includes(table) && l.startsWith(':KUBE-PROXY-CANARY '));
    })
    .join('\n');
}

interface Case {
  name: string;
  files: Record<string, string>;
  missing: string[] | null;
}

const cases: Case[] = [
  { name: 'a node with the canary in mangle, nat and filter', files: { 'iptables-save.txt': IPT }, missing: null },
  { name: 'the canary flushed from every table', files: { 'iptables-save.txt': dropCanaryFrom(IPT, ['mangle', 'nat', 'filter']) }, missing: ['mangle', 'nat', 'filter'] },
  { name: 'the canary gone from mangle only', files: { 'iptables-save.txt': dropCanaryFrom(IPT, ['mangle']) }, missing: ['mangle'] },
  {
    name: 'a dump without a mangle table is not judged (partial capture or restore input)',
    files: { 'iptables-save.txt': withoutLines(dropCanaryFrom(IPT, ['mangle', 'nat', 'filter']), /^\*mangle|^:KUBE-IPTABLES-HINT|^:KUBE-KUBELET-CANARY|^:PREROUTING|^:INPUT|^:FORWARD|^:OUTPUT|^:POSTROUTING/).replace(/^COMMIT\n/, '') },
    missing: null,
  },
  { name: 'nftables mode has no iptables canary', files: nftFiles(), missing: null },
  { name: 'IPVS mode starts no canary monitor', files: ipvsFiles(), missing: null },
];

describe('checkCanaryMissing', () => {
  it.each(cases)('$name', ({ files, missing }) => {
    const got = checkCanaryMissing(nodeLevelContext(files));
    if (missing === null) {
      expect(got).toEqual([]);
      return;
    }
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ check: 'canary-missing', severity: 'high', node: NODE });
    expect(got[0].evidence.slice(0, missing.length).map((e) => e.raw)).toEqual(missing.map((t) => `*${t}   (no :KUBE-PROXY-CANARY chain in this table)`));
    expect(got[0].evidence[missing.length].raw).toMatch(/^-A KUBE-SERVICES .* -j KUBE-SVC-/);
  });
});

describe('missingTables', () => {
  it.each([
    { name: 'all three present', text: '*mangle\n:KUBE-PROXY-CANARY - [0:0]\nCOMMIT\n*nat\n:KUBE-PROXY-CANARY - [0:0]\nCOMMIT\n', want: [] },
    { name: 'nat lacks it', text: '*mangle\n:KUBE-PROXY-CANARY - [0:0]\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n', want: ['nat'] },
    { name: 'no mangle: not judged', text: '*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n', want: [] },
  ])('$name', ({ text, want }) => {
    expect(missingTables(parseIptablesSave(text))).toEqual(want);
  });
});
