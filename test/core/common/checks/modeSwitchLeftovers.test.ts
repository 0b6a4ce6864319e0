import { describe, expect, it } from 'vitest';
import { checkModeSwitchLeftovers } from '../../../../core/common/checks/modeSwitchLeftovers';
import { NODE, iptablesFiles, ipvsFiles, nftFiles, nodeLevelContext, withoutLines } from '../analyze/_modeNodes';

const IPT = iptablesFiles()['iptables-save.txt'];
const IPVS = ipvsFiles();
const NFT = nftFiles()['nft.txt'];
/** The iptables-mode rules with nothing jumping to KUBE-SERVICES / KUBE-NODEPORTS any more. */
const IPT_UNHOOKED = withoutLines(IPT, /-j KUBE-SERVICES$|^-A KUBE-SERVICES |^-A KUBE-NODEPORTS /);

interface Case {
  name: string;
  files: Record<string, string>;
  mode: string;
  expect: { severity: string; title: RegExp }[];
}

const cases: Case[] = [
  { name: 'an iptables node alone', files: { 'iptables-save.txt': IPT }, mode: 'iptables', expect: [] },
  { name: 'an nftables node alone', files: { 'nft.txt': NFT }, mode: 'nftables', expect: [] },
  { name: 'an IPVS node alone (its own KUBE-SERVICES match-set rules are no leftovers)', files: IPVS, mode: 'ipvs', expect: [] },
  {
    name: 'nftables mode with the iptables-mode rules still hooked',
    files: { 'nft.txt': NFT, 'iptables-save.txt': IPT, 'proxy-mode.txt': 'nftables' },
    mode: 'nftables',
    expect: [{ severity: 'high', title: /Leftover iptables-mode kube-proxy rules in iptables-save.txt on worker-2 \(kube-proxy runs in nftables mode\)/ }],
  },
  {
    name: 'nftables mode picked without proxy-mode.txt when both planes match the API (the newer mode wins a tie)',
    files: { 'nft.txt': NFT, 'iptables-save.txt': IPT },
    mode: 'nftables',
    expect: [{ severity: 'high', title: /iptables-mode kube-proxy rules/ }],
  },
  {
    name: 'nftables mode with unhooked iptables-mode chains left',
    files: { 'nft.txt': NFT, 'iptables-save.txt': IPT_UNHOOKED },
    mode: 'nftables',
    expect: [{ severity: 'low', title: /iptables-mode kube-proxy rules/ }],
  },
  {
    name: 'iptables mode with a full nftables table left',
    files: { 'nft.txt': NFT, 'iptables-save.txt': IPT, 'proxy-mode.txt': 'iptables' },
    mode: 'iptables',
    expect: [{ severity: 'high', title: /Leftover nftables table ip kube-proxy/ }],
  },
  {
    name: 'iptables mode with an empty nftables table left',
    files: { 'nft.txt': 'table ip kube-proxy {\n\tcomment "rules for kube-proxy"\n}\n', 'iptables-save.txt': IPT },
    mode: 'iptables',
    expect: [{ severity: 'low', title: /Leftover nftables table ip kube-proxy/ }],
  },
  {
    name: 'iptables mode (KUBE-SERVICES written by iptables mode) with IPVS virtual servers and kube-ipvs0 left',
    files: { ...IPVS, 'iptables-save.txt': IPT },
    mode: 'iptables',
    expect: [{ severity: 'high', title: /Leftover IPVS-mode state/ }],
  },
  {
    name: 'iptables mode with only the IPVS ipsets left',
    files: { 'ipset.txt': IPVS['ipset.txt'], 'iptables-save.txt': IPT },
    mode: 'iptables',
    expect: [{ severity: 'low', title: /Leftover IPVS-mode state/ }],
  },
  {
    name: 'IPVS mode (KUBE-SERVICES written by IPVS mode) with unhooked iptables-mode chains in the legacy backend',
    files: { ...IPVS, 'iptables-legacy-save.txt': IPT_UNHOOKED },
    mode: 'ipvs',
    expect: [{ severity: 'low', title: /iptables-mode kube-proxy rules in iptables-legacy-save.txt/ }],
  },
];

describe('checkModeSwitchLeftovers', () => {
  it.each(cases)('$name', ({ files, mode, expect: want }) => {
    const ctx = nodeLevelContext(files);
    expect(ctx.mode).toBe(mode);
    const got = checkModeSwitchLeftovers(ctx);
    expect(got.map((f) => f.severity)).toEqual(want.map((w) => w.severity));
    got.forEach((f, i) => {
      expect(f.title).toMatch(want[i].title);
      expect(f).toMatchObject({ check: 'mode-switch-leftovers', node: NODE });
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(f.nextSteps.length).toBeGreaterThan(0);
    });
  });

  it('quotes the first stale jump and the hook that makes it live', () => {
    const [f] = checkModeSwitchLeftovers(nodeLevelContext({ 'nft.txt': NFT, 'iptables-save.txt': IPT, 'proxy-mode.txt': 'nftables' }));
    expect(f.evidence.map((e) => e.raw)).toEqual([
      expect.stringContaining('-A KUBE-SERVICES -m comment --comment "default/kubernetes:https cluster IP"'),
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    ]);
    expect(f.message).toMatch(/7 Service entries of iptables-mode kube-proxy/);
  });

  it('reports nothing when no mode could be detected', () => {
    expect(checkModeSwitchLeftovers(nodeLevelContext({ 'iptables-save.txt': '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n' }))).toEqual([]);
  });
});
