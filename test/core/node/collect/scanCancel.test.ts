import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scanCluster, writeScanSnapshot } from '../../../../core/node/collect/scan';
import type { ScanEvent, ScanOptions, ScanResult } from '../../../../core/node/collect/scan';
import { loadSnapshot } from '../../../../core/node/snapshot/loadSnapshot';
import { startFakeApiServer } from '../../../helpers/fakeApiServer/fakeApiServer';
import type { FakeApiServer, RequestLog } from '../../../helpers/fakeApiServer/fakeApiServer';
import { baseCluster } from '../../../helpers/scenario/faultScenarios';

// Cancelling a scan while the API objects are still being listed (the fixture API server holds
// one list open and never answers it): scanCluster still returns, with every node it knows of
// `cancelled` and nothing contacted, instead of throwing the abort. Without the Node list there
// is no node to name, unless the caller asked for nodes by name.

const ALL_NODES = baseCluster()
  .build()
  .nodes.map((n) => n.metadata.name)
  .sort();

interface Case {
  name: string;
  /** The list the server never answers. */
  hang: string;
  nodes: string[] | 'all';
  expected: string[];
  problem: RegExp;
  /** Node objects in the cancelled scan's cluster.json. */
  listedNodes: number;
}

const cases: Case[] = [
  {
    name: 'the Pod list hangs after the Node list arrived: every listed node is cancelled',
    hang: '/api/v1/pods',
    nodes: 'all',
    expected: ALL_NODES,
    problem: /cluster\.json holds only the Node objects that had arrived/,
    listedNodes: ALL_NODES.length,
  },
  {
    name: 'the EndpointSlice list hangs and nodes were asked for by name: those nodes are cancelled',
    hang: '/apis/discovery.k8s.io/v1/endpointslices',
    nodes: [ALL_NODES[2], ALL_NODES[0]],
    expected: [ALL_NODES[0], ALL_NODES[2]],
    problem: /cluster\.json holds only the Node objects that had arrived/,
    listedNodes: ALL_NODES.length,
  },
  {
    name: 'the Node list itself hangs and nodes were asked for by name: those nodes are cancelled',
    hang: '/api/v1/nodes',
    nodes: [ALL_NODES[1]],
    expected: [ALL_NODES[1]],
    problem: /cluster\.json holds only the Node objects that had arrived/,
    listedNodes: 0,
  },
  {
    name: 'the Node list itself hangs and all nodes were asked for: no node is known, and the result says so',
    hang: '/api/v1/nodes',
    nodes: 'all',
    expected: [],
    problem: /no node is known/,
    listedNodes: 0,
  },
];

async function until(what: string, test: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (test()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('scanCluster cancelled while listing the API objects', () => {
  let work: string;
  let api: FakeApiServer;
  let kubeconfig: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proxyscope-scan-cancel-'));
    api = await startFakeApiServer({ cluster: baseCluster().build() });
    kubeconfig = join(work, 'kubeconfig');
    writeFileSync(kubeconfig, api.kubeconfigFor('cancel'), { mode: 0o600 });
    writeFileSync(join(work, 'known_hosts'), '');
  });
  afterEach(() => api.clearFaults());
  afterAll(async () => {
    await api?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const options = (nodes: string[] | 'all', signal: AbortSignal, events: ScanEvent[]): ScanOptions => ({
    kubeconfig,
    nodes,
    // Nothing may be dialled: no key, no known host, no agent.
    ssh: { knownHostsFiles: [join(work, 'known_hosts')], identityFiles: [], agentSocket: null, home: work, readyTimeoutMs: 2_000 },
    signal,
    onProgress: (e) => events.push(e),
  });

  it.each(cases)('$name', async (c) => {
    api.script(c.hang, { kind: 'hang' });
    const controller = new AbortController();
    const events: ScanEvent[] = [];
    const seen = api.requests.length;
    const fresh = (): RequestLog[] => api.requests.slice(seen);
    const scan = scanCluster(options(c.nodes, controller.signal, events));
    // Cancel once the hung list is open and every other list has been answered.
    await until('the hung list and the answered ones', () => {
      const reqs = fresh();
      const answered = new Set(reqs.filter((r) => r.status !== undefined).map((r) => r.path));
      return reqs.some((r) => r.path === c.hang && r.fault === 'hang') && ['/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices', '/api/v1/pods', '/api/v1/nodes'].every((p) => p === c.hang || answered.has(p));
    });
    // The server has sent the answered lists; give the client time to read and parse them (the
    // server's log cannot tell when the client has): a busy machine delayed this past the abort.
    await new Promise((r) => setTimeout(r, 500));
    controller.abort();
    const result: ScanResult = await scan;

    expect(result.nodes.map((n) => [n.node, n.status])).toEqual(c.expected.map((n) => [n, 'cancelled']));
    for (const n of result.nodes) {
      expect(n.message).toBe('cancelled while the API objects were being listed; the node was not contacted');
      expect(n).toMatchObject({ commands: [], files: {} });
    }
    expect(result.ok).toBe(false);
    expect(result.info.api.partial).toBe(true);
    expect(result.info.api.problems).toEqual([expect.stringMatching(c.problem)]);
    expect(result.info.nodes.map((n) => n.status)).toEqual(c.expected.map(() => 'cancelled'));
    const listed = (JSON.parse(result.clusterJson) as { items: { kind: string; metadata: { name: string } }[] }).items;
    expect(listed.map((o) => o.kind)).toEqual(Array.from({ length: c.listedNodes }, () => 'Node'));
    // Nothing was dialled; the progress events still end every node.
    expect(events.filter((e) => e.type === 'node-connecting')).toEqual([]);
    expect(events.filter((e) => e.type === 'node-done').map((e) => (e.type === 'node-done' ? [e.node, e.status] : []))).toEqual(c.expected.map((n) => [n, 'cancelled']));
    expect(events.some((e) => e.type === 'api-listed')).toBe(false);

    // The cancelled scan is still a snapshot the CLI can write and read back.
    const out = join(work, `out-${cases.indexOf(c)}`);
    await writeScanSnapshot(result, out);
    const scanJson = JSON.parse(readFileSync(join(out, 'scan.json'), 'utf8')) as { nodes: { status: string }[] };
    expect(scanJson.nodes.map((n) => n.status)).toEqual(c.expected.map(() => 'cancelled'));
    const snap = await loadSnapshot(out);
    expect(snap.nodes.map((n) => n.name)).toEqual(c.expected);
  }, 30_000);

  it('still throws the API error when nothing was cancelled (401 on every list)', async () => {
    api.script(/^\/api/, { kind: 'unauthorized' });
    await expect(scanCluster(options('all', new AbortController().signal, []))).rejects.toThrow(/401|[Uu]nauthori[sz]ed/);
  }, 30_000);
});
