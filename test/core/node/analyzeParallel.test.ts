import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../core/common/analyze/analyzeSnapshot';
import type { SnapshotData } from '../../../core/common/model';
import { analyzeSnapshotParallel, defaultThreads } from '../../../core/node/analyzeParallel';
import { toolsRequiredStrictly } from '../../helpers/requireTool';
import { tinySnapshot } from './tinySnapshot';

const ROOT = resolve(__dirname, '../../..');
let WORKER: string;
const NOW = new Date('2025-01-02T03:04:05Z');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'proxyscope-par-'));
  // The worker bundle as scripts/build-cli.mjs makes it, but private to this test, so a parallel
  // CLI build rewriting out/cli cannot hand a half-written file to a worker.
  WORKER = join(tmp, 'analyzeWorker.cjs');
  await build({ entryPoints: [join(ROOT, 'core/node/analyzeWorker.ts')], outfile: WORKER, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'silent' });
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** tinySnapshot with a Pod that is not Ready while its EndpointSlice says ready: a cluster-wide finding. */
function withNotReadyPod(snap: SnapshotData): SnapshotData {
  const list = JSON.parse(snap.clusterJson!) as { items: { kind: string; status?: { conditions?: { type: string; status: string }[] } }[] };
  const pod = list.items.find((i) => i.kind === 'Pod')!;
  pod.status!.conditions = [{ type: 'Ready', status: 'False' }];
  return { ...snap, clusterJson: JSON.stringify(list) };
}

const scenarios = [
  ['healthy nodes', tinySnapshot({ extraNodes: 3 })],
  ['a stale node among healthy ones (cross-node divergence needs every digest)', tinySnapshot({ staleOn: ['node-b'], extraNodes: 3 })],
  ['no cluster.json', tinySnapshot({ noCluster: true, staleOn: ['node-a'] })],
  ['a cluster-wide finding (computed once, not per thread)', withNotReadyPod(tinySnapshot({ extraNodes: 3 }))],
  ['a cluster-wide finding on two nodes', withNotReadyPod(tinySnapshot())],
  ['a cluster-wide finding and a node without a dump', withNotReadyPod({ ...tinySnapshot(), nodes: [...tinySnapshot().nodes, { name: 'node-z', files: {} }] })],
] as const;

describe('defaultThreads', () => {
  const nodes = (...sizes: number[]): SnapshotData => ({
    source: 's',
    nodes: sizes.map((size, i) => ({ name: `n${i}`, files: { 'iptables-save.txt': 'x'.repeat(size), 'node.json': '{}' } })),
  });
  const BIG = 9 * 1024 * 1024;
  const cases: [string, SnapshotData, number, number][] = [
    ['one thread per core', nodes(10, 10, 10, 10), 2, 2],
    ['never more threads than nodes', nodes(10, 10), 8, 2],
    ['big dumps too: one thread per core', nodes(BIG, BIG, BIG, BIG), 2, 2],
    ['one core: one thread', nodes(BIG, BIG), 1, 1],
    ['no node: one thread', nodes(), 4, 1],
  ];
  it.each(cases)('%s', (_n, snap, cores, threads) => {
    expect(defaultThreads(snap, cores)).toBe(threads);
  });
});

