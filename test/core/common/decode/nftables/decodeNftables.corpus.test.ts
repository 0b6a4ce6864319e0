import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProgrammedNode } from '../../../../../core/common/model';
import { readCorpus } from '../../kube/corpusCluster';
import { allEvidence, backendsOf, frontendLine, markerLines, overallInputs, probabilitySum, servicePort } from '../iptables/decodeHelpers';
import { decodeNftText, NFT_FILE, nftFixtureDir, overallNftNames, readNft } from './nftDecodeHelpers';

// Decodes kube-proxy's nftables table from the shared corpus (copies in test/fixtures/corpus/nftables,
// provenance in its README): the upstream TestOverallNFTablesRules transaction and nft 1.0.6's own
// `list` and `-j` renderings of it, the knftables IPv6 example, and two real node dumps.

const OVERALL_FORMS = [
  { form: 'transaction', file: 'k8s-test-overall-nft-transaction.nft' },
  { form: 'nft -a list', file: 'derived-nft-1.0.6-a-list-ruleset-of-k8s-test-overall.nft' },
  { form: 'nft -j', file: 'derived-nft-1.0.6-j-list-ruleset-of-k8s-test-overall.json' },
];

interface OverallExpectation {
  label: string;
  /** Sorted; `{LB}` is load-balancer with the name table and external-ip without (nft maps do not tell them apart). */
  frontends: string[];
  cluster: string[];
  markers: string[];
  affinitySeconds?: number;
  sourceRanges?: string[];
}

const overallExpected: OverallExpectation[] = [
  {
    label: 'ns1/svc1:p80',
    frontends: ['cluster-ip 172.30.0.41:80/tcp -> service-ULMVA6XW-ns1/svc1/tcp/p80 (cluster)'],
    cluster: ['10.180.0.1:80'],
    markers: [],
  },
  {
    label: 'ns2/svc2:p80',
    frontends: [
      'cluster-ip 172.30.0.42:80/tcp -> service-42NFTM6N-ns2/svc2/tcp/p80 (cluster)',
      'external-ip 192.168.99.22:80/tcp -> external-42NFTM6N-ns2/svc2/tcp/p80 (external)',
      '{LB} 1.2.3.4:80/tcp -> external-42NFTM6N-ns2/svc2/tcp/p80 (external)',
      'node-port *:3001/tcp -> external-42NFTM6N-ns2/svc2/tcp/p80 (external)',
    ],
    cluster: ['10.180.0.2:80'],
    markers: [
      'drop no-local-endpoints external-ip 192.168.99.22:80/tcp',
      'drop no-local-endpoints node-port *:3001/tcp',
      'drop no-local-endpoints {LB} 1.2.3.4:80/tcp',
    ],
  },
  {
    label: 'ns3/svc3:p80',
    frontends: [
      'cluster-ip 172.30.0.43:80/tcp -> service-4AT6LBPK-ns3/svc3/tcp/p80 (cluster)',
      'node-port *:3003/tcp -> external-4AT6LBPK-ns3/svc3/tcp/p80 (external)',
    ],
    cluster: ['10.180.0.3:80'],
    markers: [],
  },
  {
    label: 'ns4/svc4:p80',
    frontends: [
      'cluster-ip 172.30.0.44:80/tcp -> service-LAUZTJTB-ns4/svc4/tcp/p80 (cluster)',
      'external-ip 192.168.99.33:80/tcp -> external-LAUZTJTB-ns4/svc4/tcp/p80 (external)',
    ],
    cluster: ['10.180.0.4:80', '10.180.0.5:80'],
    markers: [],
  },
  {
    label: 'ns5/svc5:p80',
    // firewall-ips marks 5.6.7.8 as an LB IP even without the name table.
    frontends: [
      'cluster-ip 172.30.0.45:80/tcp -> service-HVFWP5L3-ns5/svc5/tcp/p80 (cluster)',
      'load-balancer 5.6.7.8:80/tcp -> external-HVFWP5L3-ns5/svc5/tcp/p80 (external)',
      'node-port *:3002/tcp -> external-HVFWP5L3-ns5/svc5/tcp/p80 (external)',
    ],
    cluster: ['10.180.0.3:80'],
    markers: ['drop firewall load-balancer 5.6.7.8:80/tcp'],
    affinitySeconds: 10800,
    sourceRanges: ['203.0.113.0/25'],
  },
  { label: 'ns6/svc6:p80', frontends: [], cluster: [], markers: ['reject no-endpoints cluster-ip 172.30.0.46:80/tcp'] },
];

