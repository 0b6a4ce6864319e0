import type { AnalysisResult, CheckId, Finding, NodeDigest, SnapshotData } from '../model';
import { runClusterWideChecks } from '../checks/catalog/clusterWide';
import { checkNodeDivergence } from '../checks/nodeDivergence';
import type { DeferredNodeAnalysis } from './analyzeNode';
import { collectLimitations } from './limitations';
import type { PreparedCluster } from './prepareCluster';
import { clusterUsable } from './prepareCluster';
import { countBySeverity, sortFindings } from './sortFindings';

// Everything after the per-node work: cross-node checks from the digests, merge + sort, counts and
// limitations. Works the same whether the nodes were analyzed here or in worker threads (then
// NodeAnalysis.programmed may be empty; only summary, findings and digest are read).

const EXPLAINS_DIVERGENCE: ReadonlySet<CheckId> = new Set<CheckId>([
  'stale-backend',
  'not-ready-backend',
  'missing-backend',
  'service-not-programmed',
  'orphan-rules',
]);

function servicePortOnNode(f: Finding): string {
  return `${f.node}|${f.service}|${f.port}|${f.protocol}`;
}

export interface FinishOptions {
  now?: Date;
  version?: string;
}

export function finishAnalysis(
  snapshot: SnapshotData,
  cluster: PreparedCluster | null,
  nodes: DeferredNodeAnalysis[],
  opts: FinishOptions = {},
): AnalysisResult {
  const digests = nodes.map((n) => n.digest).filter((d): d is NodeDigest => d !== undefined);
  const all = nodes.flatMap((n) => n.findings);
  // Nodes analysed with deferClusterWide: the API-only findings, once (only those checks report
  // their check ids, so where they join the list changes nothing after mergeFindings).
  if (cluster !== null && clusterUsable(cluster) && nodes.some((n) => n.clusterWideDeferred === true)) {
    all.push(...runClusterWideChecks(cluster.index));
  }
  // A node that deviates from the EndpointSlices already has a finding saying exactly how
  // (stale, not-ready, missing ...); a divergence finding for the same Service port on the same
  // node would only repeat it. Divergence stands alone when nothing else explains it, e.g. without
  // cluster.json.
  const explained = new Set(all.filter((f) => EXPLAINS_DIVERGENCE.has(f.check)).map(servicePortOnNode));
  all.push(...checkNodeDivergence(digests, clusterUsable(cluster)).filter((f) => !explained.has(servicePortOnNode(f))));
  const findings = sortFindings(all);
  return {
    schemaVersion: 1,
    tool: { name: 'proxyscope', version: opts.version ?? 'dev' },
    generatedAt: (opts.now ?? new Date()).toISOString(),
    snapshot: {
      source: snapshot.source,
      nodes: snapshot.nodes.map((n) => n.name),
      cluster: cluster
        ? {
            services: cluster.state.services.length,
            endpointSlices: cluster.state.endpointSlices.length,
            pods: cluster.state.pods.length,
            nodes: cluster.state.nodes.length,
          }
        : null,
    },
    nodes: nodes.map((n) => n.summary),
    findings,
    limitations: collectLimitations(snapshot, cluster, nodes),
    counts: countBySeverity(findings),
  };
}
