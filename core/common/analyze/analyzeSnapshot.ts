import type { AnalysisResult, SnapshotData } from '../model';
import { analyzeNode } from './analyzeNode';
import { finishAnalysis } from './finishAnalysis';
import type { PreparedCluster } from './prepareCluster';
import { prepareCluster } from './prepareCluster';

// Snapshot in, analysis out, on one thread. core/node has a parallel runner built from the same
// three steps: prepareCluster once, analyzeNode per node (in workers), finishAnalysis.

export interface AnalyzeSnapshotOptions {
  /** Millisecond clock for per-node phase timings. */
  clock?: () => number;
  /** generatedAt; defaults to the current time. */
  now?: Date;
  /** Tool version for the report. */
  version?: string;
}

export function analyzeSnapshot(snapshot: SnapshotData, opts: AnalyzeSnapshotOptions = {}): AnalysisResult {
  const cluster: PreparedCluster | null = snapshot.clusterJson !== undefined ? prepareCluster(snapshot.clusterJson) : null;
  // The result does not carry the programmed models; dropping each as soon as its node is done
  // keeps memory flat on big snapshots (a 10k-Service node model is tens of MB).
  const nodes = snapshot.nodes.map((n) => ({ ...analyzeNode(n, cluster, { clock: opts.clock }), programmed: [] }));
  return finishAnalysis(snapshot, cluster, nodes, { now: opts.now, version: opts.version });
}
