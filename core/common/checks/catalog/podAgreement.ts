import type { Pod } from '../../model';
import { podReady, podTerminating } from '../../kube/podReadiness';
import type { SliceEndpoint } from './sliceEndpoints';
import { podHasIp, podHoldsIp } from './sliceEndpoints';

// Does a slice endpoint agree with the Pod it names? The EndpointSlice controller writes
// serving = Pod Ready, terminating = deletionTimestamp set, ready = publishNotReadyAddresses ||
// (serving && !terminating) (staging/src/k8s.io/endpointslice/utils.go), and the address is the
// Pod's IP. readiness-disagreement (C14) reports the disagreements that change where traffic goes;
// endpointslice-hygiene (C30) the rest, and skips what C14 reports, so one fact is one finding.

export type ReadinessDisagreement =
  /** ready=true, but no Pod of that name exists. */
  | 'pod-gone'
  /** ready=true, but the Pod is not Ready. */
  | 'pod-not-ready'
  /** ready=true, but the Pod is being deleted. */
  | 'pod-terminating'
  /** ready=true, but the Pod now has another IP. */
  | 'other-ip'
  /** ready=false, but the Pod is Ready, not being deleted and has that IP. */
  | 'pod-ready';

/** C14's view of one endpoint; null when it agrees (or the Pods are unknown). */
export function readinessDisagreement(se: SliceEndpoint, podsKnown: boolean): ReadinessDisagreement | null {
  if (!se.podKey || !podsKnown) return null;
  const pod = se.pod;
  if (se.ready) {
    if (!pod) return 'pod-gone';
    if (podHasIp(pod) && !podHoldsIp(pod, se.address)) return 'other-ip';
    // publishNotReadyAddresses makes every endpoint ready on purpose (publish-not-ready reports it).
    if (se.service?.spec.publishNotReadyAddresses === true) return null;
    if (podTerminating(pod)) return 'pod-terminating';
    if (!podReady(pod)) return 'pod-not-ready';
    return null;
  }
  if (pod && podReady(pod) && !podTerminating(pod) && podHoldsIp(pod, se.address)) return 'pod-ready';
  return null;
}

export type HygieneProblem =
  /** Not ready (so no traffic), but the Pod it names is gone. */
  | 'pod-gone'
  /** The targetRef UID is not the UID of the Pod of that name: the Pod was recreated. */
  | 'uid-mismatch'
  /** Not ready, and the address is not the Pod's IP. */
  | 'other-ip';

/** C30's view of one endpoint's targetRef; null when fine or already a readiness disagreement. */
export function targetRefProblem(se: SliceEndpoint, podsKnown: boolean): HygieneProblem | null {
  if (!se.podKey || !podsKnown) return null;
  if (readinessDisagreement(se, podsKnown) !== null) return null;
  const pod: Pod | undefined = se.pod;
  if (!pod) return 'pod-gone';
  const uid = se.endpoint.targetRef?.uid;
  if (uid && pod.metadata.uid && uid !== pod.metadata.uid) return 'uid-mismatch';
  if (podHasIp(pod) && !podHoldsIp(pod, se.address)) return 'other-ip';
  return null;
}
