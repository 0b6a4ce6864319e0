import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProgrammedNode } from '../../../../../core/common/model';
import type { IptablesNameTable } from '../../../../../core/common/kube/iptablesNameTable';
import { readCorpus, toService } from '../../kube/corpusCluster';
import type { TService } from '../../kube/corpusCluster';
import {
  allEvidence,
  backendsOf,
  iptablesFixtureDir,
  decodeText,
  frontendLine,
  markerLines,
  namesFor,
  overallInputs,
  overallNames,
  probabilitySum,
  readRules,
  servicePort,
  stripComments,
  withTableHeaders,
} from './decodeHelpers';

// Decodes the upstream kube-proxy unit-test fixtures and real dumps of the shared corpus
// (copies in test/fixtures/corpus/iptables, provenance in test/fixtures/corpus/README-decode.md).

const OVERALL = 'k8s-test-overall-restore-input.rules';

interface OverallExpectation {
  label: string;
  frontends: string[];
  cluster: string[];
  markers: string[];
  affinitySeconds?: number;
  sourceRanges?: string[];
}

const overallExpected: OverallExpectation[] = [
  {
    label: 'ns1/svc1:p80',
    frontends: ['cluster-ip 172.30.0.41:80/tcp -> KUBE-SVC-XPGD46QRK7WJZT7O (cluster)'],
    cluster: ['10.180.0.1:80'],
    markers: [],
  },
  {
    label: 'ns2/svc2:p80',
    frontends: [
      'cluster-ip 172.30.0.42:80/tcp -> KUBE-SVC-GNZBNJ2PO5MGZ6GT (cluster)',
      'external-ip 192.168.99.22:80/tcp -> KUBE-EXT-GNZBNJ2PO5MGZ6GT (external)',
      'load-balancer 1.2.3.4:80/tcp -> KUBE-EXT-GNZBNJ2PO5MGZ6GT (external)',
      'node-port *:3001/tcp -> KUBE-EXT-GNZBNJ2PO5MGZ6GT (external)',
    ],
    cluster: ['10.180.0.2:80'],
    markers: [
      'drop no-local-endpoints external-ip 192.168.99.22:80/tcp',
      'drop no-local-endpoints load-balancer 1.2.3.4:80/tcp',
      'drop no-local-endpoints node-port *:3001/tcp',
    ],
  },
  {
    label: 'ns3/svc3:p80',
    frontends: [
      'cluster-ip 172.30.0.43:80/tcp -> KUBE-SVC-X27LE4BHSL4DOUIK (cluster)',
      'node-port *:3003/tcp -> KUBE-EXT-X27LE4BHSL4DOUIK (external)',
    ],
    cluster: ['10.180.0.3:80'],
    markers: [],
  },
  {
    label: 'ns4/svc4:p80',
    frontends: [
      'cluster-ip 172.30.0.44:80/tcp -> KUBE-SVC-4SW47YFZTEDKD3PK (cluster)',
      'external-ip 192.168.99.33:80/tcp -> KUBE-EXT-4SW47YFZTEDKD3PK (external)',
    ],
    cluster: ['10.180.0.4:80', '10.180.0.5:80'],
    markers: [],
  },
  {
    label: 'ns5/svc5:p80',
    frontends: [
      'cluster-ip 172.30.0.45:80/tcp -> KUBE-SVC-NUKIZ6OKUXPJNT4C (cluster)',
      'load-balancer 5.6.7.8:80/tcp -> KUBE-FW-NUKIZ6OKUXPJNT4C (firewall)',
      'node-port *:3002/tcp -> KUBE-EXT-NUKIZ6OKUXPJNT4C (external)',
    ],
    cluster: ['10.180.0.3:80'],
    markers: ['drop firewall load-balancer 5.6.7.8:80/tcp'],
    affinitySeconds: 10800,
    sourceRanges: ['203.0.113.0/25'],
  },
  { label: 'ns6/svc6:p80', frontends: [], cluster: [], markers: ['reject no-endpoints cluster-ip 172.30.0.46:80/tcp'] },
];

