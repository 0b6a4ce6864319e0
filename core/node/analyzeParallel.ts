import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { finishAnalysis } from '../common/analyze/finishAnalysis';
import { runClusterWideChecks } from '../common/checks/catalog/clusterWide';
import { prepareCluster, usableCluster } from '../common/analyze/prepareCluster';
import type { PreparedCluster } from '../common/analyze/prepareCluster';
import type { AnalysisResult, NodeAnalysis, SnapshotData } from '../common/model';
import { analyzeNodeSafe, errorAnalysis, fromWire, slim, type WorkerInit, type WorkerJob, type WorkerReply } from './analyzeNodeSafe';
import { collectGarbage } from './collectGarbage';

// Nodes of one snapshot are independent, so with several nodes the per-node work (parse, decode,
// check) is spread over worker threads while the main thread takes nodes from the same queue.
// Workers get cluster.json as text once and prepare it themselves (structured-cloning a prepared
// index would cost more than rebuilding it). Cross-node checks run afterwards in finishAnalysis,
// and so do the cluster-wide API checks (the same findings for every node): every thread leaves
// them out (deferClusterWide) and the main thread computes them once, while it waits for a worker
// if it has to wait anyway.

export interface ParallelOptions {
  /**
   * Threads in total, main thread included; default (defaultThreads) and upper bound
   * os.availableParallelism().
   */
  workers?: number;
  version?: string;
  now?: Date;
  /** Fill per-node PhaseTimings. */
  clock?: () => number;
  /** The worker bundle; default analyzeWorker.cjs next to the running bundle (or in ../cli). */
  workerFile?: string;
  /**
   * The caller will not read `snapshot.clusterJson` or the nodes' `files` again (the CLI): they
   * are dropped from the snapshot as soon as this analysis no longer needs them, which lowers the
   * peak memory of big snapshots (cluster.json alone is ~43 MB of text at 10k Services). The
   * snapshot keeps its node names and `clusterJson` becomes '' (still "present").
   */
  releaseInputs?: boolean;
}

/** Jobs a worker holds at once: one running, one queued so it never waits for the main thread. */
const PREFETCH = 2;

/**
 * A worker's young generation (V8 semi-spaces x 3), in MB. Node's default (48 MB at 64 bits) costs
 * as much GC time on a 10k-Service node as this and ~15-25 MB more RSS per thread.
 */
const WORKER_YOUNG_GENERATION_MB = 24;

/**
 * Threads (main included) when the caller gives no `workers`: one per core, never more than nodes.
 * Measured on 2 cores with 4 nodes of 10k and 30k Services (BENCHMARKS.md): the second analysing
 * thread is as fast or faster than leaving that core to V8's GC helpers (30k: 14.4 s vs 18.5 s)
 * and stays within the memory goal, although it prepares its own copy of the cluster.
 */
export function defaultThreads(snapshot: SnapshotData, cores: number): number {
  return Math.max(1, Math.min(snapshot.nodes.length, cores));
}

function nodeBytes(files: Record<string, string>): number {
  let size = 0;
  for (const text of Object.values(files)) size += text.length;
  return size;
}

export async function analyzeSnapshotParallel(snapshot: SnapshotData, opts: ParallelOptions = {}): Promise<AnalysisResult> {
  const n = snapshot.nodes.length;
  const cores = availableParallelism();
  const threads = Math.max(1, Math.min(opts.workers ?? defaultThreads(snapshot, cores), cores, n));
  const workerFile = threads > 1 ? (opts.workerFile ?? findWorkerFile()) : null;
  const finishOpts = { now: opts.now, version: opts.version };

  const release = opts.releaseInputs === true;
  let analyzedHere = 0;
  const local = (cluster: PreparedCluster | null, i: number): NodeAnalysis => {
    // The previous node's data is garbage now: collect it before the next one piles up on it.
    if (analyzedHere++ > 0) collectGarbage();
    const node = snapshot.nodes[i];
    const result = slim(analyzeNodeSafe(node, cluster, opts.clock, true));
    if (release) node.files = {};
    return result;
  };

  if (threads <= 1 || workerFile === null || !existsSync(workerFile)) {
    const cluster = prepareMain(snapshot, release);
    const nodes = snapshot.nodes.map((_node, i) => local(cluster, i));
    return finishAnalysis(snapshot, cluster, nodes, finishOpts);
  }

  // Workers start first so their start-up and cluster preparation overlap the main thread's.
  const pool = startPool(snapshot, threads - 1, workerFile, opts.clock !== undefined, release);
  try {
    const cluster = prepareMain(snapshot, release);
    const usable = usableCluster(cluster);
    const idle = (): void => {
      // The main thread has no node left and waits for a worker that is still at its own peak:
      // this thread's last node is garbage, collect it now instead of adding it to that peak.
      if (analyzedHere > 0) collectGarbage();
      // Cached per index: finishAnalysis then takes them from the cache.
      if (usable) runClusterWideChecks(usable.index);
    };
    const nodes = await pool.run((i) => local(cluster, i), idle);
    return finishAnalysis(snapshot, cluster, nodes, finishOpts);
  } finally {
    await pool.close();
  }
}

