import { ok, fail } from '../../core/common/contract';
import type {
  Api,
  ApiEvent,
  ApiMethod,
  ApiResult,
  AppInfo,
  BackendRowView,
  PreloadBridge,
  ServiceDetail,
  ServiceRow,
  SessionInfo,
} from '../../core/common/contract';
import type { AnalysisResult } from '../../core/common/model/analysis';
import type { Finding } from '../../core/common/model/finding';

// A small, demo-like fake of the renderer's Api for component and store tests: one session with
// two nodes, a handful of findings and Services, and one Service detail with every backend mark.
// Every call is recorded; any method can be overridden per test.

export const FAKE_SESSION: SessionInfo = {
  id: 's1',
  source: 'demo',
  title: 'Demo cluster',
  hasCluster: true,
  generatedAt: '2025-01-01T00:00:00.000Z',
  nodes: [
    { node: 'node-a', status: 'analyzed', mode: 'iptables', files: ['iptables-save.txt'], ruleCount: 100, servicePorts: 4, backends: 6, malformedLines: 0 },
    { node: 'node-b', status: 'analyzed', mode: 'iptables', files: ['iptables-save.txt'], ruleCount: 98, servicePorts: 4, backends: 5, malformedLines: 0 },
  ],
  counts: { critical: 0, high: 2, medium: 1, low: 0, info: 1 },
  limitations: [],
};

export function fakeFinding(over: Partial<Finding> = {}): Finding {
  return {
    check: 'stale-backend',
    severity: 'high',
    node: 'node-a',
    service: 'shop/web',
    port: 'http',
    protocol: 'tcp',
    endpoint: '10.1.0.9:8080',
    pod: 'shop/web-old',
    title: 'Stale backend 10.1.0.9:8080 for shop/web:http',
    message: 'node-a still sends traffic to an endpoint that no longer exists.',
    nextSteps: ['Check kube-proxy logs on node-a.', 'Restart kube-proxy if it is stuck.'],
    evidence: [{ node: 'node-a', file: 'nodes/node-a/iptables-save.txt', line: 42, raw: '-A KUBE-SVC-ABC -j KUBE-SEP-OLD' }],
    ...over,
  };
}

export const FAKE_FINDINGS: Finding[] = [
  fakeFinding(),
  fakeFinding({
    check: 'not-ready-backend',
    severity: 'high',
    node: 'node-b',
    service: 'shop/api',
    endpoint: '10.1.1.5:9000',
    pod: 'shop/api-1',
    title: 'Not-ready backend 10.1.1.5:9000 for shop/api:grpc',
    message: 'A backend that is not ready still receives traffic.',
    evidence: [{ node: 'node-b', file: 'nodes/node-b/iptables-save.txt', line: 77, raw: '-A KUBE-SVC-DEF -j KUBE-SEP-NR' }],
  }),
  fakeFinding({
    check: 'missing-backend',
    severity: 'medium',
    node: 'node-b',
    service: 'shop/web',
    endpoint: '10.1.0.7:8080',
    pod: 'shop/web-2',
    title: 'Missing backend 10.1.0.7:8080 for shop/web:http',
    message: 'A ready endpoint is not programmed on node-b.',
    evidence: [{ node: null, file: 'cluster.json', line: 0, raw: 'EndpointSlice shop/web-abc' }],
  }),
  fakeFinding({
    check: 'no-endpoints',
    severity: 'info',
    node: null,
    service: 'kube-system/metrics',
    endpoint: null,
    pod: null,
    title: 'kube-system/metrics has no endpoints',
    message: 'Connections are rejected.',
    nextSteps: [],
    evidence: [{ node: 'node-a', file: 'nodes/node-a/iptables-save.txt', line: 12, raw: '-A KUBE-SERVICES -d 10.96.0.50/32 -j REJECT' }],
  }),
];

export function fakeAnalysis(findings: Finding[] = FAKE_FINDINGS): AnalysisResult {
  const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    schemaVersion: 1,
    tool: { name: 'proxyscope', version: '0.0.0-test' },
    generatedAt: FAKE_SESSION.generatedAt,
    snapshot: { source: 'demo', nodes: ['node-a', 'node-b'], cluster: { services: 3, endpointSlices: 3, pods: 5, nodes: 2 } },
    nodes: FAKE_SESSION.nodes,
    findings,
    limitations: [],
    counts,
  };
}

export function fakeServiceRow(over: Partial<ServiceRow> = {}): ServiceRow {
  const namespace = over.namespace ?? 'shop';
  const name = over.name ?? 'web';
  return {
    key: `${namespace}/${name}`,
    namespace,
    name,
    type: 'ClusterIP',
    clusterIPs: ['10.96.0.10'],
    ports: ['http 80/tcp'],
    findings: 0,
    worst: null,
    proxied: true,
    ...over,
  };
}