/** The overall fixture decoded four ways: with/without the name table, with/without comments. */
const overallVariants: { name: string; text: () => string; names: () => IptablesNameTable | null; idSource: string }[] = [
  { name: 'with comments and the name table', text: () => readRules(OVERALL), names: overallNames, idSource: 'hash' },
  { name: 'with comments only', text: () => readRules(OVERALL), names: () => null, idSource: 'comment' },
  { name: 'without any comment, with the name table', text: () => stripComments(readRules(OVERALL)), names: overallNames, idSource: 'hash' },
];

describe('decodeIptables on kube-proxy TestOverallIPTablesRules', () => {
  const cases = overallVariants.flatMap((v) => overallExpected.map((e) => ({ variant: v.name, v, e })));

  it.each(cases)('$variant: $e.label has the frontends, backends and markers kube-proxy programmed', ({ v, e }) => {
    const node = decodeText(v.text(), v.names());
    const sp = servicePort(node, e.label);
    expect(sp.frontends.map(frontendLine)).toEqual(e.frontends);
    expect(backendsOf(sp.clusterPath)).toEqual(e.cluster);
    expect(sp.localPath).toBeUndefined();
    expect(markerLines(sp)).toEqual(e.markers);
    expect(sp.clusterPath?.affinitySeconds).toBe(e.affinitySeconds);
    expect(sp.sourceRanges).toEqual(e.sourceRanges);
  });

  it.each(overallVariants)('$name: every Service port is identified, none unmapped, no name mismatch', (v) => {
    const node = decodeText(v.text(), v.names());
    expect(node.servicePorts.map((s) => s.label)).toEqual(overallExpected.map((e) => e.label));
    // Chain-backed ports take the variant's source; the marker-only ns6 is known from its comment or frontend.
    for (const sp of node.servicePorts.slice(0, 5)) expect(sp.idSource).toBe(v.idSource);
    expect(servicePort(node, 'ns6/svc6:p80').idSource).toBe('comment');
    expect(node.facts.unmappedChains).toEqual([]);
    expect(node.nameMismatches).toEqual([]);
  });

  it('groups exactly the chains the corpus lists for each Service port', () => {
    const node = decodeText(readRules(OVERALL), overallNames());
    const inputs = overallInputs();
    for (const [label, names] of Object.entries(inputs.expectedChainNames)) {
      if (label === 'note') continue;
      const ipt = names.iptables;
      const expected = [ipt.svc, ipt.ext, ipt.fw, ...Object.values(ipt.sep ?? {})].filter((c): c is string => c !== undefined);
      expect([...servicePort(node, label).chains].sort()).toEqual(expected.sort());
    }
  });

  it('names every backend after its KUBE-SEP chain from the corpus', () => {
    const node = decodeText(readRules(OVERALL), overallNames());
    for (const [label, names] of Object.entries(overallInputs().expectedChainNames)) {
      const sep = names.iptables?.sep;
      if (sep === undefined) continue;
      const got = Object.fromEntries((servicePort(node, label).clusterPath?.backends ?? []).map((b) => [`${b.ip}:${b.port}`, b.chain]));
      expect(got).toEqual(sep);
    }
  });

  it('keeps the 127.0.0.0/8 NodePort copy as extra evidence of the NodePort frontend', () => {
    const text = readRules(OVERALL);
    const node = decodeText(text, overallNames());
    const np = servicePort(node, 'ns2/svc2:p80').frontends.find((f) => f.kind === 'node-port');
    expect(np?.evidence.raw).not.toContain('127.0.0.0/8');
    expect(np?.extraEvidence?.map((e) => e.raw)).toEqual([
      '-A KUBE-NODEPORTS -m comment --comment ns2/svc2:p80 -m tcp -p tcp -d 127.0.0.0/8 --dport 3001 -m nfacct --nfacct-name localhost_nps_accepted_pkts -j KUBE-EXT-GNZBNJ2PO5MGZ6GT',
    ]);
  });

  it('records external and firewall chains of the Service port', () => {
    const sp = servicePort(decodeText(readRules(OVERALL), overallNames()), 'ns5/svc5:p80');
    expect(sp.externalChain).toBe('KUBE-EXT-NUKIZ6OKUXPJNT4C');
    expect(sp.firewallChain).toBe('KUBE-FW-NUKIZ6OKUXPJNT4C');
  });

  it.each([
    { name: 'with comments', strip: false, present: true },
    { name: 'without comments', strip: true, present: false },
  ])('reports whether endpoint comments are present ($name)', ({ strip, present }) => {
    const text = strip ? stripComments(readRules(OVERALL)) : readRules(OVERALL);
    expect(decodeText(text, overallNames()).facts.endpointCommentsPresent).toBe(present);
  });

  it('without comments or name table, still decodes every frontend and backend but leaves them unmapped', () => {
    const node = decodeText(stripComments(readRules(OVERALL)), null);
    const chainPorts = node.servicePorts.filter((s) => s.chains.length > 0);
    expect(chainPorts).toHaveLength(5);
    for (const sp of chainPorts) {
      expect(sp.id).toBeNull();
      expect(sp.idSource).toBe('none');
      expect(sp.label).toMatch(/^KUBE-(SVC|EXT|FW)-/);
    }
    const backends = chainPorts.flatMap((s) => backendsOf(s.clusterPath)).sort();
    expect(backends).toEqual(['10.180.0.1:80', '10.180.0.2:80', '10.180.0.3:80', '10.180.0.3:80', '10.180.0.4:80', '10.180.0.5:80']);
    expect(node.facts.unmappedChains.map((u) => u.chain).sort()).toEqual(
      chainPorts.flatMap((s) => s.chains).sort(),
    );
    // The ns6 REJECT has no comment and no nat frontend: it stays a Service port of its own.
    const reject = node.servicePorts.find((s) => s.markers.some((m) => m.kind === 'reject'));
    expect(reject?.label).toBe('tcp 172.30.0.46:80');
  });
});

