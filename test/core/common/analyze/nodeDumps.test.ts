import { describe, expect, it } from 'vitest';
import { DATA_PLANE_FILES, IPTABLES_FILES, malformedLineCount, parseNodeDumps, reportedModeText } from '../../../../core/common/analyze/nodeDumps';
import { NODE, iptablesFiles, ipvsFiles, nftFiles } from './_modeNodes';

const CONNTRACK = 'udp      17 29 src=10.244.1.3 dst=10.96.0.10 sport=53211 dport=53 src=10.244.2.2 dst=10.244.1.3 sport=53 dport=53211 mark=0 use=1\n';
const EMPTY_NAT = '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\nCOMMIT\n';

describe('parseNodeDumps', () => {
  it('parses every known capture of a node into one object, with snapshot paths', () => {
    const ipvs = ipvsFiles();
    const files: Record<string, string> = {
      ...IPTABLES_FILES.reduce<Record<string, string>>((acc, f) => ({ ...acc, [f.name]: EMPTY_NAT }), {}),
      'nft.txt': nftFiles()['nft.txt'],
      'nft.json': '{"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}, {"table": {"family": "ip", "name": "kube-proxy", "handle": 1}}]}',
      'ipvsadm.txt': ipvs['ipvsadm.txt'],
      'ipset.txt': ipvs['ipset.txt'],
      'ip-addr.txt': ipvs['ip-addr.txt'],
      'conntrack.txt': CONNTRACK,
      'proxy-mode.txt': 'nftables\n',
      'node.json': '{}',
      'notes.txt': 'ignored',
    };
    const d = parseNodeDumps({ name: NODE, files });
    expect(d.iptables.map((f) => [f.name, f.file, f.dump.family])).toEqual([
      ['iptables-save.txt', `nodes/${NODE}/iptables-save.txt`, 4],
      ['iptables-legacy-save.txt', `nodes/${NODE}/iptables-legacy-save.txt`, 4],
      ['ip6tables-save.txt', `nodes/${NODE}/ip6tables-save.txt`, 6],
      ['ip6tables-legacy-save.txt', `nodes/${NODE}/ip6tables-legacy-save.txt`, 6],
    ]);
    expect(d.nft.map((f) => [f.name, f.dump.syntax])).toEqual([
      ['nft.json', 'json'],
      ['nft.txt', 'transaction'],
    ]);
    expect(d.ipvs?.dump.services.length).toBeGreaterThan(0);
    expect(d.ipset?.dump.sets.has('KUBE-CLUSTER-IP')).toBe(true);
    expect(d.ipAddr?.dump.byInterface.has('kube-ipvs0')).toBe(true);
    expect(d.conntrack?.dump.entries).toHaveLength(1);
    expect(d.reportedMode).toEqual({ file: `nodes/${NODE}/proxy-mode.txt`, mode: 'nftables' });
    expect(malformedLineCount(d)).toBe(0);
  });

  it('leaves out what the node does not have', () => {
    const d = parseNodeDumps({ name: NODE, files: { ...iptablesFiles(), 'proxy-mode.txt': '\n' } });
    expect(d.iptables.map((f) => f.name)).toEqual(['iptables-save.txt']);
    expect(d.nft).toEqual([]);
    expect([d.ipvs, d.ipset, d.ipAddr, d.conntrack, d.reportedMode]).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('counts unreadable lines of every file', () => {
    const d = parseNodeDumps({ name: NODE, files: { 'iptables-save.txt': '*nat\n-A\nCOMMIT\n', 'ip-addr.txt': 'not ip output\n', 'nft.txt': 'table ip kube-proxy {\n\tbogus statement here\n}\n' } });
    expect(malformedLineCount(d)).toBe(d.iptables[0].dump.malformed.length + d.nft[0].dump.malformed.length + (d.ipAddr?.dump.malformed.length ?? 0));
    expect(malformedLineCount(d)).toBeGreaterThanOrEqual(2);
  });

  it('knows the files that hold a data plane', () => {
    expect(DATA_PLANE_FILES).toEqual(['iptables-save.txt', 'iptables-legacy-save.txt', 'ip6tables-save.txt', 'ip6tables-legacy-save.txt', 'nft.json', 'nft.txt', 'ipvsadm.txt']);
  });
});

describe('reportedModeText', () => {
  it.each([
    { text: 'iptables', want: 'iptables' },
    { text: 'ipvs\n', want: 'ipvs' },
    { text: '  NFTables  \n', want: 'nftables' },
    { text: '$ curl -s http://127.0.0.1:10249/proxyMode\nnftables\n', want: 'nftables' },
    { text: 'curl -s localhost:10249/proxyMode\niptables', want: 'iptables' },
    { text: '# captured 2025-01-01\n\nkernelspace\n', want: 'kernelspace' },
    { text: '', want: '' },
    { text: '\n\n', want: '' },
  ])('reads $want from $text', ({ text, want }) => {
    expect(reportedModeText(text)).toBe(want);
  });
});
