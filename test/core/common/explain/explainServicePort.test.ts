import { describe, expect, it } from 'vitest';
import { analyzeNode } from '../../../../core/common/analyze/analyzeNode';
import { expectedFor, prepareCluster } from '../../../../core/common/analyze/prepareCluster';
import { explainServicePort } from '../../../../core/common/explain/explainServicePort';
import { renderExplainText } from '../../../../core/common/explain/renderExplainText';
import type {
  Evidence,
  ExpectedEndpoint,
  ExpectedServicePort,
  NodeAnalysis,
  ProgrammedBackend,
  ProgrammedServicePort,
  ServicePortId,
} from '../../../../core/common/model';
import { finding } from '../report/sampleResult';
import { STALE_IP, tinySnapshot } from '../../node/tinySnapshot';

// Hand-built model: shop/web:http with endpoints .1 (ready, programmed), .2 (ready, not
// programmed), .3 (not ready, programmed) and .9 (unknown, programmed).

const FILE = 'nodes/n1/iptables-save.txt';
const ev = (line: number, raw: string): Evidence => ({ node: 'n1', file: FILE, line, raw });
const ID: ServicePortId = { namespace: 'shop', name: 'web', portName: 'http', protocol: 'tcp' };

function ep(last: number, ready: boolean, node = 'n1'): ExpectedEndpoint {
  return { ip: `10.0.0.${last}`, port: 8080, ready, serving: ready, terminating: false, nodeName: node, pod: `shop/web-${last}`, slice: 'web-abc' };
}

function backend(last: number, line: number): ProgrammedBackend {
  return {
    ip: `10.0.0.${last}`,
    port: 8080,
    chain: `KUBE-SEP-${last}`,
    evidence: [ev(line, `-A KUBE-SVC-WEB -j KUBE-SEP-${last}`), ev(line + 100, `-A KUBE-SEP-${last} -j DNAT --to-destination 10.0.0.${last}:8080`)],
  };
}

