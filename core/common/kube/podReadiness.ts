import type { Pod } from '../model';

// Pod readiness as the EndpointSlice controller sees it (staging/src/k8s.io/endpointslice/utils.go:
// serving = podutil.IsPodReady(pod), terminating = deletionTimestamp != nil).

/** True when the Pod's `Ready` condition is `True` (podutil.IsPodReady). */
export function podReady(pod: Pod): boolean {
  const conditions = pod.status?.conditions;
  if (!conditions) return false;
  for (const c of conditions) if (c.type === 'Ready') return c.status === 'True';
  return false;
}

/** True when the Pod is being deleted (what the controller reports as `terminating`). */
export function podTerminating(pod: Pod): boolean {
  return typeof pod.metadata.deletionTimestamp === 'string' && pod.metadata.deletionTimestamp !== '';
}