const withLb = (lines: string[], names: boolean): string[] =>
  lines.map((l) => l.replace('{LB}', names ? 'load-balancer' : 'external-ip')).sort();

describe('decodeNftables on kube-proxy TestOverallNFTablesRules', () => {
  const variants = OVERALL_FORMS.flatMap((f) => [
    { ...f, names: true, idSource: 'hash' },
    { ...f, names: false, idSource: 'comment' },
  ]);
  const decode = (v: (typeof variants)[number]): ProgrammedNode => decodeNftText(readNft(v.file), v.names ? overallNftNames() : null);
  const cases = variants.flatMap((v) => overallExpected.map((e) => ({ name: `${v.form}, name table ${v.names}`, v, e })));

  it.each(cases)('$name: $e.label has the frontends, backends and markers kube-proxy programmed', ({ v, e }) => {
    const sp = servicePort(decode(v), e.label);
    expect(sp.frontends.map(frontendLine).sort()).toEqual(withLb(e.frontends, v.names));
    expect(backendsOf(sp.clusterPath)).toEqual(e.cluster);
    expect(sp.localPath).toBeUndefined();
    expect(markerLines(sp).sort()).toEqual(withLb(e.markers, v.names));
    expect(sp.clusterPath?.affinitySeconds).toBe(e.affinitySeconds);
    expect(sp.sourceRanges).toEqual(e.sourceRanges);
  });

  it.each(variants)('$form, name table $names: every Service port is identified ($idSource), none unmapped, no name mismatch', (v) => {
    const node = decode(v);
    expect(node.mode).toBe('nftables');
    expect(node.family).toBe(4);
    expect(node.servicePorts.map((s) => s.label).sort()).toEqual(overallExpected.map((e) => e.label));
    for (const sp of node.servicePorts) expect(sp.idSource).toBe(sp.label === 'ns6/svc6:p80' ? 'comment' : v.idSource);
    expect(node.facts).toEqual({ unmappedChains: [], endpointCommentsPresent: true, file: NFT_FILE });
    expect(node.nameMismatches).toEqual([]);
  });

  it('groups exactly the chains the corpus lists for each Service port and names backends after them', () => {
    const node = decodeNftText(readNft(OVERALL_FORMS[0].file), overallNftNames());
    for (const [label, names] of Object.entries(overallInputs().expectedChainNames)) {
      if (label === 'note') continue;
      const nft = (names as unknown as { nftables?: { service?: string; external?: string; firewall?: string; endpoints?: Record<string, string> } }).nftables;
      if (nft === undefined) continue;
      const sp = servicePort(node, label);
      const expected = [nft.service, nft.external, nft.firewall, ...Object.values(nft.endpoints ?? {})].filter((c): c is string => c !== undefined);
      expect([...sp.chains].sort()).toEqual(expected.sort());
      expect(sp.externalChain).toBe(nft.external);
      expect(sp.firewallChain).toBe(nft.firewall);
      const got = Object.fromEntries((sp.clusterPath?.backends ?? []).map((b) => [`${b.ip}:${b.port}`, b.chain]));
      expect(got).toEqual(nft.endpoints ?? {});
    }
  });

  it('reads the numgen vmap as one step per arm, key = arm index, probability 1/N', () => {
    const sp = servicePort(decodeNftText(readNft(OVERALL_FORMS[0].file), null), 'ns4/svc4:p80');
    expect(sp.clusterPath?.steps.map((s) => [s.key, s.probability, s.target])).toEqual([
      [0, 0.5, 'endpoint-UNZV3OEC-ns4/svc4/tcp/p80__10.180.0.4/80'],
      [1, 0.5, 'endpoint-5RFCDDV7-ns4/svc4/tcp/p80__10.180.0.5/80'],
    ]);
    expect(sp.clusterPath?.backends.map((b) => b.probability)).toEqual([0.5, 0.5]);
  });

  it('cites the affinity rule and the affinity set update on the ClientIP backend', () => {
    const sp = servicePort(decodeNftText(readNft(OVERALL_FORMS[0].file), null), 'ns5/svc5:p80');
    const raws = sp.clusterPath?.backends[0].evidence.map((e) => e.raw) ?? [];
    expect(raws[0]).toContain('numgen random mod 1');
    expect(raws[1]).toContain('ip saddr @affinity-GTK6MW7G-ns5/svc5/tcp/p80__10.180.0.3/80 goto');
    expect(raws.some((r) => r.includes('update @affinity-GTK6MW7G'))).toBe(true);
    // The affinity rule is not a load-balancing step.
    expect(sp.clusterPath?.steps).toHaveLength(1);
  });

  it('takes the Service port of a no-endpoints element from its comment, even without the name table', () => {
    const sp = servicePort(decodeNftText(readNft(OVERALL_FORMS[0].file), null), 'ns6/svc6:p80');
    expect(sp.id).toEqual({ namespace: 'ns6', name: 'svc6', portName: 'p80', protocol: 'tcp' });
    expect(sp.markers[0].evidence.raw).toBe('172.30.0.46 . tcp . 80 comment "ns6/svc6:p80" : goto reject-chain');
  });
});

