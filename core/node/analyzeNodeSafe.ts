import { analyzeNode, type DeferredNodeAnalysis } from '../common/analyze/analyzeNode';
import type { PreparedCluster } from '../common/analyze/prepareCluster';
import type { NodeAnalysis, ProgrammedNode, SnapshotNode } from '../common/model';

// Shared by the main thread and analyzeWorker: run one node without letting a bug in one node's
// analysis take the whole snapshot down, and the shape a node's result travels in between threads.

/** Main -> worker: data the worker prepares once. */
export interface WorkerInit {
  clusterJson?: string;
  /** Fill PhaseTimings (the worker's own clock; only durations cross threads). */
  timings: boolean;
  /** analyzeNodeSafe's deferClusterWide for every node of this worker. */
  deferClusterWide?: boolean;
}

export interface WorkerJob {
  id: number;
  node: SnapshotNode;
}

/**
 * A NodeAnalysis without the programmed model: that model is large (every rule's evidence) and
 * finishAnalysis only needs the compact digest for cross-node checks. When the engine gives no
 * digest, the programmed model is sent after all so cross-node checks still see it.
 */
export type WireNodeAnalysis = Omit<DeferredNodeAnalysis, 'programmed'> & { programmed?: ProgrammedNode[] };

export type WorkerReply =
  /** The worker holds the node's files now (the main thread may drop its own copy). */
  | { type: 'started'; id: number }
  | { type: 'result'; id: number; result: WireNodeAnalysis }
  | { type: 'fatal'; message: string };

/**
 * `deferClusterWide`: see AnalyzeNodeOptions; the parallel runner sets it on every thread, and
 * finishAnalysis adds the cluster-wide findings once.
 */
export function analyzeNodeSafe(node: SnapshotNode, cluster: PreparedCluster | null, clock?: () => number, deferClusterWide = false): DeferredNodeAnalysis {
  try {
    return analyzeNode(node, cluster, clock ? { clock, deferClusterWide } : { deferClusterWide });
  } catch (err) {
    return errorAnalysis(node, err);
  }
}

export function errorAnalysis(node: SnapshotNode, err: unknown): NodeAnalysis {
  const message = err instanceof Error ? err.message : String(err);
  return {
    summary: {
      node: node.name,
      status: 'error',
      mode: 'unknown',
      files: Object.keys(node.files).sort(),
      ruleCount: 0,
      servicePorts: 0,
      backends: 0,
      malformedLines: 0,
      error: `analysis failed: ${message}`,
    },
    programmed: [],
    findings: [],
  };
}

export function toWire(a: DeferredNodeAnalysis): WireNodeAnalysis {
  const { programmed, ...rest } = a;
  return (a as { digest?: unknown }).digest !== undefined ? rest : { ...rest, programmed };
}

/**
 * Drops the programmed model once a node is done (when the digest carries what finishAnalysis
 * needs), so a many-node snapshot does not keep every node's full model in memory at once.
 */
export function slim(a: DeferredNodeAnalysis): DeferredNodeAnalysis {
  return fromWire(toWire(a));
}

export function fromWire(w: WireNodeAnalysis): DeferredNodeAnalysis {
  return { ...w, programmed: w.programmed ?? [] };
}
