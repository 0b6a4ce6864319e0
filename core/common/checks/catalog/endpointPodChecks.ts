import type { ClusterIndex, Finding } from '../../model';
import { anyManagedByLabel, foreignSliceFinding, sharedIpFinding, targetRefFinding } from './hygieneFindings';
import { readinessDisagreement, targetRefProblem } from './podAgreement';
import { readinessFinding } from './readinessFinding';
import type { SliceEndpoint } from './sliceEndpoints';
import { forEachSliceEndpoint, keepSliceEndpoint, podHasIp, podsKnown } from './sliceEndpoints';

// readiness-disagreement (C14) and endpointslice-hygiene (C30) compare every slice endpoint with
// the Pod it names. At 10k Services that is 50k endpoints and 50k Pod lookups, bound by memory
// latency rather than by work, so ONE walk gives both checks' findings (runClusterWideChecks runs
// it once; each check on its own walks too).

export interface EndpointPodFindings {
  readiness: Finding[];
  hygiene: Finding[];
}

export function walkEndpointPods(index: ClusterIndex): EndpointPodFindings {
  const known = podsKnown(index);
  const readiness: Finding[] = [];
  const hygiene: Finding[] = [];
  // Shared IPs (sharedIpFinding) in two steps: the walk notes the addresses that can make such a
  // finding, only those (rare) are walked again for the finding's endpoint list. With Pods in
  // cluster.json only a named Pod without any IP can leave a shared address unexplained, so only
  // its addresses are noted; without Pods every address two different Pods are named for is.
  const firstPod = known ? undefined : new Map<string, string>();
  let shared: Set<string> | undefined;
  // A slice without the managed-by label only stands out when the controller's slices carry it
  // (every release since EndpointSlice went GA); an export with no such label anywhere is an
  // old or hand-trimmed cluster.json, where a missing label proves nothing.
  const labelsKnown = anyManagedByLabel(index);
  // The walk visits a slice's endpoints one after the other: its first one speaks for the slice.
  let lastSlice: object | undefined;
  forEachSliceEndpoint(index, (se) => {
    const podKey = se.podKey;
    if (podKey) {
      if (!firstPod) {
        const kind = readinessDisagreement(se, known);
        if (kind) readiness.push(readinessFinding(se, kind));
        else {
          const problem = targetRefProblem(se, known);
          if (problem) hygiene.push(targetRefFinding(se, problem));
        }
        if (se.pod && !podHasIp(se.pod)) (shared ??= new Set()).add(se.address);
      } else {
        const first = firstPod.get(se.address);
        if (first === undefined) firstPod.set(se.address, podKey);
        else if (first !== podKey) (shared ??= new Set()).add(se.address);
      }
    }
    if (lastSlice !== se.slice) {
      lastSlice = se.slice;
      const f = foreignSliceFinding(se, labelsKnown);
      if (f) hygiene.push(f);
    }
  });
  if (shared) {
    const byIp = new Map<string, SliceEndpoint[]>();
    const ips = shared;
    forEachSliceEndpoint(index, (se) => {
      if (!se.podKey || !ips.has(se.address)) return;
      const list = byIp.get(se.address);
      if (list) list.push(keepSliceEndpoint(se));
      else byIp.set(se.address, [keepSliceEndpoint(se)]);
    });
    for (const [ip, list] of byIp) {
      const f = sharedIpFinding(ip, list, known);
      if (f) hygiene.push(f);
    }
  }
  return { readiness, hygiene };
}