interface DerivedMapping {
  servicePorts: {
    namespace: string;
    name: string;
    protocol: string;
    portName: string;
    serviceChain: string;
    destinations: { ip: string; port: number }[];
    nodePorts: { protocol: string; port: number }[];
    endpoints: { address: string; chain: string }[];
  }[];
  servicePortsWithoutEndpoints: { ip: string; protocol: string; port: number; comment: string; verdict: string }[];
}

describe('decodeNftables on a real k3s `nft list table ip kube-proxy`', () => {
  const mapping = readCorpus<DerivedMapping>('real-k3s-nft-derived-mapping.json');
  const node = decodeNftText(readNft('real-k3s-nft-list-table-kube-proxy.nft'), null);
  const label = (ns: string, name: string, port: string) => (port === '' ? `${ns}/${name}` : `${ns}/${name}:${port}`);

  it.each(mapping.servicePorts)('$namespace/$name:$portName ($protocol) matches the derived mapping', (m) => {
    const sp = servicePort(node, label(m.namespace, m.name, m.portName));
    expect(sp.id).toEqual({ namespace: m.namespace, name: m.name, portName: m.portName, protocol: m.protocol.toLowerCase() });
    expect(sp.idSource).toBe('comment');
    expect(sp.clusterPath?.chain).toBe(m.serviceChain);
    expect(sp.frontends.filter((f) => f.kind === 'cluster-ip').map((f) => `${f.ip}:${f.port}`)).toEqual(m.destinations.map((d) => `${d.ip}:${d.port}`));
    expect(sp.frontends.filter((f) => f.kind === 'node-port').map((f) => `${f.protocol}/${f.port}`)).toEqual(m.nodePorts.map((n) => `${n.protocol.toLowerCase()}/${n.port}`));
    expect(sp.clusterPath?.backends.map((b) => [`${b.ip}:${b.port}`, b.chain])).toEqual(m.endpoints.map((e) => [e.address, e.chain]));
  });

  it.each(mapping.servicePortsWithoutEndpoints)('no-endpoints $comment is a reject marker on its own Service port', (m) => {
    const sp = servicePort(node, m.comment);
    expect(sp.chains).toEqual([]);
    expect(markerLines(sp)).toEqual([`reject no-endpoints cluster-ip ${m.ip}:${m.port}/${m.protocol.toLowerCase()}`]);
  });

  it('splits the 9-way numgen map into nine 1/9 shares and finds nothing unmapped or misnamed', () => {
    const sp = servicePort(node, 'riset/hellopod-np-svc');
    expect(sp.clusterPath?.steps.map((s) => s.key)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(probabilitySum(sp.clusterPath!)).toBeCloseTo(1, 12);
    expect(node.servicePorts).toHaveLength(mapping.servicePorts.length + mapping.servicePortsWithoutEndpoints.length);
    expect(node.nameMismatches).toEqual([]);
    expect(node.facts.unmappedChains).toEqual([]);
  });
});

describe('decodeNftables on IPv6 and partial dumps', () => {
  it.each([
    { form: 'transaction', file: 'knftables-fake-test-kube-proxy-ipv6-transaction.nft' },
    { form: 'nft -a list', file: 'derived-nft-1.0.6-a-list-ruleset-of-knftables-fake-test-kube-proxy-ipv6.nft' },
    { form: 'nft -j', file: 'derived-nft-1.0.6-j-list-ruleset-of-knftables-fake-test-kube-proxy-ipv6.json' },
  ])('$form: reads table ip6 kube-proxy, `dnat to [addr]:port` and endpoint names with `.` for `:`', ({ file }) => {
    const node = decodeNftText(readNft(file), null, 6);
    expect(node.family).toBe(6);
    const sp = servicePort(node, 'ns1/svc1:p80');
    expect(sp.frontends.map(frontendLine).sort()).toEqual([
      'cluster-ip fd00:172:30::41:80/tcp -> service-ULMVA6XW-ns1/svc1/tcp/p80 (cluster)',
      'node-port *:3001/tcp -> external-ULMVA6XW-ns1/svc1/tcp/p80 (external)',
    ]);
    expect(backendsOf(sp.clusterPath)).toEqual(['[fd00:10:180::1]:80', '[fd00:10:180::2:1]:80']);
    // Both endpoint names recompute, IPv6 colons as dots included.
    expect(node.nameMismatches).toEqual([]);
    // The same file has no IPv4 kube-proxy table.
    expect(decodeNftText(readNft(file), null, 4).servicePorts).toEqual([]);
  });

  it('decodes the kubeadm excerpt cut short by its author: steps to absent endpoint chains have no backend', () => {
    const node = decodeNftText(readNft('real-kubeadm-nft-a-list-table-kube-proxy-excerpt.nft'), null);
    const sp = servicePort(node, 'home/http-server:mainhttp');
    expect(sp.clusterPath?.steps).toHaveLength(4);
    expect(backendsOf(sp.clusterPath)).toEqual(['10.244.1.71:8000']);
    expect(servicePort(node, 'ingress-nginx/ingress-nginx-controller:http').frontends.map((f) => f.kind).sort()).toEqual(['cluster-ip', 'external-ip']);
    expect(node.nameMismatches).toEqual([]);
  });
});

describe('decodeNftables evidence and load-balancing invariants on every corpus fixture', () => {
  const files = readdirSync(nftFixtureDir).filter((f) => f.endsWith('.nft') || f.endsWith('.json') || f.endsWith('.txt'));
  const cases = files.flatMap((file) => [4, 6].map((family) => ({ file, family: family as 4 | 6 })));

  it.each(cases)('$file (IPv$family): decodes without throwing; every evidence quotes its line (or JSON object)', ({ file, family }) => {
    const text = readNft(file);
    const lines = text.split('\n');
    const node = decodeNftText(text, null, family);
    for (const e of allEvidence(node)) {
      expect(e.node).toBe('node-a');
      expect(e.file).toBe(NFT_FILE);
      expect(e.line).toBeGreaterThan(0);
      if (file.endsWith('.json')) expect(() => JSON.parse(e.raw)).not.toThrow();
      else expect(lines[e.line - 1]).toContain(e.raw.split('\n')[0]);
    }
  });

  it.each(cases)('$file (IPv$family): backend shares of every complete path add up to 1', ({ file, family }) => {
    const node = decodeNftText(readNft(file), null, family);
    for (const sp of node.servicePorts) {
      for (const path of [sp.clusterPath, sp.localPath]) {
        if (path === undefined || path.backends.length !== path.steps.length || path.steps.length === 0) continue;
        expect(probabilitySum(path)).toBeCloseTo(1, 9);
      }
    }
  });
});
