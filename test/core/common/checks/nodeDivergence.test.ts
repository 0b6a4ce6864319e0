import { describe, expect, it } from 'vitest';
import { checkNodeDivergence } from '../../../../core/common/checks/nodeDivergence';
import type { DigestServicePort, NodeDigest } from '../../../../core/common/model';

const A = '10.244.1.5:8080';
const B = '10.244.2.6:8080';
const C = '10.244.3.7:8080';
const OLD = '10.244.9.9:8080';

function entry(node: string, cluster: string[] | undefined, extra: Partial<DigestServicePort> = {}): DigestServicePort {
  return {
    key: 'shop/web:http/tcp',
    family: 4,
    label: 'shop/web:http',
    service: 'shop/web',
    port: 'http',
    protocol: 'tcp',
    ...(cluster ? { cluster: [...cluster].sort().join(',') } : {}),
    chain: 'KUBE-SVC-WEB',
    evidence: { node, file: `nodes/${node}/iptables-save.txt`, line: 7, raw: '-A KUBE-SVC-WEB ...' },
    ...extra,
  };
}

function digests(sets: Record<string, [string[] | undefined, Partial<DigestServicePort>?]>): NodeDigest[] {
  return Object.entries(sets).map(([node, [cluster, extra]]) => ({ node, families: [4], servicePorts: [entry(node, cluster, extra)] }));
}

const exp = (cluster: string[], local: string[] = []) => ({ expectedCluster: [...cluster].sort().join(','), expectedLocal: local.sort().join(',') });

type Case = { name: string; withCluster: boolean; input: NodeDigest[]; expect: { node: string | null; message?: RegExp }[] };

const cases: Case[] = [
  { name: 'nodes that agree give no finding', withCluster: false, input: digests({ n1: [[A, B]], n2: [[A, B]], n3: [[B, A]] }), expect: [] },
  {
    name: 'without cluster.json the minority node is flagged with what differs',
    withCluster: false,
    input: digests({ n1: [[A, B]], n2: [[A, B]], n3: [[A, OLD]] }),
    expect: [{ node: 'n3', message: /it sends traffic to 10\.244\.9\.9:8080, which the other nodes do not; it does not reach 10\.244\.2\.6:8080/ }],
  },
  {
    name: 'without cluster.json a tie is one cluster-wide finding',
    withCluster: false,
    input: digests({ n1: [[A, B]], n2: [[A, OLD]] }),
    expect: [{ node: null, message: /no majority/ }],
  },
  {
    name: 'nodes without a cluster path are not compared',
    withCluster: false,
    input: digests({ n1: [[A, B]], n2: [[A, B]], n3: [undefined] }),
    expect: [],
  },
  {
    name: 'with cluster.json legitimately different topology subsets are not divergence',
    withCluster: true,
    input: digests({ n1: [[A], exp([A])], n2: [[B], exp([B])], n3: [[C], exp([C])] }),
    expect: [],
  },
  {
    name: 'with cluster.json different Local paths are not divergence',
    withCluster: true,
    input: digests({ n1: [[A, B], { local: A, ...exp([A, B], [A]) }], n2: [[A, B], { local: B, ...exp([A, B], [B]) }], n3: [[A, B], { local: '', ...exp([A, B], []) }] }),
    expect: [],
  },
  {
    name: 'with cluster.json the node deviating from what it should have is flagged',
    withCluster: true,
    input: digests({ n1: [[A, B], exp([A, B])], n2: [[A, B], exp([A, B])], n3: [[A, OLD], exp([A, B])] }),
    expect: [{ node: 'n3', message: /still reaches 10\.244\.9\.9:8080.*lacks 10\.244\.2\.6:8080/ }],
  },
  {
    name: 'with cluster.json a two-node tie flags the node that deviates',
    withCluster: true,
    input: digests({ n1: [[A, B], exp([A, B])], n2: [[A], exp([A, B])] }),
    expect: [{ node: 'n2', message: /lacks 10\.244\.2\.6:8080/ }],
  },
  {
    name: 'with cluster.json compact matching entries are the reference',
    withCluster: true,
    input: digests({ n1: [undefined, { matchesExpected: true }], n2: [undefined, { matchesExpected: true }], n3: [[A, OLD], exp([A, B])] }),
    expect: [{ node: 'n3', message: /2 other nodes \(n1, n2\) program shop\/web:http as the EndpointSlices say, but on n3 its cluster path still reaches 10\.244\.9\.9:8080/ }],
  },
  {
    name: 'with cluster.json a correct node is never blamed, even when the others lag the same way',
    withCluster: true,
    input: digests({ n1: [[A, OLD], exp([A, B])], n2: [[A, OLD], exp([A, B])], n3: [undefined, { matchesExpected: true }] }),
    expect: [],
  },
  {
    name: 'with cluster.json all nodes lagging the same way is not divergence',
    withCluster: true,
    input: digests({ n1: [[A, OLD], exp([A, B])], n2: [[A, OLD], exp([A, B])] }),
    expect: [],
  },
];

describe('checkNodeDivergence', () => {
  it.each(cases)('$name', (c) => {
    const findings = checkNodeDivergence(c.input, c.withCluster);
    expect(findings.map((f) => f.node)).toEqual(c.expect.map((e) => e.node));
    findings.forEach((f, i) => {
      expect(f).toMatchObject({ check: 'node-divergence', severity: 'high', service: 'shop/web', port: 'http', protocol: 'tcp' });
      if (c.expect[i].message) expect(f.message).toMatch(c.expect[i].message!);
      expect(f.evidence.length).toBeGreaterThan(0);
    });
  });

  it('keeps IPv4 and IPv6 rules of one Service port apart', () => {
    const input = digests({ n1: [[A]], n2: [[A]] });
    input[1].servicePorts.push({ ...entry('n2', ['[fd00::1]:8080']), family: 6 });
    expect(checkNodeDivergence(input, false)).toEqual([]);
  });
});
