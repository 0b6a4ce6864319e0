import type { AnalysisResult, Finding, NodeSummary, Severity } from '../../../../core/common/model';

// Hand-built AnalysisResults for the renderer tests (the renderers only read this shape).

export function finding(severity: Severity, over: Partial<Finding> = {}): Finding {
  return {
    check: 'stale-backend',
    severity,
    node: 'node-a',
    service: 'shop/web',
    port: 'http',
    protocol: 'tcp',
    endpoint: '10.244.1.9:8080',
    pod: 'shop/web-7d9f',
    title: `Stale backend 10.244.1.9:8080 in shop/web:http on node-a`,
    message: 'kube-proxy on node-a still sends traffic to 10.244.1.9:8080, which is no endpoint of shop/web.',
    nextSteps: ['Check kube-proxy logs on node-a for sync errors.', 'kubectl -n shop get endpointslices -l kubernetes.io/service-name=web'],
    evidence: [
      {
        node: 'node-a',
        file: 'nodes/node-a/iptables-save.txt',
        line: 42,
        raw: '-A KUBE-SEP-ABCDEFGHIJKLMNOP -p tcp -m comment --comment "shop/web:http" -m tcp -j DNAT --to-destination 10.244.1.9:8080',
      },
    ],
    ...over,
  };
}

export function nodeSummary(node: string, over: Partial<NodeSummary> = {}): NodeSummary {
  return {
    node,
    status: 'analyzed',
    mode: 'iptables',
    files: ['iptables-save.txt'],
    ruleCount: 120,
    servicePorts: 12,
    backends: 20,
    malformedLines: 0,
    iptablesBackend: 'nf_tables',
    ...over,
  };
}

export function sampleResult(findings: Finding[] = [finding('critical'), finding('info', { check: 'no-endpoints', title: 'No endpoints' })], over: Partial<AnalysisResult> = {}): AnalysisResult {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity] += 1;
  return {
    schemaVersion: 1,
    tool: { name: 'proxyscope', version: '0.1.0' },
    generatedAt: '2025-01-02T03:04:05.000Z',
    snapshot: { source: 'snap.tar.gz', nodes: ['node-a', 'node-b'], cluster: { services: 12, endpointSlices: 13, pods: 30, nodes: 2 } },
    nodes: [nodeSummary('node-a'), nodeSummary('node-b', { status: 'no-dump', files: [], ruleCount: 0, servicePorts: 0, backends: 0, iptablesBackend: undefined })],
    findings,
    limitations: ['node-b has no iptables-save.txt: its rules were not checked.'],
    counts,
    ...over,
  };
}

/** Payloads that must never become markup, escapes or reordered text. */
export const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '"><script>alert(1)</script>',
  "' onmouseover='alert(1)",
  '</style><style>*{display:none}</style>',
  '`code` | pipe | ``` fence',
  '\u001b[31mred\u001b[0m\u001b]0;title\u0007',
  'evil\u202Egnp.exe\u2066x\u2069\u200B',
  'x'.repeat(400),
  '&lt;already&gt; &amp;',
  '# heading\n- list\n<b>bold</b>',
];

/** Every string field of a result filled with a hostile payload. */
export function hostileResult(): AnalysisResult {
  const h = (i: number): string => HOSTILE[i % HOSTILE.length];
  const findings = HOSTILE.map((_, i) =>
    finding((['critical', 'high', 'medium', 'low', 'info'] as const)[i % 5], {
      node: h(i),
      service: h(i + 1),
      port: h(i + 2),
      endpoint: h(i + 3),
      pod: h(i + 4),
      title: h(i + 5),
      message: h(i + 6),
      nextSteps: [h(i + 7), h(i + 8)],
      evidence: [{ node: h(i), file: h(i + 9), line: 7, raw: h(i) }],
    }),
  );
  return sampleResult(findings, {
    tool: { name: 'proxyscope', version: HOSTILE[0] },
    generatedAt: HOSTILE[1],
    snapshot: { source: HOSTILE[2], nodes: HOSTILE, cluster: null },
    nodes: HOSTILE.map((n, i) => nodeSummary(n, { files: [h(i + 1)], iptablesBackend: h(i + 2), error: h(i + 3), status: 'error' })),
    limitations: HOSTILE,
  });
}
