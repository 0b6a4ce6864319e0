import type { ClusterIndex, Finding } from '../../model';
import { walkEndpointPods } from './endpointPodChecks';
import { checkPublishNotReady } from './publishNotReady';

// The catalog checks that read only the API objects (C14, C15, C30). Their findings have node null
// and are the same for every node, so they are computed once per ClusterIndex and every node
// returns the same list; finishAnalysis (sortFindings.mergeFindings) keeps one copy. The parallel
// runner asks analyzeNode to leave them out (deferClusterWide) and finishAnalysis adds them once
// from the main thread's index, so worker threads never compute them.

const cache = new WeakMap<ClusterIndex, Finding[]>();

export function runClusterWideChecks(index: ClusterIndex): Finding[] {
  let findings = cache.get(index);
  if (!findings) {
    // readiness-disagreement and endpointslice-hygiene from one walk of the slice endpoints.
    const { readiness, hygiene } = walkEndpointPods(index);
    findings = [...readiness, ...checkPublishNotReady(index), ...hygiene];
    cache.set(index, findings);
  }
  return findings.slice();
}
