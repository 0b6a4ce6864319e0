import { describe, expect, it } from 'vitest';
import { checkOldVersionLeftovers } from '../../../../core/common/checks/oldVersionLeftovers';
import { NODE, cluster, iptablesFiles, nftFiles, nodeLevelContext } from '../analyze/_modeNodes';

const IPT = iptablesFiles()['iptables-save.txt'];

/** Adds chain declarations to the table block `table` (right after its header). */
function withChains(text: string, table: string, chains: string[]): string {
  return text.replace(`*${table}\n`, `*${table}\n${chains.map((c) => `:${c} - [0:0]`).join('\n')}\n`);
}

interface Case {
  name: string;
  files: Record<string, string>;
  expect: { severity: string; title: RegExp; message?: RegExp }[];
}

const cases: Case[] = [
  { name: 'a current iptables node', files: { 'iptables-save.txt': IPT }, expect: [] },
  { name: 'a current nftables node', files: nftFiles(), expect: [] },
  {
    name: 'KUBE-MARK-DROP and a KUBE-XLB chain from before the upgrade',
    files: { 'iptables-save.txt': withChains(IPT, 'nat', ['KUBE-MARK-DROP', 'KUBE-XLB-GNZBNJ2PO5MGZ6GT']) },
    expect: [{ severity: 'low', title: /^Chains of old Kubernetes versions in iptables-save.txt on worker-2$/, message: /KUBE-XLB-\* \(kube-proxy before v1.24\); KUBE-MARK-DROP \(kubelet before v1.25\)|KUBE-MARK-DROP \(kubelet before v1.25\); KUBE-XLB-\*/ }],
  },
  {
    name: 'userspace proxier portals in a legacy dump',
    files: { 'iptables-save.txt': IPT, 'iptables-legacy-save.txt': withChains('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n', 'nat', ['KUBE-PORTALS-CONTAINER', 'KUBE-PORTALS-HOST']) },
    expect: [{ severity: 'low', title: /in iptables-legacy-save.txt/, message: /userspace proxier/ }],
  },
  {
    name: 'large-cluster mode (no per-endpoint comments): a note that rules were mapped by hash',
    files: iptablesFiles(undefined, { comments: false }),
    expect: [{ severity: 'info', title: /carry no per-endpoint comments \(large-cluster mode\); mapped by chain-name hash/, message: /cluster.json lists only 8 endpoints/ }],
  },
];

describe('checkOldVersionLeftovers', () => {
  it.each(cases)('$name', ({ files, expect: want }) => {
    const got = checkOldVersionLeftovers(nodeLevelContext(files, cluster()));
    expect(got.map((f) => f.severity)).toEqual(want.map((w) => w.severity));
    got.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'old-version-leftovers', node: NODE });
      expect(f.title).toMatch(want[i].title);
      if (want[i].message) expect(f.message).toMatch(want[i].message as RegExp);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });

  it('quotes the chain declarations', () => {
    const [f] = checkOldVersionLeftovers(nodeLevelContext({ 'iptables-save.txt': withChains(IPT, 'nat', ['KUBE-MARK-DROP']) }));
    expect(f.evidence.map((e) => e.raw)).toEqual([':KUBE-MARK-DROP - [0:0]']);
    expect(f.evidence[0].line).toBeGreaterThan(0);
  });

  it('without cluster.json the large-cluster note does not count endpoints', () => {
    const [f] = checkOldVersionLeftovers(nodeLevelContext(iptablesFiles(undefined, { comments: false }), null));
    expect(f.message).not.toMatch(/cluster.json lists/);
  });
});
