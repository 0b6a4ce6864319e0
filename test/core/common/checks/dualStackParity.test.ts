import { describe, expect, it } from 'vitest';
import { checkDualStackParity } from '../../../../core/common/checks/dualStackParity';
import { NODE, baseState, cluster, dualStack, iptablesFiles, ipvsFiles, nftFiles, nodeLevelContext } from '../analyze/_modeNodes';

const V4 = baseState();
const DUAL = dualStack(V4, 'shop/web', 'fd00:10:96::100');
const NFT = nftFiles(V4)['nft.txt'];
const IP6_TABLE = 'table ip6 kube-proxy {\n\tcomment "rules for kube-proxy"\n}\n';

interface Case {
  name: string;
  files: Record<string, string>;
  dual: boolean;
  expect: RegExp | null;
}

const cases: Case[] = [
  {
    name: 'nftables: a dual-stack Service and no table ip6 kube-proxy',
    files: { 'nft.txt': NFT },
    dual: true,
    expect: /^No IPv6 Service rules on worker-2 although 1 Service has IPv6 ClusterIPs$/,
  },
  { name: 'nftables: the ip6 table exists (gaps inside it are service-not-programmed\'s)', files: { 'nft.txt': NFT + IP6_TABLE }, dual: true, expect: null },
  { name: 'nftables: an IPv4-only cluster', files: { 'nft.txt': NFT }, dual: false, expect: null },
  { name: 'IPVS: a dual-stack Service and no IPv6 virtual server', files: ipvsFiles(V4), dual: true, expect: /^No IPv6 Service rules on worker-2/ },
  { name: 'iptables: a missing ip6tables-save.txt is a capture gap, not a finding', files: iptablesFiles(V4), dual: true, expect: null },
];

describe('checkDualStackParity', () => {
  it.each(cases)('$name', ({ files, dual, expect: want }) => {
    const got = checkDualStackParity(nodeLevelContext(files, cluster(dual ? DUAL : V4)));
    if (!want) {
      expect(got).toEqual([]);
      return;
    }
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ check: 'dual-stack-parity', severity: 'high', node: NODE, service: null });
    expect(got[0].title).toMatch(want);
    expect(got[0].message).toContain('shop/web');
    expect(got[0].evidence.at(-1)?.raw).toBe('Service shop/web ipFamilies ["IPv4","IPv6"] clusterIPs ["10.96.0.100","fd00:10:96::100"]');
  });

  it('quotes the family that is there and says which one is not', () => {
    const [f] = checkDualStackParity(nodeLevelContext({ 'nft.txt': NFT }, cluster(DUAL)));
    expect(f.evidence.map((e) => [e.line > 0, e.raw])).toEqual([
      [true, expect.stringMatching(/^table ip kube-proxy|^add table ip kube-proxy/)],
      [false, '(no table ip6 kube-proxy in this ruleset)'],
      [false, expect.stringContaining('Service shop/web')],
    ]);
  });

  it('needs cluster.json', () => {
    expect(checkDualStackParity(nodeLevelContext({ 'nft.txt': NFT }, null))).toEqual([]);
  });
});