export const FAKE_SERVICES: ServiceRow[] = [
  fakeServiceRow({ findings: 2, worst: 'high' }),
  fakeServiceRow({ name: 'api', clusterIPs: ['10.96.0.20'], ports: ['grpc 9000/tcp'], findings: 1, worst: 'high' }),
  fakeServiceRow({ namespace: 'kube-system', name: 'metrics', clusterIPs: ['10.96.0.50'], ports: ['https 443/tcp'], findings: 1, worst: 'info' }),
];

/** `n` distinct rows (`ns-<i % 50>/svc-<i>`, IP 10.<…>, port 1000+i) for scale tests. */
export function manyServiceRows(n: number): ServiceRow[] {
  const out: ServiceRow[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: `ns-${i % 50}/svc-${i}`,
      namespace: `ns-${i % 50}`,
      name: `svc-${i}`,
      type: 'ClusterIP',
      clusterIPs: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
      ports: [`http ${1000 + i}/tcp`],
      findings: 0,
      worst: null,
      proxied: true,
    });
  }
  return out;
}

export function fakeBackend(over: Partial<BackendRowView> = {}): BackendRowView {
  return {
    endpoint: '10.1.0.5:8080',
    mark: 'OK',
    pod: 'shop/web-1',
    podNode: 'node-a',
    ready: true,
    serving: true,
    terminating: false,
    probability: 0.5,
    weight: null,
    chain: 'KUBE-SEP-AAA',
    evidence: [{ node: 'node-a', file: 'nodes/node-a/iptables-save.txt', line: 50, raw: '-A KUBE-SEP-AAA -j DNAT --to-destination 10.1.0.5:8080' }],
    ...over,
  };
}

export function fakeServiceDetail(row: ServiceRow = FAKE_SERVICES[0]): ServiceDetail {
  const ev = (node: string, line: number, raw: string) => ({ node, file: `nodes/${node}/iptables-save.txt`, line, raw });
  return {
    row,
    ports: [
      {
        label: `${row.key}:http/tcp`,
        portName: 'http',
        protocol: 'tcp',
        nodes: [
          {
            node: 'node-a',
            mode: 'iptables',
            family: 4,
            programmed: true,
            expected: true,
            frontends: [{ kind: 'cluster-ip', ip: '10.96.0.10', port: 80, protocol: 'tcp', path: 'cluster', target: 'KUBE-SVC-ABC', evidence: ev('node-a', 10, '-A KUBE-SERVICES -d 10.96.0.10/32 -j KUBE-SVC-ABC') }],
            paths: [
              {
                policy: 'cluster',
                chain: 'KUBE-SVC-ABC',
                terminatingFallback: false,
                rows: [
                  fakeBackend(),
                  fakeBackend({ endpoint: '10.1.0.9:8080', mark: 'STALE', pod: null, podNode: null, ready: null, serving: null, terminating: null, chain: 'KUBE-SEP-OLD', evidence: [ev('node-a', 42, '-A KUBE-SVC-ABC -j KUBE-SEP-OLD')] }),
                  fakeBackend({ endpoint: '10.1.0.6:8080', mark: 'NOT-READY', pod: 'shop/web-3', ready: false, serving: false, chain: 'KUBE-SEP-NR' }),
                  fakeBackend({ endpoint: '10.1.0.7:8080', mark: 'MISSING', pod: 'shop/web-2', podNode: 'node-b', probability: null, chain: null, evidence: [] }),
                ],
              },
            ],
            markers: [],
            notes: [],
          },
          {
            node: 'node-b',
            mode: 'iptables',
            family: 4,
            programmed: true,
            expected: true,
            frontends: [],
            paths: [{ policy: 'cluster', chain: 'KUBE-SVC-ABC', terminatingFallback: false, rows: [fakeBackend({ evidence: [ev('node-b', 51, '-A KUBE-SEP-AAA -j DNAT')] }), fakeBackend({ endpoint: '10.1.0.7:8080', pod: 'shop/web-2', podNode: 'node-b', chain: 'KUBE-SEP-BBB' })] }],
            markers: [],
            notes: [],
          },
        ],
      },
    ],
    findings: FAKE_FINDINGS.filter((f) => f.service === row.key),
  };
}

export interface FakeData {
  appInfo: AppInfo;
  initial: SessionInfo | null;
  session: SessionInfo;
  analysis: AnalysisResult;
  services: ServiceRow[];
  detail: (service: string) => ServiceDetail | null;
}

