import { describe, expect, it } from 'vitest';
import { observePlanes } from '../../../../core/common/analyze/dataPlanes';
import { detectMode, observedMode } from '../../../../core/common/analyze/detectMode';
import { parseNodeDumps } from '../../../../core/common/analyze/nodeDumps';
import type { ClusterIndex } from '../../../../core/common/model';
import { NODE, cluster, iptablesFiles, ipvsFiles, nftFiles, withoutLines } from './_modeNodes';

const IPT = iptablesFiles()['iptables-save.txt'];
const NFT = nftFiles()['nft.txt'];
const IPVS = ipvsFiles();
const BARE = '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n';
const EMPTY_KUBE_SERVICES = '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n';

interface Case {
  name: string;
  files: Record<string, string>;
  withCluster?: boolean;
  want: { mode: string; source: string; captured: boolean; others: string[] };
}

const cases: Case[] = [
  { name: 'iptables rules only', files: { 'iptables-save.txt': IPT }, want: { mode: 'iptables', source: 'services', captured: true, others: [] } },
  { name: 'an nftables ruleset only', files: { 'nft.txt': NFT }, want: { mode: 'nftables', source: 'services', captured: true, others: [] } },
  { name: 'IPVS virtual servers with KUBE-CLUSTER-IP and kube-ipvs0', files: IPVS, want: { mode: 'ipvs', source: 'services', captured: true, others: [] } },
  { name: 'an ipvsadm listing alone is trusted', files: { 'ipvsadm.txt': IPVS['ipvsadm.txt'] }, want: { mode: 'ipvs', source: 'services', captured: true, others: [] } },
  {
    name: 'virtual servers without any kube-proxy trace are not kube-proxy\'s (keepalived)',
    files: { 'ipvsadm.txt': IPVS['ipvsadm.txt'], 'iptables-save.txt': IPT },
    want: { mode: 'iptables', source: 'services', captured: true, others: [] },
  },
  {
    name: 'iptables and nftables both complete and current: the newer mode wins the tie',
    files: { 'iptables-save.txt': IPT, 'nft.txt': NFT },
    withCluster: true,
    want: { mode: 'nftables', source: 'services', captured: true, others: ['iptables'] },
  },
  {
    name: 'kube-proxy\'s own answer beats the tie-break',
    files: { 'iptables-save.txt': IPT, 'nft.txt': NFT, 'proxy-mode.txt': 'iptables' },
    want: { mode: 'iptables', source: 'reported', captured: true, others: ['nftables'] },
  },
  {
    name: 'the plane that matches the API wins over stale leftovers, even when it is the older mode',
    files: { 'iptables-save.txt': IPT, 'nft.txt': NFT.replace(/10\.96\.0\.100/g, '10.96.0.250') },
    withCluster: true,
    want: { mode: 'iptables', source: 'services', captured: true, others: ['nftables'] },
  },
  {
    name: 'KUBE-SERVICES written by the IPVS proxier names IPVS over iptables-mode entries left in the other backend',
    files: { ...IPVS, 'iptables-legacy-save.txt': IPT },
    withCluster: true,
    want: { mode: 'ipvs', source: 'services', captured: true, others: ['iptables'] },
  },
  {
    name: 'KUBE-SERVICES written by the iptables proxier names iptables over leftover IPVS virtual servers',
    files: { ...IPVS, 'iptables-save.txt': IPT },
    withCluster: true,
    want: { mode: 'iptables', source: 'services', captured: true, others: ['ipvs'] },
  },
  {
    name: 'reported nftables, table missing, iptables holds the rules: the rules packets hit are decoded',
    files: { 'iptables-save.txt': IPT, 'nft.txt': 'table ip filter {\n}\n', 'proxy-mode.txt': 'nftables' },
    want: { mode: 'iptables', source: 'services', captured: true, others: [] },
  },
  {
    name: 'reported nftables but not captured: trusted, nothing to decode',
    files: { 'iptables-save.txt': IPT, 'proxy-mode.txt': 'nftables' },
    want: { mode: 'nftables', source: 'reported', captured: false, others: ['iptables'] },
  },
  { name: 'an empty but hooked KUBE-SERVICES: kube-proxy runs and programs nothing', files: { 'iptables-save.txt': EMPTY_KUBE_SERVICES }, want: { mode: 'iptables', source: 'structure', captured: true, others: [] } },
  { name: 'no kube-proxy structure anywhere', files: { 'iptables-save.txt': BARE, 'nft.txt': 'table ip filter {\n}\n' }, want: { mode: 'unknown', source: 'none', captured: false, others: [] } },
  { name: 'an unknown reported mode is ignored for decoding', files: { 'iptables-save.txt': IPT, 'proxy-mode.txt': 'kernelspace' }, want: { mode: 'iptables', source: 'services', captured: true, others: [] } },
];

describe('detectMode', () => {
  const index: ClusterIndex = cluster().index;
  it.each(cases)('$name', ({ files, withCluster, want }) => {
    const d = detectMode(NODE, parseNodeDumps({ name: NODE, files }), withCluster ? index : null);
    expect({ mode: d.mode, source: d.source, captured: d.captured, others: d.others }).toEqual(want);
  });

  it('observedMode ignores what kube-proxy reports', () => {
    const dumps = parseNodeDumps({ name: NODE, files: { 'iptables-save.txt': IPT, 'nft.txt': NFT, 'proxy-mode.txt': 'iptables' } });
    expect(detectMode(NODE, dumps, null).mode).toBe('iptables');
    expect(observedMode(NODE, dumps, null).mode).toBe('nftables');
  });
});

describe('observePlanes', () => {
  it('counts the Service entries of each plane and quotes them', () => {
    const dumps = parseNodeDumps({ name: NODE, files: { 'iptables-save.txt': IPT, 'nft.txt': NFT, ...{ 'ipvsadm.txt': IPVS['ipvsadm.txt'], 'ip-addr.txt': IPVS['ip-addr.txt'] } } });
    const p = observePlanes(NODE, dumps);
    expect([p.iptables.services, p.nftables.services, p.ipvs.services]).toEqual([7, 7, 7]);
    expect(p.iptables.evidence[0].raw).toMatch(/^-A KUBE-SERVICES .*default\/kubernetes:https cluster IP/);
    expect(p.nftables.tables.map((t) => [t.family, t.services])).toEqual([[4, 7]]);
    expect(p.ipvs.ipvs0Addresses.length).toBeGreaterThan(0);
    expect(observePlanes(NODE, dumps)).toBe(p);
  });

  it('sees the iptables hook and the IPVS match set', () => {
    const ipt = observePlanes(NODE, parseNodeDumps({ name: NODE, files: { 'iptables-save.txt': IPT } })).iptables.files[0];
    expect(ipt.hook?.raw).toBe('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(ipt.ipvsMatchSet).toBeUndefined();
    const unhooked = observePlanes(NODE, parseNodeDumps({ name: NODE, files: { 'iptables-save.txt': withoutLines(IPT, /-j KUBE-SERVICES$/) } })).iptables.files[0];
    expect(unhooked.hook).toBeUndefined();
    const ipvs = observePlanes(NODE, parseNodeDumps({ name: NODE, files: IPVS })).iptables.files[0];
    expect(ipvs.ipvsMatchSet?.raw).toMatch(/--match-set KUBE-CLUSTER-IP dst,dst/);
    expect(ipvs.serviceJumps).toBe(0);
  });
});
