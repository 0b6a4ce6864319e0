import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { finishAnalysis } from '../common/analyze/finishAnalysis';
import { prepareCluster } from '../common/analyze/prepareCluster';
import type { PreparedCluster } from '../common/analyze/prepareCluster';
import type { AnalysisResult, NodeAnalysis, SnapshotData } from '../common/model';
import { analyzeNodeSafe, fromWire, slim, type WorkerInit, type WorkerJob, type WorkerReply } from './analyzeNodeSafe';
import { collectGarbage } from './collectGarbage';

// Nodes of one snapshot are independent, so with several nodes the per-node work (parse, decode,
// check) is spread over worker threads while the main thread takes nodes from the same queue.
// Workers get cluster.json as text once and prepare it themselves (structured-cloning a prepared
// index would cost more than rebuilding it). Cross-node checks run afterwards in finishAnalysis.

export interface ParallelOptions {
  /** Threads in total, main thread included; default and upper bound os.availableParallelism(). */
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

export async function analyzeSnapshotParallel(snapshot: SnapshotData, opts: ParallelOptions = {}): Promise<AnalysisResult> {
  const n = snapshot.nodes.length;
  const threads = Math.max(1, Math.min(opts.workers ?? availableParallelism(), availableParallelism(), n));
  const workerFile = threads > 1 ? (opts.workerFile ?? findWorkerFile()) : null;
  const finishOpts = { now: opts.now, version: opts.version };

  const release = opts.releaseInputs === true;
  let analyzedHere = 0;
  const local = (cluster: PreparedCluster | null, i: number): NodeAnalysis => {
    // The previous node's data is garbage now: collect it before the next one piles up on it.
    if (analyzedHere++ > 0) collectGarbage();
    const node = snapshot.nodes[i];
    const result = slim(analyzeNodeSafe(node, cluster, opts.clock));
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
    const nodes = await pool.run((i) => local(cluster, i));
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
  /** Runs every node; `local` analyses one on the main thread. */
  run(local: (index: number) => NodeAnalysis): Promise<NodeAnalysis[]>;
  close(): Promise<void>;
}

interface PoolWorker {
  worker: Worker;
  outstanding: Set<number>;
  alive: boolean;
}

function startPool(snapshot: SnapshotData, count: number, workerFile: string, timings: boolean, release: boolean): Pool {
  const n = snapshot.nodes.length;
  const results: (NodeAnalysis | undefined)[] = new Array(n);
  let done = 0;
  // Largest nodes first: the usual way to keep threads evenly busy until the end.
  const queue = snapshot.nodes
    .map((node, i) => ({ i, size: Object.values(node.files).reduce((s, t) => s + t.length, 0) }))
    .sort((a, b) => b.size - a.size)
    .map((x) => x.i);
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };

  const init: WorkerInit = { clusterJson: snapshot.clusterJson, timings };
  const workers: PoolWorker[] = [];
  const feed = (pw: PoolWorker): void => {
    while (pw.alive && pw.outstanding.size < PREFETCH && queue.length > 0) {
      const id = queue.shift() as number;
      pw.outstanding.add(id);
      const job: WorkerJob = { id, node: snapshot.nodes[id] };
      pw.worker.postMessage(job);
    }
  };
  // A worker that fails hands its nodes back to the queue; the main thread picks them up.
  const retire = (pw: PoolWorker): void => {
    if (!pw.alive) return;
    pw.alive = false;
    queue.unshift(...pw.outstanding);
    pw.outstanding.clear();
    void pw.worker.terminate();
    notify();
  };
  for (let k = 0; k < count; k++) {
    const pw: PoolWorker = { worker: new Worker(workerFile, { workerData: init }), outstanding: new Set(), alive: true };
    pw.worker.on('message', (msg: WorkerReply) => {
      if (msg.type === 'fatal') return retire(pw);
      if (!pw.outstanding.delete(msg.id) || results[msg.id] !== undefined) return;
      results[msg.id] = fromWire(msg.result);
      // Kept until now: a worker that fails hands its nodes back to the main thread.
      if (release) snapshot.nodes[msg.id].files = {};
      done += 1;
      feed(pw);
      notify();
    });
    pw.worker.on('error', () => retire(pw));
    pw.worker.on('exit', () => retire(pw));
    workers.push(pw);
    feed(pw);
  }

  return {
    async run(local) {
      while (done < n) {
        const i = queue.shift();
        if (i !== undefined) {
          results[i] = local(i);
          done += 1;
          // Let worker replies in, so idle workers get their next node.
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