function expectedPort(over: Partial<ExpectedServicePort> = {}): ExpectedServicePort {
  const all = [ep(1, true), ep(2, true, 'n2'), ep(3, false)];
  return {
    id: ID,
    service: { kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.50' } },
    servicePort: { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
    proxied: true,
    clusterIP: '10.96.0.50',
    externalIPs: [],
    loadBalancerIPs: [],
    internalPolicyLocal: false,
    externalPolicyLocal: false,
    hasExternal: false,
    sourceRanges: [],
    allEndpoints: all,
    clusterEndpoints: all.filter((e) => e.ready),
    localEndpoints: [],
    clusterUsesTerminatingFallback: false,
    localUsesTerminatingFallback: false,
    topology: 'none',
    ...over,
  };
}

function programmedPort(id: ServicePortId = ID): ProgrammedServicePort {
  const backends = [backend(1, 20), backend(3, 21), backend(9, 22)];
  return {
    id,
    idSource: 'hash',
    label: 'shop/web:http',
    frontends: [{ kind: 'cluster-ip', ip: '10.96.0.50', port: 80, protocol: 'tcp', path: 'cluster', target: 'KUBE-SVC-WEB', evidence: ev(10, '-A KUBE-SERVICES -d 10.96.0.50/32 -j KUBE-SVC-WEB') }],
    clusterPath: {
      policy: 'cluster',
      chain: 'KUBE-SVC-WEB',
      backends,
      steps: backends.map((b, i) => ({ target: b.chain ?? '', probability: [0.33333333333, 0.5][i], evidence: b.evidence[0] })),
      evidence: [],
    },
    markers: [],
    chains: ['KUBE-SVC-WEB'],
  };
}

function nodeAnalysis(ports: ProgrammedServicePort[] = [programmedPort()]): NodeAnalysis {
  return {
    summary: { node: 'n1', status: 'analyzed', mode: 'iptables', files: [], ruleCount: 0, servicePorts: 0, backends: 0, malformedLines: 0 },
    programmed: [{ node: 'n1', mode: 'iptables', family: 4, servicePorts: ports, nameMismatches: [], facts: { unmappedChains: [], endpointCommentsPresent: true, file: FILE } }],
    findings: [
      finding('critical', { node: 'n1', service: 'shop/web', port: 'http', endpoint: '10.0.0.9:8080' }),
      finding('high', { node: 'n1', service: 'shop/api', port: 'http' }),
      finding('low', { node: 'n1', service: 'shop/web', port: 'metrics' }),
    ],
  };
}

describe('explainServicePort', () => {
  it('marks each backend OK, MISSING, NOT-READY or STALE by joining ip:port', () => {
    const r = explainServicePort(nodeAnalysis(), { 4: [expectedPort()] }, { namespace: 'shop', name: 'web' });
    expect(r.servicePorts).toHaveLength(1);
    const rows = r.servicePorts[0].paths[0].rows.map((row) => [row.mark, row.endpoint, row.endpointInfo?.pod ?? null]);
    expect(rows).toEqual([
      ['OK', '10.0.0.1:8080', 'shop/web-1'],
      ['MISSING', '10.0.0.2:8080', 'shop/web-2'],
      ['NOT-READY', '10.0.0.3:8080', 'shop/web-3'],
      ['STALE', '10.0.0.9:8080', null],
    ]);
  });

  it('marks programmed backends UNCHECKED without cluster.json', () => {
    const r = explainServicePort(nodeAnalysis(), null, { namespace: 'shop', name: 'web' });
    expect(r.hasCluster).toBe(false);
    expect(r.servicePorts[0].paths[0].rows.map((x) => x.mark)).toEqual(['UNCHECKED', 'UNCHECKED', 'UNCHECKED']);
    expect(r.servicePorts[0].notes.join(' ')).toMatch(/no cluster.json/);
  });

  it('links each LB step to the backend behind its endpoint chain', () => {
    const r = explainServicePort(nodeAnalysis(), { 4: [expectedPort()] }, { namespace: 'shop', name: 'web' });
    expect(r.servicePorts[0].paths[0].steps.map((s) => [s.step.target, s.backend?.ip])).toEqual([
      ['KUBE-SEP-1', '10.0.0.1'],
      ['KUBE-SEP-3', '10.0.0.3'],
      ['KUBE-SEP-9', '10.0.0.9'],
    ]);
  });

  const ports: [string, string | undefined, number][] = [
    ['all ports when none is given', undefined, 1],
    ['the port by name', 'http', 1],
    ['the port by number', '80', 1],
    ['nothing for another port', '443', 0],
  ];
  it.each(ports)('selects %s', (_n, port, count) => {
    const r = explainServicePort(nodeAnalysis(), { 4: [expectedPort()] }, { namespace: 'shop', name: 'web', ...(port ? { port } : {}) });
    expect(r.servicePorts).toHaveLength(count);
  });

  it('keeps only the findings about that Service (and port)', () => {
    const all = explainServicePort(nodeAnalysis(), { 4: [expectedPort()] }, { namespace: 'shop', name: 'web' });
    expect(all.findings.map((f) => f.port)).toEqual(['http', 'metrics']);
    const one = explainServicePort(nodeAnalysis(), { 4: [expectedPort()] }, { namespace: 'shop', name: 'web', port: 'http' });
    expect(one.findings.map((f) => f.port)).toEqual(['http']);
  });

  it('shows an expected path that has no chain, with every endpoint MISSING', () => {
    const r = explainServicePort(nodeAnalysis([]), { 4: [expectedPort()] }, { namespace: 'shop', name: 'web' });
    const sp = r.servicePorts[0];
    expect(sp.programmed).toBeNull();
    expect(sp.notes).toContain('no rules for this Service port were found in the dump');
    expect(sp.paths[0].programmed).toBeNull();
    expect(sp.paths[0].rows.map((x) => x.mark)).toEqual(['MISSING', 'MISSING']);
  });

  it('ignores the other family of a single-stack Service when that family has no rules', () => {
    const v6 = expectedPort({ proxied: false, notProxiedReason: 'no-cluster-ip-family', clusterIP: undefined, allEndpoints: [], clusterEndpoints: [] });
    const r = explainServicePort(nodeAnalysis(), { 4: [expectedPort()], 6: [v6] }, { namespace: 'shop', name: 'web' });
    expect(r.servicePorts.map((s) => s.family)).toEqual([4]);
    expect(r.servicePorts[0].expected?.proxied).toBe(true);
  });

  it('accepts a flat expected list and guesses the family from the ClusterIP', () => {
    const r = explainServicePort(nodeAnalysis(), [expectedPort()], { namespace: 'shop', name: 'web' });
    expect(r.servicePorts[0].paths[0].rows[0].mark).toBe('OK');
  });
});

describe('renderExplainText', () => {
  it('prints frontends, steps with probabilities and raw rules, the side-by-side table and findings', () => {
    const text = renderExplainText(explainServicePort(nodeAnalysis(), { 4: [expectedPort()] }, { namespace: 'shop', name: 'web' }));
    expect(text).toContain('== shop/web:http/tcp (IPv4)');
    expect(text).toContain('    cluster-ip 10.96.0.50:80/tcp -> KUBE-SVC-WEB  (cluster path)');
    expect(text).toContain(`      ${FILE}:10\n        -A KUBE-SERVICES -d 10.96.0.50/32 -j KUBE-SVC-WEB`);
    expect(text).toContain('    1. p=0.33333333333 -> KUBE-SEP-1 -> 10.0.0.1:8080');
    expect(text).toContain('    3. always -> KUBE-SEP-9 -> 10.0.0.9:8080');
    expect(text).toContain(`${FILE}:120\n        -A KUBE-SEP-1 -j DNAT --to-destination 10.0.0.1:8080`);
    expect(text).toMatch(/MARK +ENDPOINT +EXPECTED +PROGRAMMED +POD +READY +NODE/);
    expect(text).toMatch(/MISSING +10\.0\.0\.2:8080 +yes +no +shop\/web-2 +ready +n2/);
    expect(text).toMatch(/NOT-READY +10\.0\.0\.3:8080 +no +yes +shop\/web-3 +not-ready +n1/);
    expect(text).toContain('Findings (2)');
  });

  it('prints each evidence line once even when a step and its backend cite it', () => {
    const text = renderExplainText(explainServicePort(nodeAnalysis(), { 4: [expectedPort()] }, { namespace: 'shop', name: 'web' }));
    expect(text.split(`${FILE}:20\n`)).toHaveLength(2);
  });

  it('shows control and bidi characters from the dump as visible markers', () => {
    const p = programmedPort();
    p.frontends[0].evidence = ev(10, '-A KUBE-SERVICES -m comment --comment "\u001b[2J\u202Eevil"');
    const text = renderExplainText(explainServicePort(nodeAnalysis([p]), null, { namespace: 'shop', name: 'web' }));
    expect(text).toContain('<U+001B>[2J<U+202E>evil');
    expect(text).not.toMatch(/[\u001b\u202e]/);
  });
});

describe('explain on a real analysis', () => {
  it('shows the stale backend of a node next to the two good ones', () => {
    const snap = tinySnapshot({ staleOn: ['node-a'] });
    const cluster = prepareCluster(snap.clusterJson ?? '');
    const analysis = analyzeNode(snap.nodes[0], cluster);
    const r = explainServicePort(analysis, { 4: expectedFor(cluster, 'node-a', 4) }, { namespace: 'shop', name: 'web', port: 'http' });
    expect(r.servicePorts[0].paths[0].rows.map((x) => `${x.mark} ${x.endpoint}`)).toEqual([
      'OK 10.244.1.5:8080',
      'OK 10.244.2.6:8080',
      `STALE ${STALE_IP}:8080`,
    ]);
    expect(r.findings.map((f) => f.check)).toContain('stale-backend');
  });
});
