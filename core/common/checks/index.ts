import type { CheckId, Finding } from '../model';
import { checkCanaryMissing } from './canaryMissing';
import { checkChainHashMismatch } from './chainHashMismatch';
import type { NodeCheckContext } from './context';
import { checkDualStackParity } from './dualStackParity';
import { checkLbProbabilitySkew } from './lbProbabilitySkew';
import { checkMissingBackends } from './missingBackend';
import { checkModeSwitchLeftovers } from './modeSwitchLeftovers';
import type { NodeLevelContext } from './nodeLevel';
import { checkNoEndpoints } from './noEndpoints';
import { checkNotReadyBackends } from './notReadyBackend';
import { checkOldVersionLeftovers } from './oldVersionLeftovers';
import { checkOrphanRules } from './orphanRules';
import { checkProxyModeMismatch } from './proxyModeMismatch';
import { checkServiceNotProgrammed } from './serviceNotProgrammed';
import { checkStaleBackends } from './staleBackend';
import { checkTerminatingFallback } from './terminatingFallback';

// The per-node, per-family checks in the order they run, then the node-level ones (all dumps of a
// node, every mode: NodeLevelContext). File-level checks (iptables-backend-split, dump-malformed),
// the catalog checks (./catalog) and the cross-node check (node-divergence) have their own entry
// points and are called by the pipeline (core/common/analyze).

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

export interface NodeLevelCheck {
  id: CheckId;
  /** Needs cluster.json (the API side); skipped without it. */
  needsCluster: boolean;
  run: (ctx: NodeLevelContext) => Finding[];
}

export const NODE_LEVEL_CHECKS: readonly NodeLevelCheck[] = [
  { id: 'proxy-mode-mismatch', needsCluster: false, run: checkProxyModeMismatch },
  { id: 'mode-switch-leftovers', needsCluster: false, run: checkModeSwitchLeftovers },
  { id: 'canary-missing', needsCluster: false, run: checkCanaryMissing },
  { id: 'dual-stack-parity', needsCluster: true, run: checkDualStackParity },
  { id: 'old-version-leftovers', needsCluster: false, run: checkOldVersionLeftovers },
];

export function runNodeLevelChecks(ctx: NodeLevelContext): Finding[] {
  const out: Finding[] = [];
  for (const check of NODE_LEVEL_CHECKS) {
    if (check.needsCluster && !ctx.index) continue;
    out.push(...check.run(ctx));
  }
  return out;
}

export type { NodeCheckContext, NodeDumpFile, ClusterCheckData } from './context';
export type { NodeLevelContext, NodeDumps, ParsedFile } from './nodeLevel';
export { buildNodeCheckContext } from './context';
export { checkIptablesBackendSplit } from './iptablesBackendSplit';
export { checkDumpMalformed } from './dumpMalformed';
export { checkNodeDivergence } from './nodeDivergence';
