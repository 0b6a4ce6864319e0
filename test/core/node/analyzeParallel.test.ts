import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../core/common/analyze/analyzeSnapshot';
import { analyzeSnapshotParallel } from '../../../core/node/analyzeParallel';
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

const scenarios = [
  ['healthy nodes', tinySnapshot({ extraNodes: 3 })],
  ['a stale node among healthy ones (cross-node divergence needs every digest)', tinySnapshot({ staleOn: ['node-b'], extraNodes: 3 })],
  ['no cluster.json', tinySnapshot({ noCluster: true, staleOn: ['node-a'] })],
] as const;

describe('analyzeSnapshotParallel', () => {
  it.each(scenarios)('gives the same result as the sequential analysis with worker threads: %s', async (_n, snap) => {
    const expected = analyzeSnapshot(snap, { now: NOW, version: 't' });
    const got = await analyzeSnapshotParallel(snap, { now: NOW, version: 't', workerFile: WORKER });
    expect(got).toEqual(expected);
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
  if (oneCore && !toolsRequiredStrictly()) console.warn('[skipped] sharing nodes between threads: this machine has one core');
  it.skipIf(oneCore && !toolsRequiredStrictly())('shares the nodes between the worker threads and the main thread', async () => {
    // A stand-in worker that marks every node it analyses.
    const marker = await writeWorker(
      'marker.cjs',
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', (job) => parentPort.postMessage({ type: 'result', id: job.id, result: {
         summary: { node: job.node.name, status: 'error', mode: 'unknown', files: [], ruleCount: 0, servicePorts: 0, backends: 0, malformedLines: 0, error: 'from-worker' },
         findings: [] } }));`,
    );
    const snap = tinySnapshot({ extraNodes: 4 });
    const got = await analyzeSnapshotParallel(snap, { workerFile: marker });
    const byWorker = got.nodes.filter((n) => n.error === 'from-worker').length;
    expect(byWorker).toBeGreaterThanOrEqual(1);
    expect(byWorker).toBeLessThan(snap.nodes.length);
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
