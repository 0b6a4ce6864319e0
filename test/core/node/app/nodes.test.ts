import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeView, ScanRequest, SessionInfo } from '../../../../core/common/contract';
import { validateApiArg } from '../../../../core/common/contractSchemas';
import type { NodeSummary, SnapshotData } from '../../../../core/common/model';
import { nodeView } from '../../../../core/common/views/nodeView';
import { commandProblems, healthzWords, scanStateWords, scanTone } from '../../../../core/common/views/nodeViewWords';
import { createBackend } from '../../../../core/node/app/backend';
import type { Backend } from '../../../../core/node/app/backendTypes';
import { dispatchApi } from '../../../../core/node/app/dispatch';
import { rescanRequest, sessionScan } from '../../../../core/node/app/nodeViews';
import { mergeScanSnapshot } from '../../../../core/node/app/scanJob';
import { createWorkerBackend } from '../../../../core/node/app/workerBackend';
import { buildWorkers } from '../../../helpers/workerShimBuild';
import type { BuiltWorkers } from '../../../helpers/workerShimBuild';
import { code, value } from '../../../helpers/apiTestKit';

// The Nodes view's backend side: `nodes` on snapshots without scan records (the demo), the
// parsing of node.json / kube-proxy answers (lenient: snapshots are input), the rescan merge,
// and the method's schema, dispatch and worker forwarding. nodesScan.test.ts scans real sshd nodes.

const DEMO = join(__dirname, '..', '..', '..', '..', 'assets', 'demo');


const SUMMARY: NodeSummary = { node: 'n1', status: 'analyzed', mode: 'iptables', files: ['iptables-save.txt'], ruleCount: 1, servicePorts: 1, backends: 1, malformedLines: 0 };
const EMPTY = { via: null, address: null, scanStatus: null, scanMessage: null, commands: [], kubeProxy: { mode: null, healthz: null } };

const NODE_JSON = JSON.stringify({
  node: 'n1',
  address: '10.0.0.1:22',
  status: 'partial',
  message: '1 of 13 commands failed',
  durationMs: 900,
  commands: [
    { id: 'iptables-save', file: 'iptables-save.txt', status: 'ok', message: '', durationMs: 40, bytes: 1234, truncated: false, saved: true },
    { id: 'conntrack', file: 'conntrack.txt', status: 'sudo-denied', message: 'sudo: a password is required', exitCode: 1, durationMs: 3, bytes: 0, truncated: false, saved: false },
  ],
});

describe('nodeView', () => {
  it.each([
    ['no node.json', {}, EMPTY],
    ['broken node.json', { 'node.json': '{not json' }, EMPTY],
    ['node.json that is not an object', { 'node.json': '[1,2]' }, EMPTY],
    [
      'an SSH scan record with kube-proxy answers',
      { 'node.json': NODE_JSON, 'proxy-mode.txt': 'iptables\n', 'healthz.txt': '{"lastUpdated": "x"}\n' },
      {
        via: 'ssh',
        address: '10.0.0.1:22',
        scanStatus: 'partial',
        scanMessage: '1 of 13 commands failed',
        commands: [
          { id: 'iptables-save', status: 'ok', message: '', bytes: 1234, durationMs: 40 },
          { id: 'conntrack', status: 'sudo-denied', message: 'sudo: a password is required', bytes: 0, durationMs: 3 },
        ],
        kubeProxy: { mode: 'iptables', healthz: '{"lastUpdated": "x"}' },
      },
    ],
    ['a debug-pod scan record', { 'node.json': JSON.stringify({ address: 'pod proxyscope/ps-n1', status: 'ok', message: '' }) }, { ...EMPTY, via: 'pod', address: 'pod proxyscope/ps-n1', scanStatus: 'ok', scanMessage: '' }],
    [
      'wrong field types (ignored, bad commands dropped)',
      { 'node.json': JSON.stringify({ address: 7, status: ['ok'], message: null, commands: [null, 'x', { status: 'ok' }, { id: 'ipset', bytes: -1, durationMs: 'slow' }] }) },
      { ...EMPTY, commands: [{ id: 'ipset', status: 'unknown', message: '', bytes: 0, durationMs: 0 }] },
    ],
    ['blank kube-proxy answers', { 'proxy-mode.txt': '\n\n', 'healthz.txt': '  \n' }, EMPTY],
  ])('reads %s', (_label, files: Record<string, string>, expected) => {
    expect(nodeView(SUMMARY, files)).toEqual({ summary: SUMMARY, ...expected });
  });

  it('cuts hostile long strings and command lists', () => {
    const long = 'x'.repeat(10_000);
    const commands = Array.from({ length: 300 }, (_, i) => ({ id: `c${i}`, status: 'ok', message: long }));
    const v = nodeView(SUMMARY, { 'node.json': JSON.stringify({ address: long, message: long, commands }), 'proxy-mode.txt': long });
    expect(v.address?.length).toBeLessThanOrEqual(2001);
    expect(v.scanMessage?.length).toBeLessThanOrEqual(2001);
    expect(v.commands.length).toBe(64);
    expect(v.commands[0].message.length).toBeLessThanOrEqual(2001);
    expect(v.kubeProxy.mode?.length).toBeLessThanOrEqual(65);
  });

  it('takes the access method and context from the scan that made the session', () => {
    expect(nodeView(SUMMARY, {}, { via: 'pod', context: 'prod' })).toEqual({ summary: SUMMARY, ...EMPTY, via: 'pod', rescannable: true, context: 'prod' });
  });
});

