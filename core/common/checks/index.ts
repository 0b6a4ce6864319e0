import type { CheckId, Finding } from '../model';
import { checkChainHashMismatch } from './chainHashMismatch';
import type { NodeCheckContext } from './context';
import { checkLbProbabilitySkew } from './lbProbabilitySkew';
import { checkMissingBackends } from './missingBackend';
import { checkNoEndpoints } from './noEndpoints';
import { checkNotReadyBackends } from './notReadyBackend';
import { checkOrphanRules } from './orphanRules';
import { checkServiceNotProgrammed } from './serviceNotProgrammed';
import { checkStaleBackends } from './staleBackend';
import { checkTerminatingFallback } from './terminatingFallback';

// The per-node, per-family checks in the order they run. File-level checks (iptables-backend-split,
// dump-malformed) and the cross-node check (node-divergence) have their own inputs and are called
// by the pipeline (core/common/analyze).

export interface NodeCheck {
  id: CheckId;
  /** Needs cluster.json (the API side); skipped without it. */
  needsCluster: boolean;
  run: (ctx: NodeCheckContext) => Finding[];
}

export const NODE_CHECKS: readonly NodeCheck[] = [
  { id: 'service-not-programmed', needsCluster: true, run: checkServiceNotProgrammed },
  { id: 'orphan-rules', needsCluster: true, run: checkOrphanRules },
  { id: 'stale-backend', needsCluster: true, run: checkStaleBackends },
  { id: 'not-ready-backend', needsCluster: true, run: checkNotReadyBackends },
  { id: 'missing-backend', needsCluster: true, run: checkMissingBackends },
  { id: 'no-endpoints', needsCluster: true, run: checkNoEndpoints },
  { id: 'terminating-fallback', needsCluster: true, run: checkTerminatingFallback },
  { id: 'lb-probability-skew', needsCluster: false, run: checkLbProbabilitySkew },
  { id: 'chain-hash-mismatch', needsCluster: false, run: checkChainHashMismatch },
];

/** Checks that could not run without cluster.json, for AnalysisResult.limitations. */
export const CLUSTER_ONLY_CHECKS: readonly CheckId[] = NODE_CHECKS.filter((c) => c.needsCluster).map((c) => c.id);

export function runNodeChecks(ctx: NodeCheckContext): Finding[] {
  const out: Finding[] = [];
  for (const check of NODE_CHECKS) {
    if (check.needsCluster && !ctx.cluster) continue;
    out.push(...check.run(ctx));
  }
  return out;
}

export type { NodeCheckContext, NodeDumpFile, ClusterCheckData } from './context';
export { buildNodeCheckContext } from './context';
export { checkIptablesBackendSplit } from './iptablesBackendSplit';
export { checkDumpMalformed } from './dumpMalformed';
export { checkNodeDivergence } from './nodeDivergence';