describe('analyzeSnapshotParallel', () => {
  it.each(scenarios)('gives the same result as the sequential analysis with worker threads: %s', async (_n, snap) => {
    const expected = analyzeSnapshot(snap, { now: NOW, version: 't' });
    const got = await analyzeSnapshotParallel(snap, { now: NOW, version: 't', workerFile: WORKER });
    expect(got).toEqual(expected);
  });

  it('reports a cluster-wide finding once, whichever threads analysed the nodes', async () => {
    const snap = withNotReadyPod(tinySnapshot());
    const got = await analyzeSnapshotParallel(snap, { now: NOW, workerFile: WORKER });
    expect(got.findings.filter((f) => f.check === 'readiness-disagreement')).toHaveLength(1);
  });

  it('finds the cross-node divergence even when the diverging node ran in a worker', async () => {
    // Without cluster.json node-divergence is the only finding that can name the odd node out.
    const { clusterJson: _withoutCluster, ...snap } = tinySnapshot({ staleOn: ['node-b'], extraNodes: 3 });
    const got = await analyzeSnapshotParallel(snap, { now: NOW, workerFile: WORKER });
    expect(got.findings.map((f) => `${f.check} ${f.node}`)).toContain('node-divergence node-b');
  });

  it('keeps the snapshot order of nodes whatever thread finished first', async () => {
    const snap = tinySnapshot({ extraNodes: 5 });
    const got = await analyzeSnapshotParallel(snap, { workerFile: WORKER });
    expect(got.nodes.map((n) => n.node)).toEqual(snap.nodes.map((n) => n.name));
  });

  const fallbacks: [string, () => Promise<string | undefined>][] = [
    ['the worker file is missing', async () => join(tmp, 'missing.cjs')],
    ['workers crash on start', async () => writeWorker('crash.cjs', "throw new Error('boom');")],
    ['workers exit without answering', async () => writeWorker('exit.cjs', 'process.exit(3);')],
    ['workers report a fatal error', async () => writeWorker('fatal.cjs', "require('node:worker_threads').parentPort.postMessage({ type: 'fatal', message: 'x' });")],
  ];
  it.each(fallbacks)('analyses every node on the main thread when %s', async (_n, make) => {
    const snap = tinySnapshot({ staleOn: ['node-a'], extraNodes: 2 });
    const got = await analyzeSnapshotParallel(snap, { now: NOW, version: 't', workerFile: await make() });
    expect(got).toEqual(analyzeSnapshot(snap, { now: NOW, version: 't' }));
  });

  // Needs two threads. A one-core machine skips it locally with the reason; under CI=true the
  // test runs and fails there (a skip must not pass for a check).
  const oneCore = availableParallelism() < 2;
  if (oneCore && !toolsRequiredStrictly()) console.warn('[skipped] sharing nodes between threads, and a worker that stops after starting its nodes: this machine has one core');
  it.skipIf(oneCore && !toolsRequiredStrictly()).each([2, 5])('shares the nodes between the worker threads and the main thread (%i nodes)', async (count) => {
    // A stand-in worker that marks every node it analyses.
    const marker = await writeWorker(
      'marker.cjs',
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', (job) => parentPort.postMessage({ type: 'result', id: job.id, result: {
         summary: { node: job.node.name, status: 'error', mode: 'unknown', files: [], ruleCount: 0, servicePorts: 0, backends: 0, malformedLines: 0, error: 'from-worker' },
         findings: [] } }));`,
    );
    const snap = tinySnapshot({ extraNodes: count - 2 });
    const got = await analyzeSnapshotParallel(snap, { workerFile: marker });
    const byWorker = got.nodes.filter((n) => n.error === 'from-worker').length;
    expect(byWorker).toBeGreaterThanOrEqual(1);
    expect(byWorker).toBeLessThan(snap.nodes.length);
  });

  it.skipIf(oneCore && !toolsRequiredStrictly()).each([
    ['redoes them on the main thread without releaseInputs', false],
    ['reports them as failed with releaseInputs (the main thread dropped their files)', true],
  ])('when a worker stops after starting its nodes, %s', async (_n, releaseInputs) => {
    const dies = await writeWorker(
      'dies-after-start.cjs',
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', (job) => { parentPort.postMessage({ type: 'started', id: job.id }); setTimeout(() => process.exit(5), 50); });`,
    );
    const snap = tinySnapshot({ staleOn: ['node-a'], extraNodes: 2 });
    const expected = analyzeSnapshot(tinySnapshot({ staleOn: ['node-a'], extraNodes: 2 }), { now: NOW, version: 't' });
    const got = await analyzeSnapshotParallel(snap, { now: NOW, version: 't', workerFile: dies, releaseInputs });
    const failed = got.nodes.filter((n) => n.status === 'error');
    if (!releaseInputs) {
      expect(got).toEqual(expected);
      return;
    }
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(failed.map((n) => n.error)).toEqual(failed.map(() => 'analysis failed: the worker thread analysing it stopped'));
    expect(failed.every((n) => n.files.includes('iptables-save.txt'))).toBe(true);
    expect(got.limitations.some((l) => l.startsWith(`Node ${failed[0].node} was not analyzed`))).toBe(true);
    const others = got.nodes.filter((n) => n.status !== 'error');
    expect(others).toEqual(expected.nodes.filter((n) => others.some((o) => o.node === n.node)));
  });

  it.each([
    ['worker threads', { workerFile: 'WORKER' }],
    ['the main thread only', { workers: 1 }],
  ] as const)('with releaseInputs, gives the same result and empties the snapshot it no longer needs (%s)', async (_n, how) => {
    const snap = tinySnapshot({ staleOn: ['node-b'], extraNodes: 3 });
    const expected = analyzeSnapshot(tinySnapshot({ staleOn: ['node-b'], extraNodes: 3 }), { now: NOW, version: 't' });
    const opts = 'workerFile' in how ? { workerFile: WORKER } : how;
    const got = await analyzeSnapshotParallel(snap, { now: NOW, version: 't', releaseInputs: true, ...opts });
    expect(got).toEqual(expected);
    expect(snap.clusterJson).toBe('');
    expect(snap.nodes.map((n) => Object.keys(n.files).length)).toEqual(snap.nodes.map(() => 0));
  });

  it('leaves the snapshot alone without releaseInputs', async () => {
    const snap = tinySnapshot({ extraNodes: 3 });
    const before = JSON.stringify(snap);
    await analyzeSnapshotParallel(snap, { now: NOW, workerFile: WORKER });
    expect(JSON.stringify(snap)).toBe(before);
  });

  it('runs a single-node snapshot in-process', async () => {
    const snap = { ...tinySnapshot(), nodes: tinySnapshot().nodes.slice(0, 1) };
    const got = await analyzeSnapshotParallel(snap, { now: NOW, workerFile: join(tmp, 'never-used.cjs') });
    expect(got.nodes).toHaveLength(1);
    expect(got.nodes[0].status).toBe('analyzed');
  });

  it('handles a snapshot without nodes', async () => {
    const got = await analyzeSnapshotParallel({ source: 'x', clusterJson: tinySnapshot().clusterJson, nodes: [] }, { now: NOW });
    expect(got.nodes).toEqual([]);
  });

  it('honours workers: 1 (no thread started even with a worker file)', async () => {
    const snap = tinySnapshot({ extraNodes: 2 });
    const crash = await writeWorker('crash-if-used.cjs', "throw new Error('should not start');");
    const got = await analyzeSnapshotParallel(snap, { now: NOW, workers: 1, workerFile: crash });
    expect(got).toEqual(analyzeSnapshot(snap, { now: NOW }));
  });
});

async function writeWorker(name: string, body: string): Promise<string> {
  const p = join(tmp, name);
  await writeFile(p, body);
  return p;
}