export interface FakeApi {
  api: Api;
  /** Every call, in order. */
  calls: { method: ApiMethod; arg: unknown }[];
  callsTo(method: ApiMethod): unknown[];
}

const unsupported = async (): Promise<ApiResult<never>> => fail('unsupported', 'not in this fake');

export function makeFakeApi(data: Partial<FakeData> = {}, overrides: Partial<Api> = {}): FakeApi {
  const d: FakeData = {
    appInfo: { version: '0.0.0-test', runtime: 'browser', terminals: false, nativeDialogs: false },
    initial: null,
    session: FAKE_SESSION,
    analysis: fakeAnalysis(),
    services: FAKE_SERVICES,
    detail: (key) => {
      const row = (data.services ?? FAKE_SERVICES).find((r) => r.key === key);
      return row ? fakeServiceDetail(row) : null;
    },
    ...data,
  };
  const known = (id: string) => id === d.session.id || id === d.initial?.id;
  const base: Api = {
    appInfo: async () => ok(d.appInfo),
    openDemo: async () => ok(d.session),
    importSnapshot: async () => ok(d.session),
    openSnapshotDialog: async () => ok(d.session),
    initialSession: async () => ok(d.initial),
    analysis: async ({ sessionId }) => (known(sessionId) ? ok(d.analysis) : fail('not-found', `no session ${sessionId}`)),
    services: async ({ sessionId }) => (known(sessionId) ? ok(d.services) : fail('not-found', `no session ${sessionId}`)),
    nodes: async ({ sessionId }) =>
      known(sessionId)
        ? ok(d.session.nodes.map((summary) => ({ summary, via: null, address: null, scanStatus: null, scanMessage: null, commands: [], kubeProxy: { mode: null, healthz: null } })))
        : fail('not-found', `no session ${sessionId}`),
    serviceDetail: async ({ service }) => {
      const det = d.detail(service);
      return det ? ok(det) : fail('not-found', `Service ${service} is not in this snapshot.`);
    },
    ruleFiles: unsupported,
    ruleText: unsupported,
    trace: unsupported,
    exportReport: async ({ format }) => ok({ fileName: `report.${format === 'markdown' ? 'md' : format}`, mime: 'text/plain', data: 'report', encoding: 'utf8' }),
    exportSnapshot: async () => ok({ fileName: 'snapshot.tar.gz', mime: 'application/gzip', data: 'H4sIAAAAAAAAAwMAAAAAAAAAAAA=', encoding: 'base64' }),
    saveFileDialog: async () => ok('/tmp/saved'),
    exportPdf: async () => ok('/tmp/report.pdf'),
    contexts: async () => ok([]),
    approveExec: async () => ok(true),
    startScan: unsupported,
    cancel: async () => ok(true),
    openTerminal: unsupported,
    terminalInput: unsupported,
    terminalResize: unsupported,
    closeTerminal: unsupported,
    openExternal: async () => ok(true),
    forgetPassphrase: async () => ok(false),
  };
  const impl = { ...base, ...overrides } as Api;
  const calls: FakeApi['calls'] = [];
  const recorded = {} as Record<ApiMethod, (arg?: unknown) => Promise<ApiResult<unknown>>>;
  for (const m of Object.keys(impl) as ApiMethod[]) {
    const fn = impl[m] as (arg?: unknown) => Promise<ApiResult<unknown>>;
    recorded[m] = (arg?: unknown) => {
      calls.push({ method: m, arg });
      return fn(arg);
    };
  }
  return {
    api: recorded as unknown as Api,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method).map((c) => c.arg),
  };
}

/** A PreloadBridge over a fake Api, plus a way to push events to the renderer. */
export function fakeBridge(api: Api): PreloadBridge & { emit(e: ApiEvent): void } {
  const listeners = new Set<(e: ApiEvent) => void>();
  return {
    runtime: 'electron',
    invoke: (method, arg) => (api[method] as (a?: unknown) => Promise<ApiResult<unknown>>)(arg),
    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    emit: (e) => {
      for (const l of listeners) l(e);
    },
  };
}

/** Installs `window.proxyscope` (what renderer/api.ts looks for first); returns the uninstaller. */
export function installFakeBridge(api: Api): { bridge: ReturnType<typeof fakeBridge>; uninstall(): void } {
  const bridge = fakeBridge(api);
  const g = globalThis as { proxyscope?: PreloadBridge };
  g.proxyscope = bridge;
  return {
    bridge,
    uninstall: () => {
      delete g.proxyscope;
    },
  };
}
