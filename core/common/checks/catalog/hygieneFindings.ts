import type { ClusterIndex, Finding } from '../../model';
import { namespaceOf } from '../../kube/clusterIndex';
import { apiEvidence, listSome, makeFinding } from '../makeFinding';
import { describePodCmd, getSlices } from '../nextSteps';
import { describePod } from '../podFacts';
import type { HygieneProblem } from './podAgreement';
import { evidenceForService } from './serviceEvidence';
import type { SliceEndpoint } from './sliceEndpoints';
import { describeSliceEndpoint, podIps } from './sliceEndpoints';

// The findings of endpointslice-hygiene (C30); the walk that finds them is endpointPodChecks.ts.

const LABEL_MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';
const CONTROLLER = 'endpointslice-controller.k8s.io';

export function targetRefFinding(se: SliceEndpoint, problem: HygieneProblem): Finding {
  const [ns, name] = se.serviceKey.split('/');
  const podKey = se.podKey!;
  const sliceRef = `${namespaceOf(se.slice.metadata)}/${se.slice.metadata.name}`;
  const pod = se.pod;
  let title: string;
  let message: string;
  if (problem === 'pod-gone') {
    title = `EndpointSlice ${sliceRef} still lists ${se.address} for deleted Pod ${podKey}`;
    message = `EndpointSlice ${sliceRef} lists ${se.address} (not ready) with targetRef Pod ${podKey}, which no longer exists. It gets no traffic while not ready, but the slice is not being maintained: `;
  } else if (problem === 'uid-mismatch') {
    title = `EndpointSlice ${sliceRef} names an earlier Pod ${podKey} (UID changed)`;
    message = `EndpointSlice ${sliceRef} lists ${se.address} with targetRef Pod ${podKey} uid ${se.endpoint.targetRef?.uid}, but the Pod of that name now has uid ${pod?.metadata.uid}: the Pod was recreated (e.g. a StatefulSet) and the slice still describes the old one. `;
  } else {
    title = `EndpointSlice ${sliceRef} lists ${se.address} for Pod ${podKey}, which has IP ${podIps(pod!).join(', ')}`;
    message = `EndpointSlice ${sliceRef} lists ${se.address} (not ready) for Pod ${podKey}, but the Pod's IP is ${podIps(pod!).join(', ')}. `;
  }
  message += 'The EndpointSlice controller rewrites slices it owns within seconds, so a lasting mismatch means it is lagging or the slice is written by something else.';
  const steps = [getSlices(ns, name)];
  if (pod) {
    const [pns, pname] = podKey.split('/');
    steps.push(describePodCmd(pns, pname));
  }
  return makeFinding({
    check: 'endpointslice-hygiene',
    severity: 'medium',
    node: null,
    service: se.serviceKey,
    endpoint: se.address,
    pod: podKey,
    title,
    message,
    nextSteps: steps,
    evidence: [apiEvidence(describeSliceEndpoint(se)), apiEvidence(pod ? `Pod ${podKey}: uid ${pod.metadata.uid ?? '?'}, ${describePod(pod)}, IP ${podIps(pod).join(', ') || 'none'}` : `Pod ${podKey} is not in cluster.json`)],
  });
}

export function anyManagedByLabel(index: ClusterIndex): boolean {
  for (const slices of index.slicesByService.values()) for (const sl of slices) if (sl.metadata.labels?.[LABEL_MANAGED_BY] !== undefined) return true;
  return false;
}

/** Object.keys(o).length > 0 without the array (this runs for every slice). */
function hasKey(o: object): boolean {
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) return true;
  return false;
}

/** A slice of a selector Service that the EndpointSlice controller does not manage. */
export function foreignSliceFinding(se: SliceEndpoint, labelsKnown: boolean): Finding | null {
  const svc = se.service;
  const selector = svc?.spec.selector;
  if (!svc || !selector || !hasKey(selector)) return null;
  const managedBy = se.slice.metadata.labels?.[LABEL_MANAGED_BY];
  if (managedBy === CONTROLLER || (managedBy === undefined && !labelsKnown)) return null;
  const [ns, name] = se.serviceKey.split('/');
  const sliceRef = `${namespaceOf(se.slice.metadata)}/${se.slice.metadata.name}`;
  const who = managedBy ? `managed by ${managedBy}` : `without the ${LABEL_MANAGED_BY} label (written by hand or by a tool)`;
  return makeFinding({
    check: 'endpointslice-hygiene',
    severity: 'medium',
    node: null,
    service: se.serviceKey,
    title: `${se.serviceKey} has EndpointSlice ${se.slice.metadata.name} ${managedBy ? `managed by ${managedBy}` : 'not managed by the EndpointSlice controller'}`,
    message:
      `Service ${se.serviceKey} has a selector, so the EndpointSlice controller (${CONTROLLER}) writes its slices. Slice ${sliceRef} is ${who}. ` +
      'kube-proxy merges every slice labelled kubernetes.io/service-name, so its endpoints get traffic although the selector did not choose them, ' +
      'and nothing keeps them in step with the Pods.',
    nextSteps: [getSlices(ns, name), `kubectl -n ${namespaceOf(se.slice.metadata)} get endpointslice ${se.slice.metadata.name} -o yaml`],
    evidence: [
      evidenceForService(svc, `selector ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',')}`),
      apiEvidence(`EndpointSlice ${sliceRef}: ${LABEL_MANAGED_BY}=${managedBy ?? '(none)'}`),
    ],
  });
}

/**
 * One IP named by two different Pods. Host-network Pods legitimately share the node IP, and a
 * Pod that is gone or has another IP is already reported per endpoint (here or by C14), so this
 * only speaks when nothing else can: cluster.json has no Pods, or a named Pod has no IP yet.
 */
export function sharedIpFinding(ip: string, list: SliceEndpoint[], known: boolean): Finding | null {
  const refs = new Map<string, SliceEndpoint>();
  for (const se of list) if (!refs.has(se.podKey!)) refs.set(se.podKey!, se);
  if (refs.size < 2) return null;
  const owners: string[] = [];
  const unexplained: string[] = [];
  for (const [podKey, se] of refs) {
    const ips = se.pod ? podIps(se.pod) : [];
    if (ips.includes(ip)) owners.push(podKey);
    else if (!known || (se.pod && ips.length === 0)) unexplained.push(podKey);
  }
  if (unexplained.length === 0) return null;
  const services = [...new Set(list.map((se) => se.serviceKey))];
  const why = known
    ? `${owners.length > 0 ? `It belongs to ${listSome(owners)}; ` : ''}${listSome(unexplained)} ${unexplained.length === 1 ? 'has' : 'have'} no IP yet.`
    : 'cluster.json has no Pods, so which one is current cannot be told here.';
  return makeFinding({
    check: 'endpointslice-hygiene',
    severity: 'medium',
    node: null,
    service: services[0],
    endpoint: ip,
    title: `${ip} is listed for ${refs.size} different Pods in EndpointSlices`,
    message:
      `EndpointSlices list ${ip} for different Pods (${listSome([...refs.keys()])}) of ${listSome(services)}. ${why} ` +
      'Two Pods cannot share a Pod IP (host-network Pods aside), so one of the slices describes a Pod that is gone or moved (IP reuse) ' +
      'and a Service may send traffic to a Pod it never selected.',
    nextSteps: [...services.slice(0, 3).map((s) => getSlices(s.split('/')[0], s.split('/')[1])), `kubectl get pods -A -o wide --field-selector status.podIP=${ip}`],
    evidence: list.slice(0, 10).map((se) => apiEvidence(describeSliceEndpoint(se))),
  });
}