describe('node view words', () => {
  it.each([
    [null, 'not collected'],
    ['{"lastUpdated": "2025-01-01T00:00:00Z","currentTime": "2025-01-01T00:01:30Z", "nodeEligible": true}', 'last rules sync 90 s before the check'],
    ['{"lastUpdated": "0001-01-01T00:00:00Z","currentTime": "2025-01-01T00:01:30Z"}', 'kube-proxy has not synced its rules yet'],
    ['{"lastUpdated": "2025-01-01T00:00:00Z","currentTime": "2025-01-01T00:00:00Z", "nodeEligible": false}', 'last rules sync 0 s before the check; node not eligible for traffic (being deleted or excluded)'],
    ['{"lastUpdated": "yesterday"}', 'last rules sync time unreadable'],
    ['{}', 'answered'],
    ['404 page not found\nmore', 'answered: 404 page not found'],
  ])('describes /healthz %j as %j', (text, words) => {
    expect(healthzWords(text)).toBe(words);
  });

  it.each([
    ['ok', 'collected', 'ok'],
    ['host-key-mismatch', 'HOST KEY CHANGED: not connected (possible man-in-the-middle, or a rebuilt node)', 'bad'],
    ['partial', 'collected, but some commands failed', 'warn'],
    ['connecting', 'connecting', 'busy'],
    ['from-the-future', 'from-the-future', 'bad'],
  ])('words and tone of state %s', (state, words, tone) => {
    expect(scanStateWords(state)).toBe(words);
    expect(scanTone(state)).toBe(tone);
  });

  it('lists the commands that did not succeed', () => {
    const v = nodeView(SUMMARY, { 'node.json': NODE_JSON });
    expect(commandProblems(v.commands)).toEqual(['conntrack: sudo: a password is required']);
  });
});

describe('mergeScanSnapshot', () => {
  const node = (name: string, text: string) => ({ name, files: { 'iptables-save.txt': text } });
  const base: SnapshotData = { source: 'scan of c', clusterJson: 'old', nodes: [node('a', 'a1'), node('b', 'b1'), node('c', 'c1')] };

  it.each([
    ['one node', ['b'], { clusterJson: 'new', nodes: [node('a', 'a1'), node('b', 'b2'), node('c', 'c1')] }],
    ['a node whose rescan got no folder (its old dumps go)', ['b', 'c'], { clusterJson: 'new', nodes: [node('a', 'a1'), node('b', 'b2')] }],
    ['every node (fresh scan as is)', undefined, { clusterJson: 'new', nodes: [node('b', 'b2')] }],
    ['every node, as an empty list', [], { clusterJson: 'new', nodes: [node('b', 'b2')] }],
  ])('replaces %s', (_label, scanned: string[] | undefined, expected) => {
    const fresh: SnapshotData = { source: 'scan of c', clusterJson: 'new', nodes: [node('b', 'b2')] };
    expect(mergeScanSnapshot(base, fresh, scanned)).toEqual({ source: 'scan of c', ...expected });
  });

  it('adds a rescanned node the old snapshot did not have, in name order', () => {
    const fresh: SnapshotData = { source: 's', clusterJson: 'new', nodes: [node('ab', 'x')] };
    expect(mergeScanSnapshot(base, fresh, ['ab']).nodes.map((n) => n.name)).toEqual(['a', 'ab', 'b', 'c']);
  });

  it('keeps the old cluster.json when the rescan has none', () => {
    const fresh: SnapshotData = { source: 's', nodes: [node('b', 'b2')] };
    expect(mergeScanSnapshot(base, fresh, ['b']).clusterJson).toBe('old');
  });
});

