import type { ClusterIndex, Finding } from '../../model';
import { walkEndpointPods } from './endpointPodChecks';

// endpointslice-hygiene (C30): EndpointSlices that do not describe the Pods they name, or that
// someone other than the EndpointSlice controller writes for a selector Service. kube-proxy merges
// every slice labelled with the Service name (pkg/proxy/endpointslicecache.go), so a foreign or
// stale slice adds backends no selector chose. Cluster-wide facts: node null.
// The walk over every slice endpoint is shared with readiness-disagreement (endpointPodChecks.ts);
// the findings are built in hygieneFindings.ts.

export function checkEndpointSliceHygiene(index: ClusterIndex): Finding[] {
  return walkEndpointPods(index).hygiene;
}