interface ItpScenario {
  dump: string;
  service: TService | string;
  expected: { svc?: string; svl?: string; ext?: string; svcEndpoints?: string[]; svlEndpoints?: string[]; sep?: Record<string, string> };
}

describe('decodeIptables on kube-proxy traffic-policy fixtures', () => {
  const inputs = readCorpus<{ scenarios: ItpScenario[] }>('k8s-test-itp-and-terminating-inputs.json');
  const firstService = inputs.scenarios[2].service as TService;
  const cases = inputs.scenarios.map((s) => ({
    dump: s.dump.replace('iptables/', ''),
    service: typeof s.service === 'string' ? firstService : s.service,
    expected: s.expected,
  }));

  it.each(cases)('$dump: SVC and SVL reach exactly the expected endpoints', ({ dump, service, expected }) => {
    const node = decodeText(readRules(dump), namesFor([toService(service)]));
    expect(node.servicePorts).toHaveLength(1);
    const sp = node.servicePorts[0];
    expect(sp.label).toBe('ns1/svc1');
    expect(sp.idSource).toBe('hash');
    expect(sp.clusterPath?.chain).toBe(expected.svc);
    expect(sp.localPath?.chain).toBe(expected.svl);
    if (expected.ext !== undefined) expect(sp.externalChain).toBe(expected.ext);
    expect(backendsOf(sp.clusterPath).sort()).toEqual([...(expected.svcEndpoints ?? [])].sort());
    expect(backendsOf(sp.localPath).sort()).toEqual([...(expected.svlEndpoints ?? [])].sort());
    for (const b of [...(sp.clusterPath?.backends ?? []), ...(sp.localPath?.backends ?? [])]) {
      if (expected.sep !== undefined) expect(b.chain).toBe(expected.sep[`${b.ip}:${b.port}`]);
    }
    expect(node.nameMismatches).toEqual([]);
    expect(node.facts.unmappedChains).toEqual([]);
  });

  it('reads 1/3, 1/2, unconditional as three equal shares', () => {
    const sp = decodeText(readRules('k8s-test-itp-cluster-3-endpoints.rules'), null).servicePorts[0];
    expect(sp.clusterPath?.steps.map((s) => s.probability)).toEqual([0.3333333333, 0.5, undefined]);
    for (const b of sp.clusterPath?.backends ?? []) expect(b.probability).toBeCloseTo(1 / 3, 9);
  });

  it('reads session affinity from the -m recent --rcheck rules and cites them on the backend', () => {
    const sp = decodeText(readRules('k8s-test-terminating-etp-local-ready-exist.rules'), null).servicePorts[0];
    expect(sp.clusterPath?.affinitySeconds).toBe(10800);
    expect(sp.localPath?.affinitySeconds).toBe(10800);
    // The affinity rules are not load-balancing steps.
    expect(sp.clusterPath?.steps).toHaveLength(3);
    const first = sp.clusterPath?.backends[0];
    expect(first?.evidence.map((e) => e.raw.includes('--rcheck'))).toEqual([false, true, false, false]);
  });

  it('maps the KUBE-SERVICES loadbalancer IP to the EXT chain and ETP=Local to the SVL path', () => {
    const sp = decodeText(readRules('k8s-test-terminating-etp-local-only-terminating.rules'), null).servicePorts[0];
    expect(sp.frontends.map(frontendLine)).toEqual([
      'cluster-ip 172.30.1.1:80/tcp -> KUBE-SVC-AQI2S6QIMU7PVVRP (cluster)',
      'load-balancer 1.2.3.4:80/tcp -> KUBE-EXT-AQI2S6QIMU7PVVRP (external)',
    ]);
    expect(sp.chains).toEqual(expect.arrayContaining(['KUBE-EXT-AQI2S6QIMU7PVVRP', 'KUBE-SVL-AQI2S6QIMU7PVVRP']));
  });
});