describe('rescanRequest', () => {
  const original: ScanRequest = { context: 'prod', kubeconfig: '/k', via: 'ssh', nodes: ['x'], ssh: { user: 'admin', port: 2222 }, mergeInto: 'old' };

  it('remembers the scan without its node list', () => {
    expect(sessionScan(original)).toEqual({ context: 'prod', kubeconfig: '/k', via: 'ssh', ssh: { user: 'admin', port: 2222 } });
  });

  it('never remembers the key passphrase for a rescan', () => {
    const withSecret: ScanRequest = { ...original, ssh: { identityFile: '/k/id', identityPassphrase: 'canary-7f3a', rememberPassphrase: true } };
    const kept = sessionScan(withSecret);
    expect(kept.ssh).toEqual({ identityFile: '/k/id' });
    expect(JSON.stringify(kept)).not.toContain('canary-7f3a');
  });

  it.each([
    ['reuses the settings the UI does not send', { context: 'prod', via: 'ssh', nodes: ['n2'], mergeInto: 's1' }, { context: 'prod', kubeconfig: '/k', via: 'ssh', ssh: { user: 'admin', port: 2222 }, nodes: ['n2'], mergeInto: 's1' }],
    ['lets the request override them', { context: 'prod', via: 'pod', ssh: { user: 'root' }, mergeInto: 's1' }, { context: 'prod', kubeconfig: '/k', via: 'pod', ssh: { user: 'root' }, mergeInto: 's1' }],
    ['refuses another context', { context: 'staging', via: 'ssh', mergeInto: 's1' }, null],
  ] as [string, ScanRequest, ScanRequest | null][])('%s', (_label, req, expected) => {
    expect(rescanRequest(sessionScan(original), req)).toEqual(expected);
  });
});

describe('the nodes method', () => {
  let work: string;
  let backend: Backend;
  let demo: SessionInfo;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proxyscope-nodes-'));
    backend = createBackend({ version: 'test', demoDir: DEMO, tmpDir: work });
    demo = value(await backend.openDemo());
  });

  afterAll(async () => {
    await backend?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('gives every demo node its summary and no scan record (the demo has no node.json)', async () => {
    const nodes = value(await backend.nodes({ sessionId: demo.id }));
    expect(nodes.map((n) => n.summary)).toEqual(demo.nodes);
    // worker-4 and worker-5 carry kube-proxy's /proxyMode answer (assets/demo/nodes/*/proxy-mode.txt).
    const modes: Record<string, string> = { 'worker-4': 'nftables', 'worker-5': 'ipvs' };
    for (const n of nodes) {
      const mode = modes[n.summary.node] ?? null;
      expect(n).toEqual<NodeView>({ summary: n.summary, ...EMPTY, kubeProxy: { mode, healthz: null } });
    }
  });

  it('answers not-found for an unknown session', async () => {
    expect(code(await backend.nodes({ sessionId: 'nope' }))).toBe('not-found');
  });

  it('refuses a rescan of an unknown session', async () => {
    expect(code(await backend.startScan({ context: 'c', via: 'ssh', mergeInto: 'nope' }))).toBe('not-found');
  });

  it('refuses a rescan of a session no scan made', async () => {
    const r = await backend.startScan({ context: 'c', via: 'ssh', mergeInto: demo.id });
    expect(r).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringMatching(/not made by a scan/) } });
  });

  it('is routed by dispatchApi with its schema checked', async () => {
    const ok = await dispatchApi(backend, 'nodes', { sessionId: demo.id }, {});
    expect(code(ok)).toBe('ok');
    expect(await dispatchApi(backend, 'nodes', { sessionId: demo.id, extra: 1 }, {})).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await dispatchApi(backend, 'nodes', undefined, {})).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it.each([
    [{ context: 'c', via: 'ssh', mergeInto: 's-1' }, true],
    [{ context: 'c', via: 'ssh', mergeInto: '' }, false],
    [{ context: 'c', via: 'ssh', mergeInto: 'a b' }, false],
    [{ context: 'c', via: 'ssh', mergeInto: 7 }, false],
  ])('checks startScan mergeInto %j (valid: %s)', (arg, valid) => {
    expect(validateApiArg('startScan', arg).ok).toBe(valid);
  });
});

describe('the nodes method through the worker', () => {
  let built: BuiltWorkers;
  let work: string;
  let backend: Backend;

  beforeAll(async () => {
    built = await buildWorkers();
    work = mkdtempSync(join(tmpdir(), 'proxyscope-nodes-worker-'));
    backend = createWorkerBackend({ version: 'test', demoDir: DEMO, tmpDir: work, workerFile: built.backendWorker });
  }, 60_000);

  afterAll(async () => {
    await backend?.dispose();
    built?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('forwards nodes to the worker and back', async () => {
    const demo = value(await backend.openDemo());
    const nodes = value(await backend.nodes({ sessionId: demo.id }));
    expect(nodes.map((n) => [n.summary.node, n.scanStatus])).toEqual(demo.nodes.map((n) => [n.node, null]));
  });
});
