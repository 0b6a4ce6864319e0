import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../../core/common/analyze/analyzeSnapshot';
import type { ApiEvent, ApiResult, ServiceDetail, SessionInfo } from '../../../../core/common/contract';
import type { AnalysisResult } from '../../../../core/common/model';
import { createBackend } from '../../../../core/node/app/backend';
import type { Backend } from '../../../../core/node/app/backendTypes';
import { loadSnapshot } from '../../../../core/node/snapshot/loadSnapshot';
import { value } from '../../../helpers/apiTestKit';

// The backend on the demo snapshot (assets/demo/README.md lists its faults): sessions, the
// Services list and detail, the rule viewer with chain labels, traces, exports and imports.

const DEMO = join(__dirname, '..', '..', '..', '..', 'assets', 'demo');


let work: string;
let backend: Backend;
let demo: SessionInfo;
let expected: AnalysisResult;
const events: ApiEvent[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'proxyscope-backend-'));
  backend = createBackend({ version: 'test', demoDir: DEMO, tmpDir: work });
  backend.onEvent((e) => events.push(e));
  demo = value(await backend.openDemo());
  expected = analyzeSnapshot(await loadSnapshot(DEMO));
});

afterAll(async () => {
  await backend?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('opening the demo', () => {
  it('gives a session with the 6 demo nodes and the same counts as analyzeSnapshot', () => {
    expect(demo.id).toMatch(/^[A-Za-z0-9._:-]+$/);
    expect(demo).toMatchObject({ source: 'demo', hasCluster: true, counts: expected.counts });
    expect(demo.nodes.map((n) => n.node)).toEqual(['cp-1', 'worker-1', 'worker-2', 'worker-3', 'worker-4', 'worker-5']);
  });

  it('reports load and analyze progress under one job id', () => {
    const progress = events.filter((e): e is Extract<ApiEvent, { type: 'progress' }> => e.type === 'progress');
    expect(new Set(progress.map((e) => e.jobId)).size).toBe(1);
    expect(progress.map((e) => [e.phase, e.done, e.total])).toEqual([
      ['load', 0, 1],
      ['load', 1, 1],
      ['analyze', 0, 6],
      ['analyze', 6, 6],
    ]);
  });

  it('returns the analysis of the session', async () => {
    const a = value(await backend.analysis({ sessionId: demo.id }));
    expect(a.findings.map((f) => [f.check, f.node, f.service])).toEqual(expected.findings.map((f) => [f.check, f.node, f.service]));
  });
});

describe('services', () => {
  it.each([
    { key: 'shop/web', findings: 2, worst: 'critical' },
    { key: 'shop/search', findings: 1, worst: 'critical' },
    { key: 'shop/catalog', findings: 1, worst: 'high' },
    { key: 'payments/payments-api', findings: 1, worst: 'critical' },
    { key: 'batch/report-generator', findings: 1, worst: 'high' },
    { key: 'shop/legacy-search', findings: 1, worst: 'high' },
    { key: 'default/kubernetes', findings: 0, worst: null },
  ])('lists $key with $findings findings (worst $worst)', async ({ key, findings, worst }) => {
    const rows = value(await backend.services({ sessionId: demo.id }));
    expect(rows.find((r) => r.key === key)).toMatchObject({ findings, worst });
  });

  it('marks the headless Service as not proxied and lists every Service of cluster.json once', async () => {
    const rows = value(await backend.services({ sessionId: demo.id }));
    expect(rows.find((r) => r.key === 'data/redis-headless')?.proxied).toBe(false);
    // 20 Services in cluster.json + the deleted shop/legacy-search its orphan rules name.
    expect(rows).toHaveLength(21);
  });
});

describe('service detail', () => {
  let web: ServiceDetail;
  beforeAll(async () => {
    web = value(await backend.serviceDetail({ sessionId: demo.id, service: 'shop/web' }));
  });

  it('shows the stale backend of shop/web on worker-2 only, with evidence lines that exist in its dump', async () => {
    const port = web.ports.find((p) => p.label === 'shop/web:http/tcp');
    expect(port?.nodes.map((n) => n.node)).toEqual(demo.nodes.map((n) => n.node));
    const stale = (port?.nodes ?? []).flatMap((n) => n.paths.flatMap((p) => p.rows.filter((r) => r.mark === 'STALE').map((r) => ({ node: n.node, row: r }))));
    expect(stale.map((s) => [s.node, s.row.endpoint])).toEqual([['worker-2', '10.244.1.5:8080']]);
    const row = stale[0].row;
    expect(row.evidence.length).toBeGreaterThan(0);
    const text = value(await backend.ruleText({ sessionId: demo.id, node: 'worker-2', file: 'iptables-save.txt' }));
    for (const e of row.evidence) {
      expect(e.file).toBe('nodes/worker-2/iptables-save.txt');
      expect(text.lines[e.line - 1]).toBe(e.raw);
    }
  });

  it('names the pod, its node and readiness of the expected backends', () => {
    const rows = web.ports[0].nodes.find((n) => n.node === 'worker-1')?.paths[0].rows ?? [];
    expect(rows.map((r) => [r.mark, r.endpoint, r.pod, r.podNode, r.ready])).toEqual([
      ['OK', '10.244.1.4:8080', 'shop/web-bf6c97f658-62w4w', 'worker-1', true],
      ['OK', '10.244.2.4:8080', 'shop/web-bf6c97f658-nnf5g', 'worker-2', true],
      ['OK', '10.244.3.3:8080', 'shop/web-bf6c97f658-xt4h5', 'worker-3', true],
    ]);
  });

  it('quotes nft.json evidence by object, as the rule viewer numbers it', async () => {
    const w4 = web.ports[0].nodes.find((n) => n.node === 'worker-4');
    const ev = w4?.paths[0].rows[0].evidence ?? [];
    expect(ev.length).toBeGreaterThan(0);
    const text = value(await backend.ruleText({ sessionId: demo.id, node: 'worker-4', file: 'nft.json' }));
    for (const e of ev) expect(JSON.parse(text.lines[e.line - 1])).toEqual(JSON.parse(e.raw));
  });

  it.each([
    { name: 'the not-ready catalog pod on worker-3', service: 'shop/catalog', node: 'worker-3', mark: 'NOT-READY', endpoint: '10.244.1.7:9090' },
    { name: 'the deleted search pod on worker-4 (nftables)', service: 'shop/search', node: 'worker-4', mark: 'STALE', endpoint: '10.244.2.6:9200' },
    { name: 'the payments-api backends worker-1 never programmed', service: 'payments/payments-api', node: 'worker-1', mark: 'MISSING', endpoint: null },
  ])('marks $name', async ({ service, node, mark, endpoint }) => {
    const d = value(await backend.serviceDetail({ sessionId: demo.id, service }));
    const rows = d.ports.flatMap((p) => p.nodes.filter((n) => n.node === node).flatMap((n) => n.paths.flatMap((pa) => pa.rows)));
    const marked = rows.filter((r) => r.mark === mark);
    expect(marked.length).toBeGreaterThan(0);
    if (endpoint !== null) expect(marked.map((r) => r.endpoint)).toContain(endpoint);
    expect(d.findings.every((f) => f.service === service)).toBe(true);
    expect(d.findings.length).toBeGreaterThan(0);
  });

  it('lists the findings about the Service', () => {
    expect(web.findings.map((f) => [f.check, f.node]).sort()).toEqual([
      ['ipvs-weight-zero', 'worker-5'],
      ['stale-backend', 'worker-2'],
    ]);
  });
});

describe('rule files and chain labels', () => {
  it.each([
    { node: 'worker-1', files: [['iptables-save.txt', 'iptables']] },
    { node: 'worker-4', files: [['iptables-save.txt', 'iptables'], ['nft.json', 'nft-json'], ['proxy-mode.txt', 'text']] },
    { node: 'worker-5', files: [['ip-addr.txt', 'text'], ['ipset.txt', 'ipset'], ['iptables-save.txt', 'iptables'], ['ipvsadm.txt', 'ipvsadm'], ['proxy-mode.txt', 'text']] },
  ])('lists the files of $node with their syntax', async ({ node, files }) => {
    const list = value(await backend.ruleFiles({ sessionId: demo.id, node }));
    expect(list.map((f) => [f.name, f.syntax])).toEqual(files);
    for (const f of list) {
      expect(f.path).toBe(`nodes/${node}/${f.name}`);
      const text = value(await backend.ruleText({ sessionId: demo.id, node, file: f.name }));
      expect(text.lines).toHaveLength(f.lines);
      expect(text.file).toEqual(f);
    }
  });

  it.each([
    { name: 'KUBE-SVC chains of an iptables node', node: 'worker-1', file: 'iptables-save.txt', chain: /^KUBE-SVC-/, service: 'shop/web:http/tcp' },
    { name: 'the iptables-mode leftovers next to nftables', node: 'worker-4', file: 'iptables-save.txt', chain: /^KUBE-SVC-/, service: 'shop/web:http/tcp' },
    { name: 'nft service chains', node: 'worker-4', file: 'nft.json', chain: /^service-.*shop\/web\/tcp\/http$/, service: 'shop/web:http/tcp' },
    { name: 'IPVS virtual services', node: 'worker-5', file: 'ipvsadm.txt', chain: /^TCP 10\.96\.0\.104:80$/, service: 'shop/web:http/tcp' },
  ])('labels $name with their Service', async ({ node, file, chain, service }) => {
    const text = value(await backend.ruleText({ sessionId: demo.id, node, file }));
    const labelled = text.chains.filter((c) => chain.test(c.chain) && c.service === service);
    expect(labelled.length).toBeGreaterThan(0);
    for (const c of labelled) expect(text.lines[c.line - 1]).toContain(c.chain.split(' ').pop() as string);
  });
});

describe('trace', () => {
  it.each([
    { name: 'the three web pods from an iptables node', node: 'worker-1', dst: '10.96.0.104', port: 80, want: ['10.244.1.4', '10.244.2.4', '10.244.3.3'] },
    { name: 'the three web pods from the IPVS node', node: 'worker-5', dst: '10.96.0.104', port: 80, want: ['10.244.1.4', '10.244.2.4', '10.244.3.3'] },
  ])('DNATs a ClusterIP to $name', async ({ node, dst, port, want }) => {
    const r = value(await backend.trace({ sessionId: demo.id, node, dst, port, protocol: 'tcp' }));
    expect(r.error).toBeUndefined();
    const dnat = r.planes.flatMap((p) => p.outcomes.filter((o) => o.kind === 'dnat').map((o) => o.ip));
    expect([...new Set(dnat)].sort()).toEqual(want);
  });

  it('returns the trace error of a bad destination as part of the result', async () => {
    const r = value(await backend.trace({ sessionId: demo.id, node: 'worker-1', dst: 'not-an-ip', port: 80, protocol: 'tcp' }));
    expect(r.error).toMatch(/not an IP address/);
  });
});

describe('exports and imports', () => {
  it.each([
    { format: 'html' as const, fileName: 'proxyscope-report-demo.html', mime: /^text\/html/, marker: '<!DOCTYPE html>' },
    { format: 'markdown' as const, fileName: 'proxyscope-report-demo.md', mime: /^text\/markdown/, marker: '# Proxyscope report' },
    { format: 'json' as const, fileName: 'proxyscope-report-demo.json', mime: /^application\/json/, marker: '"schemaVersion": 1' },
  ])('exports the $format report', async ({ format, fileName, mime, marker }) => {
    const f = value(await backend.exportReport({ sessionId: demo.id, format }));
    expect(f).toMatchObject({ fileName, encoding: 'utf8' });
    expect(f.mime).toMatch(mime);
    expect(f.data).toContain(marker);
  });

  it('round-trips the snapshot through export and import with the same counts', async () => {
    const f = value(await backend.exportSnapshot({ sessionId: demo.id }));
    expect(f).toMatchObject({ fileName: 'proxyscope-snapshot-demo.tar.gz', mime: 'application/gzip', encoding: 'base64' });
    const imported = value(await backend.importSnapshot({ fileName: 'demo-copy.tar.gz', dataBase64: f.data }));
    expect(imported).toMatchObject({ source: 'demo-copy.tar.gz', title: 'demo-copy.tar.gz', counts: demo.counts, hasCluster: true });
    expect(imported.nodes).toEqual(demo.nodes);
    expect(imported.id).not.toBe(demo.id);
  });

  it.each([
    { name: 'random bytes', fileName: 'x.tar.gz', data: Buffer.from('this is not an archive at all').toString('base64'), message: /not a usable snapshot/ },
    { name: 'gzip of something that is not a tar', fileName: 'x.tgz', data: gzipSync(Buffer.alloc(2048, 7)).toString('base64'), message: /not a usable snapshot/ },
    { name: 'text that is not base64', fileName: 'x.tar.gz', data: '!!!not base64!!!', message: /not valid base64/ },
    { name: 'a file that is not an archive by name', fileName: 'cluster.json', data: Buffer.from('{}').toString('base64'), message: /\.tar\.gz or \.tgz/ },
  ])('refuses $name as invalid-snapshot without quoting temporary paths', async ({ fileName, data, message }) => {
    const r = await backend.importSnapshot({ fileName, dataBase64: data });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid-snapshot');
    expect(r.error.message).toMatch(message);
    expect(r.error.message).not.toContain(work);
  });

  it('leaves no temporary files behind after imports and exports', () => {
    const left = readdirSync(work).flatMap((d) => readdirSync(join(work, d)));
    expect(left).toEqual([]);
  });
});

describe('unknown things', () => {
  const unknownSession = '00000000-0000-4000-8000-000000000000';
  it.each([
    { name: 'an unknown session', call: () => backend.analysis({ sessionId: unknownSession }) },
    { name: 'an unknown Service', call: () => backend.serviceDetail({ sessionId: demo.id, service: 'shop/nope' }) },
    { name: 'an unknown node for rule files', call: () => backend.ruleFiles({ sessionId: demo.id, node: 'worker-9' }) },
    { name: 'an unknown file', call: () => backend.ruleText({ sessionId: demo.id, node: 'worker-1', file: 'nft.txt' }) },
    { name: 'node.json, which is not a rule file', call: () => backend.ruleText({ sessionId: demo.id, node: 'worker-1', file: 'node.json' }) },
    { name: 'an unknown node for a trace', call: () => backend.trace({ sessionId: demo.id, node: 'worker-9', dst: '10.96.0.1', port: 443, protocol: 'tcp' }) },
    { name: 'cancelling an unknown job', call: () => backend.cancel({ id: 'no-such-job' }) },
  ])('answers not-found for $name', async ({ call }) => {
    const r = await call();
    expect(r.ok ? null : r.error.code).toBe('not-found');
  });

  it('has no initial session without --snapshot', async () => {
    expect(value(await backend.initialSession())).toBeNull();
  });
});

describe('initial session and cancellation', () => {
  it('opens the --snapshot path once', async () => {
    const b = createBackend({ version: 'test', demoDir: DEMO, tmpDir: work, initialSnapshot: DEMO });
    try {
      const first = value(await b.initialSession());
      const second = value(await b.initialSession());
      expect(first?.id).toBeDefined();
      expect(second?.id).toBe(first?.id);
      expect(first?.counts).toEqual(demo.counts);
    } finally {
      await b.dispose();
    }
  });

  it('reports a broken --snapshot path as invalid-snapshot', async () => {
    const b = createBackend({ version: 'test', demoDir: DEMO, tmpDir: work, initialSnapshot: join(work, 'missing') });
    try {
      const r = await b.initialSession();
      expect(r.ok ? null : r.error.code).toBe('invalid-snapshot');
    } finally {
      await b.dispose();
    }
  });

  it('cancels an analysis through the job id its progress events carry', async () => {
    const b = createBackend({ version: 'test', demoDir: DEMO, tmpDir: work });
    const cancels: Promise<ApiResult<true>>[] = [];
    b.onEvent((e) => {
      if (e.type === 'progress' && e.phase === 'load' && e.done === 0) cancels.push(b.cancel({ id: e.jobId }));
    });
    try {
      const r = await b.openDemo();
      expect(r.ok ? null : r.error.code).toBe('cancelled');
      expect((await Promise.all(cancels)).map((c) => c.ok)).toEqual([true]);
    } finally {
      await b.dispose();
    }
  });
});

describe('terminal targets', () => {
  it.each([
    { name: 'the Node address from cluster.json and port 22', req: { node: 'worker-2' }, want: { host: '10.0.0.4', port: 22 } },
    {
      name: 'the request overrides',
      req: { node: 'worker-2', host: '192.0.2.7', port: 2222, user: 'ops', identityFile: '/k/id', knownHostsFile: '/k/kh' },
      want: { host: '192.0.2.7', port: 2222, user: 'ops', identityFile: '/k/id', knownHostsFile: '/k/kh' },
    },
  ])('resolves $name', ({ req, want }) => {
    const r = backend.terminalTarget({ ...req, sessionId: demo.id, cols: 80, rows: 24 });
    expect(value(r)).toEqual(want);
  });

  it('answers not-found for a node it has no address for', () => {
    const r = backend.terminalTarget({ node: 'worker-9', sessionId: demo.id, cols: 80, rows: 24 });
    expect(r.ok ? null : r.error.code).toBe('not-found');
  });
});
