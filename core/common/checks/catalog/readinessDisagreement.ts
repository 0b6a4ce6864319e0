import type { ClusterIndex, Finding } from '../../model';
import { walkEndpointPods } from './endpointPodChecks';

// readiness-disagreement (C14): an EndpointSlice endpoint whose `ready` contradicts the Pod it
// names. kube-proxy trusts the slice, not the Pod, so this decides where traffic goes on every
// node: a cluster-wide finding (node null). Usually the EndpointSlice controller is lagging (a
// busy or partitioned kube-controller-manager), or the slice is written by hand or by another
// controller. Seconds of lag are normal; the capture time is unknown, so the message says so.
// The walk over every slice endpoint is shared with endpointslice-hygiene (endpointPodChecks.ts);
// the finding is built in readinessFinding.ts.

export function checkReadinessDisagreement(index: ClusterIndex): Finding[] {
  return walkEndpointPods(index).readiness;
}