const kthwServices: TService[] = [
  { namespace: 'default', name: 'kubernetes', clusterIP: '10.32.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
  {
    namespace: 'kube-system',
    name: 'kube-dns',
    clusterIP: '10.32.0.10',
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'metrics', port: 9153, protocol: 'TCP' },
    ],
  },
  { namespace: 'default', name: 'nginx', type: 'NodePort', clusterIP: '10.32.0.61', ports: [{ port: 80, protocol: 'TCP', nodePort: 30783 }] },
];

describe('decodeIptables on real iptables-save output (canonical order)', () => {
  const cases = [
    {
      file: 'real-kthw-nginx-nodeport-etp-cluster-grep-excerpt.rules',
      frontends: [
        'cluster-ip 10.32.0.61:80/tcp -> KUBE-SVC-2CMXP7HKUVJN7L6M (cluster)',
        'node-port *:30783/tcp -> KUBE-EXT-2CMXP7HKUVJN7L6M (external)',
      ],
      cluster: ['10.64.2.4:80'],
      local: [] as string[],
      markers: [] as string[],
    },
    {
      file: 'real-kthw-nginx-nodeport-etp-local-grep-excerpt.rules',
      frontends: ['node-port *:30783/tcp -> KUBE-EXT-2CMXP7HKUVJN7L6M (external)'],
      cluster: ['10.64.2.4:80'],
      local: ['10.64.2.4:80'],
      markers: ['drop no-local-endpoints node-port *:30783/tcp'],
    },
  ];

  it.each(cases)('$file: default/nginx decodes with /32 stripped and canonical option order', ({ file, frontends, cluster, local, markers }) => {
    const node = decodeText(withTableHeaders(readRules(file)), namesFor(kthwServices.map(toService)));
    const sp = servicePort(node, 'default/nginx');
    expect(sp.idSource).toBe('hash');
    expect(sp.frontends.map(frontendLine)).toEqual(frontends);
    expect(backendsOf(sp.clusterPath)).toEqual(cluster);
    expect(backendsOf(sp.localPath)).toEqual(local);
    expect(markerLines(sp)).toEqual(markers);
    expect(node.nameMismatches).toEqual([]);
  });

  it('maps the kube-system and default Services of the excerpt by hash, with their protocols', () => {
    const node = decodeText(withTableHeaders(readRules(cases[0].file)), namesFor(kthwServices.map(toService)));
    expect(node.servicePorts.map((s) => `${s.label}/${s.id?.protocol} ${s.idSource}`)).toEqual([
      'default/kubernetes:https/tcp hash',
      'kube-system/kube-dns:dns/udp hash',
      'kube-system/kube-dns:dns-tcp/tcp hash',
      'kube-system/kube-dns:metrics/tcp hash',
      'default/nginx/tcp hash',
    ]);
    // Their SVC chains are not in the grep excerpt: referenced only, so no chains and no paths.
    expect(servicePort(node, 'default/kubernetes:https').chains).toEqual([]);
  });

  it('reads the affinity rule in iptables-save order (--rcheck --seconds --reap --name --mask --rsource)', () => {
    const node = decodeText(readRules('k8s-issue-47533-iptables-save-affinity-recent-excerpt.rules'), null, 'nat');
    const sp = servicePort(node, 'default/kubernetes:https');
    expect(sp.clusterPath?.affinitySeconds).toBe(10800);
    expect(sp.clusterPath?.steps.map((s) => s.target)).toEqual(['KUBE-SEP-6FZLAPUAJM6OKK6A']);
    // The old `! -s podCIDR … -j KUBE-MARK-MASQ` rules in KUBE-SERVICES are not frontends.
    expect(sp.frontends.map(frontendLine)).toEqual(['cluster-ip 10.96.0.1:443/tcp -> KUBE-SVC-NPX46M4PTMTKRN6Y (cluster)']);
  });

  it.each([
    { chain: 'KUBE-SVC-NAKX6UQGKMWYNALM', label: 'kube-system/consul:rpc', n: 3 },
    { chain: 'KUBE-SVC-O4A6SDCC2OYMU5YR', label: 'kube-system/consul:server', n: 5 },
    { chain: 'KUBE-SVC-NPX46M4PTMTKRN6Y', label: 'default/kubernetes:https', n: 1 },
  ])('old 11-decimal probabilities of $label give each of $n steps a 1/$n share', ({ chain, label, n }) => {
    const node = decodeText(readRules('k8s-issue-26292-iptables-save-probabilities-excerpt.rules'), null, 'nat');
    const sp = servicePort(node, label);
    expect(sp.clusterPath?.chain).toBe(chain);
    const steps = sp.clusterPath?.steps ?? [];
    expect(steps).toHaveLength(n);
    let remaining = 1;
    for (const s of steps) {
      const p = s.probability ?? 1;
      // 5-decimal probabilities (kube-proxy <1.17), re-read with the kernel's 1/2^31 granularity.
      expect(remaining * p).toBeCloseTo(1 / n, 4);
      remaining *= 1 - p;
    }
    expect(remaining).toBe(0);
    // The SEP chains are not in the excerpt: steps without backends, and the chains are not reported as present.
    expect(sp.clusterPath?.backends).toEqual([]);
  });

  it('decodes an old dump without comments (iptables v1.4.21) and reports its chains as unmapped', () => {
    const node = decodeText(readRules('k8s-issue-61005-iptables-save-v1.4.21-nat-excerpt.rules'), null);
    expect(node.facts.unmappedChains.map((u) => u.chain)).toEqual(
      expect.arrayContaining(['KUBE-SVC-ERIFXISQEP7F7OF4', 'KUBE-SEP-43JXX3WIN2SOR6EG']),
    );
    expect(node.facts.endpointCommentsPresent).toBe(false);
  });

  it('maps the kind excerpt ETP=Local EXT chain and an orphan endpoint chain by their comments', () => {
    const node = decodeText(readRules('k8s-pr-114470-kind-iptables-save-nat-excerpt.rules'), null, 'nat');
    const np = servicePort(node, 'default/nodeport-service');
    expect(np.frontends.map(frontendLine)).toEqual(['node-port *:31964/tcp -> KUBE-EXT-QATUYZLPU4I4HE4S (external)']);
    expect(np.externalChain).toBe('KUBE-EXT-QATUYZLPU4I4HE4S');
    const dns = servicePort(node, 'kube-system/kube-dns:dns');
    expect(dns.id?.protocol).toBe('udp');
    expect(dns.chains).toEqual(['KUBE-SEP-6E7XQMQ4RAYOWTTM']);
  });
});

