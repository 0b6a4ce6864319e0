import type { SessionInfo } from '../contract';
import type { AnalysisResult } from '../model';

// What the UI learns about a loaded snapshot: its identity, node summaries and finding counts.
// The findings themselves come with `analysis`, so opening a session stays small.

export function sessionInfo(id: string, source: string, title: string, result: AnalysisResult): SessionInfo {
  return {
    id,
    source,
    title,
    hasCluster: result.snapshot.cluster !== null,
    generatedAt: result.generatedAt,
    nodes: result.nodes,
    counts: result.counts,
    limitations: result.limitations,
  };
}
