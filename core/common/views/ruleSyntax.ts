import type { RuleFileInfo } from '../contract';

// How the rule viewer colours a node file, decided by its snapshot file name (the names the
// collectors write: core/node/collect/commands.ts and the snapshot layout in docs).

export type RuleSyntax = RuleFileInfo['syntax'];

const BY_NAME: Record<string, RuleSyntax> = {
  'iptables-save.txt': 'iptables',
  'iptables-legacy-save.txt': 'iptables',
  'ip6tables-save.txt': 'iptables',
  'ip6tables-legacy-save.txt': 'iptables',
  'nft.json': 'nft-json',
  'nft.txt': 'nft',
  'ipvsadm.txt': 'ipvsadm',
  'ipset.txt': 'ipset',
  'conntrack.txt': 'conntrack',
};

export function ruleSyntax(fileName: string): RuleSyntax {
  const known = BY_NAME[fileName];
  if (known !== undefined) return known;
  if (/^ip6?tables(-legacy)?-save.*\.txt$/.test(fileName)) return 'iptables';
  if (/^conntrack.*\.txt$/.test(fileName)) return 'conntrack';
  return 'text';
}