describe('decodeIptables evidence and load-balancing invariants on every corpus fixture', () => {
  const fixtures: { file: string; transform?: (t: string) => string; defaultTable?: string }[] = [
    { file: OVERALL },
    { file: OVERALL, transform: stripComments },
    { file: 'k8s-test-itp-cluster-3-endpoints.rules' },
    { file: 'k8s-test-itp-local-1-local-endpoint.rules' },
    { file: 'k8s-test-terminating-etp-local-ready-exist.rules' },
    { file: 'k8s-test-terminating-etp-local-only-terminating.rules' },
    { file: 'real-kthw-nginx-nodeport-etp-cluster-grep-excerpt.rules', transform: withTableHeaders },
    { file: 'real-kthw-nginx-nodeport-etp-local-grep-excerpt.rules', transform: withTableHeaders },
    { file: 'k8s-issue-47533-iptables-save-affinity-recent-excerpt.rules', defaultTable: 'nat' },
    { file: 'k8s-issue-61005-iptables-save-v1.4.21-nat-excerpt.rules' },
    { file: 'k8s-pr-114470-kind-iptables-save-nat-excerpt.rules', defaultTable: 'nat' },
  ];
  const decoded = (f: (typeof fixtures)[number]): { node: ProgrammedNode; lines: string[] } => {
    const text = (f.transform ?? ((t: string) => t))(readRules(f.file));
    return { node: decodeText(text, null, f.defaultTable), lines: text.split('\n') };
  };

  it.each(fixtures)('$file: every piece of evidence quotes its line of the dump', (f) => {
    const { node, lines } = decoded(f);
    const evidence = allEvidence(node);
    expect(evidence.length).toBeGreaterThan(0);
    for (const e of evidence) {
      expect(e.node).toBe('node-a');
      expect(e.file).toBe('nodes/node-a/iptables-save.txt');
      expect(lines[e.line - 1]).toBe(e.raw);
    }
  });

  it.each(fixtures)('$file: backend shares of every complete path add up to 1', (f) => {
    const { node } = decoded(f);
    for (const sp of node.servicePorts) {
      for (const path of [sp.clusterPath, sp.localPath]) {
        if (path === undefined || path.backends.length !== path.steps.length || path.steps.length === 0) continue;
        expect(probabilitySum(path)).toBeCloseTo(1, 9);
      }
    }
  });
});

describe('decodeIptables on every iptables file of the corpus (IPVS-mode, Calico, counters, warnings)', () => {
  const files = readdirSync(iptablesFixtureDir).filter((f) => f.endsWith('.rules') || f.endsWith('.txt'));

  it.each(files)('%s: decodes without throwing and quotes the dump in its evidence', (file) => {
    const text = readRules(file);
    const node = decodeText(text, null, 'nat');
    const lines = text.split('\n');
    for (const e of allEvidence(node)) {
      if (e.line > 0) expect(lines[e.line - 1]).toBe(e.raw);
    }
    for (const sp of node.servicePorts) {
      expect(sp.label.length).toBeGreaterThan(0);
      for (const path of [sp.clusterPath, sp.localPath]) if (path !== undefined) expect(probabilitySum(path)).toBeLessThanOrEqual(1 + 1e-9);
    }
  });
});
