import type { CheckId, Finding } from '../../model';
import type { NodeCheckContext } from '../context';
import type { NodeLevelContext } from '../nodeLevel';
import { checkAffinityResidue } from './affinityResidue';
import { runClusterWideChecks } from './clusterWide';
import { checkIpvsAffinity } from './ipvsAffinity';
import { checkIpvsSourceRanges } from './ipvsSourceRanges';
import { checkIpvsStructure } from './ipvsStructure';
import { checkIpvsWeightZero } from './ipvsWeightZero';
import { checkLocalPolicyBlackHole } from './localPolicyBlackHole';
import { checkMasqueradeHairpin } from './masqueradeHairpin';
import { checkSourceRanges } from './sourceRanges';
import { checkStaleConntrack } from './staleConntrack';
import { checkTopologyExpectation } from './topologyExpectation';

// The wider checks catalog (shared reference kube-proxy-dataplane.md §9), called by the pipeline
// from analyzeNode next to the core checks: per node and family (model-based) and once per node
// (raw dumps of every mode, conntrack, ipset, ip addr; the API-only checks). Every check is a pure
// function of its context and skips itself when its input is absent.

interface Check<C> {
  id: CheckId;
  /** Needs cluster.json; skipped without it. */
  needsCluster: boolean;
  /** Reads only the API objects: the same findings on every node (see clusterWide.ts). */
  clusterWide?: true;
  run: (ctx: C) => Finding[];
}

export const CATALOG_FAMILY_CHECKS: readonly Check<NodeCheckContext>[] = [
  { id: 'local-policy-black-hole', needsCluster: true, run: checkLocalPolicyBlackHole },
  { id: 'affinity-residue', needsCluster: true, run: checkAffinityResidue },
  { id: 'source-ranges', needsCluster: true, run: checkSourceRanges },
  { id: 'topology-expectation', needsCluster: true, run: checkTopologyExpectation },
];

export const CATALOG_NODE_CHECKS: readonly Check<NodeLevelContext>[] = [
  // readiness-disagreement, publish-not-ready and endpointslice-hygiene (API only, node null, computed once per index).
  { id: 'readiness-disagreement', needsCluster: true, clusterWide: true, run: (ctx) => runClusterWideChecks(ctx.index!) },
  { id: 'stale-conntrack', needsCluster: true, run: checkStaleConntrack },
  { id: 'ipvs-weight-zero', needsCluster: false, run: checkIpvsWeightZero },
  { id: 'ipvs-structure', needsCluster: false, run: checkIpvsStructure },
  { id: 'affinity-residue', needsCluster: true, run: checkIpvsAffinity },
  { id: 'source-ranges', needsCluster: true, run: checkIpvsSourceRanges },
  { id: 'masquerade-hairpin', needsCluster: false, run: checkMasqueradeHairpin },
];

/** Catalog checks that cannot run at all without cluster.json, for AnalysisResult.limitations. */
export const CATALOG_CLUSTER_ONLY: CheckId[] = [
  'readiness-disagreement',
  'publish-not-ready',
  'endpointslice-hygiene',
  'local-policy-black-hole',
  'stale-conntrack',
  'affinity-residue',
  'source-ranges',
  'topology-expectation',
];

/** Per node and address family: the model-based catalog checks. */
export function runCatalogFamilyChecks(ctx: NodeCheckContext): Finding[] {
  const out: Finding[] = [];
  for (const c of CATALOG_FAMILY_CHECKS) {
    if (c.needsCluster && !ctx.cluster) continue;
    out.push(...c.run(ctx));
  }
  return out;
}

export interface CatalogNodeOptions {
  /**
   * false: leave out the API-only checks (runClusterWideChecks), because the caller adds their
   * findings once for the whole snapshot (finishAnalysis). Default true.
   */
  clusterWide?: boolean;
}

/**
 * Once per node: checks of the raw dumps and the API-only checks. The API-only findings have node
 * null and are identical on every node; sortFindings.mergeFindings keeps one copy.
 */
export function runCatalogNodeChecks(ctx: NodeLevelContext, opts: CatalogNodeOptions = {}): Finding[] {
  const out: Finding[] = [];
  for (const c of CATALOG_NODE_CHECKS) {
    if (c.needsCluster && !ctx.index) continue;
    if (c.clusterWide && opts.clusterWide === false) continue;
    out.push(...c.run(ctx));
  }
  return out;
}