/** The main thread's prepared cluster; with `release`, the text is dropped once prepared. */
function prepareMain(snapshot: SnapshotData, release: boolean): PreparedCluster | null {
  if (snapshot.clusterJson === undefined) return null;
  const cluster = prepareCluster(snapshot.clusterJson);
  if (release) snapshot.clusterJson = '';
  return cluster;
}

interface Pool {
  /**
   * Runs every node; `local` analyses one on the main thread. `idle` runs once, the first time the
   * main thread has no node left to take and waits for a worker.
   */
  run(local: (index: number) => NodeAnalysis, idle?: () => void): Promise<NodeAnalysis[]>;
  close(): Promise<void>;
}

interface PoolWorker {
  worker: Worker;
  outstanding: Set<number>;
  /** Outstanding nodes whose files the main thread dropped once the worker started them (release). */
  started: Map<number, string[]>;
  alive: boolean;
}

function startPool(snapshot: SnapshotData, count: number, workerFile: string, timings: boolean, release: boolean): Pool {
  const n = snapshot.nodes.length;
  const results: (NodeAnalysis | undefined)[] = new Array(n);
  let done = 0;
  // Largest nodes first: the usual way to keep threads evenly busy until the end.
  const queue = snapshot.nodes
    .map((node, i) => ({ i, size: nodeBytes(node.files) }))
    .sort((a, b) => b.size - a.size)
    .map((x) => x.i);
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };

  const init: WorkerInit = { clusterJson: snapshot.clusterJson, timings, deferClusterWide: true };
  const workers: PoolWorker[] = [];
  const feed = (pw: PoolWorker, max = PREFETCH): void => {
    while (pw.alive && pw.outstanding.size < max && queue.length > 0) {
      const id = queue.shift() as number;
      pw.outstanding.add(id);
      const job: WorkerJob = { id, node: snapshot.nodes[id] };
      pw.worker.postMessage(job);
    }
  };
  // A worker that fails hands its nodes back to the queue; the main thread picks them up. A node
  // it had started after the main thread dropped its files (release) cannot be redone: an error.
  const retire = (pw: PoolWorker): void => {
    if (!pw.alive) return;
    pw.alive = false;
    for (const id of pw.outstanding) {
      const names = pw.started.get(id);
      if (names === undefined) {
        queue.unshift(id);
        continue;
      }
      const stub = { name: snapshot.nodes[id].name, files: Object.fromEntries(names.map((f) => [f, ''])) };
      results[id] = errorAnalysis(stub, new Error('the worker thread analysing it stopped'));
      done += 1;
    }
    pw.outstanding.clear();
    pw.started.clear();
    void pw.worker.terminate();
    notify();
  };
  for (let k = 0; k < count; k++) {
    const worker = new Worker(workerFile, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    const pw: PoolWorker = { worker, outstanding: new Set(), started: new Map(), alive: true };
    pw.worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'fatal') return retire(pw);
      if (msg.type === 'started') {
        // The worker has its own copy now: with release, the main thread's copy only served a
        // retry if the worker died before starting, and would add to the peak while both
        // threads analyse (two 18 MB dumps at 10k Services).
        const node = snapshot.nodes[msg.id];
        if (release && pw.outstanding.has(msg.id) && !pw.started.has(msg.id)) {
          pw.started.set(msg.id, Object.keys(node.files));
          node.files = {};
        }
        return;
      }
      if (!pw.outstanding.delete(msg.id) || results[msg.id] !== undefined) return;
      pw.started.delete(msg.id);
      results[msg.id] = fromWire(msg.result);
      // Kept until now (without 'started'): a worker that fails hands its nodes back to the main thread.
      if (release) snapshot.nodes[msg.id].files = {};
      done += 1;
      feed(pw);
      // Nothing left for this worker: end it now, which frees its heap (its prepared cluster and
      // its last node's garbage) while the other threads finish.
      if (pw.outstanding.size === 0 && queue.length === 0) {
        pw.alive = false;
        void pw.worker.terminate();
      }
      notify();
    });
    pw.worker.on('error', () => retire(pw));
    pw.worker.on('exit', () => retire(pw));
    workers.push(pw);
    // At the start no worker takes more than its share: with PREFETCH nodes each, a worker could
    // take every node of a small snapshot (both of two) and leave the main thread idle.
    feed(pw, Math.min(PREFETCH, Math.max(1, Math.floor(n / (count + 1)))));
  }

  return {
    async run(local, idle) {
      let idleWork = idle;
      while (done < n) {
        const i = queue.shift();
        if (i !== undefined) {
          results[i] = local(i);
          done += 1;
          // Let worker replies in, so idle workers get their next node.
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        if (idleWork) {
          idleWork();
          idleWork = undefined;
          // Replies that came in meanwhile are waiting in the event loop.
          await new Promise<void>((r) => setImmediate(r));
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
        });
      }
      return results as NodeAnalysis[];
    },
    async close() {
      await Promise.all(
        workers.map((pw) => {
          pw.alive = false;
          return pw.worker.terminate();
        }),
      );
    },
  };
}

/** The worker bundle sits next to the CLI bundle (out/cli); other bundles (out/main) look in ../cli. */
function findWorkerFile(): string | null {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const candidate of [join(here, 'analyzeWorker.cjs'), join(here, '..', 'cli', 'analyzeWorker.cjs')]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}
