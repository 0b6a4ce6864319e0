import type { Finding } from '../../model';
import { makeFinding, apiEvidence } from '../makeFinding';
import { describePodCmd, getSlices } from '../nextSteps';
import { describePod } from '../podFacts';
import type { ReadinessDisagreement } from './podAgreement';
import type { SliceEndpoint } from './sliceEndpoints';
import { describeSliceEndpoint, podIps } from './sliceEndpoints';

// The finding of readiness-disagreement (C14); the walk that finds them is endpointPodChecks.ts.

export function readinessFinding(se: SliceEndpoint, kind: ReadinessDisagreement): Finding {
  const [ns, name] = se.serviceKey.split('/');
  const sliceName = se.slice.metadata.name;
  const podKey = se.podKey!;
  const pod = se.pod;
  const podText = pod ? `Pod ${podKey}: ${describePod(pod)}${podIps(pod).length ? `, IP ${podIps(pod).join(', ')}` : ''}` : `Pod ${podKey} is not in cluster.json`;
  const { title, what, impact } = words(kind, se, podKey, pod ? podIps(pod) : []);
  const steps = [getSlices(ns, name)];
  if (pod) {
    const [pns, pname] = podKey.split('/');
    steps.push(describePodCmd(pns, pname));
  }
  steps.push(
    'kubectl -n kube-system logs -l component=kube-controller-manager --tail=200 | grep -i endpointslice   # is the EndpointSlice controller keeping up?',
    `kubectl -n ${ns} get endpointslice ${sliceName} -o jsonpath='{.metadata.labels.endpointslice\\.kubernetes\\.io/managed-by}'   # who writes this slice`,
  );
  return makeFinding({
    check: 'readiness-disagreement',
    severity: 'medium',
    node: null,
    service: se.serviceKey,
    endpoint: se.address,
    pod: podKey,
    title: `${se.serviceKey}: ${title}`,
    message:
      `EndpointSlice ${ns}/${sliceName} ${what}. ${impact} kube-proxy follows the slice, not the Pod, on every node. ` +
      'The EndpointSlice controller normally fixes this within seconds; if it persists, the controller is lagging ' +
      '(check kube-controller-manager) or the slice is not written by it (hand-made or another controller).',
    nextSteps: steps,
    evidence: [apiEvidence(describeSliceEndpoint(se)), apiEvidence(podText)],
  });
}

function words(kind: ReadinessDisagreement, se: SliceEndpoint, podKey: string, ips: string[]): { title: string; what: string; impact: string } {
  const addr = se.address;
  switch (kind) {
    case 'pod-gone':
      return {
        title: `endpoint ${addr} is ready but Pod ${podKey} no longer exists`,
        what: `marks ${addr} ready, but its Pod ${podKey} no longer exists`,
        impact: 'kube-proxy keeps sending traffic to an address nobody answers on (or to whatever got the IP next).',
      };
    case 'other-ip':
      return {
        title: `endpoint ${addr} is ready but Pod ${podKey} now has IP ${ips.join(', ')}`,
        what: `marks ${addr} ready for Pod ${podKey}, but that Pod now has IP ${ips.join(', ')}`,
        impact: `Traffic goes to ${addr}, which is not the Pod (the Pod was recreated or the IP reused), while the Pod's real IP gets none.`,
      };
    case 'pod-terminating':
      return {
        title: `endpoint ${addr} is ready but Pod ${podKey} is being deleted`,
        what: `marks ${addr} ready, but its Pod ${podKey} is being deleted`,
        impact: 'New connections keep going to a Pod that is shutting down, instead of only as a last resort.',
      };
    case 'pod-not-ready':
      return {
        title: `endpoint ${addr} is ready but Pod ${podKey} is not Ready`,
        what: `marks ${addr} ready, but its Pod ${podKey} is not Ready`,
        impact: 'Traffic reaches a Pod whose readiness probe fails.',
      };
    case 'pod-ready':
      return {
        title: `endpoint ${addr} is not ready but Pod ${podKey} is Ready`,
        what: `marks ${addr} not ready, but its Pod ${podKey} is Ready`,
        impact: 'The Pod gets no Service traffic although it could serve it (less capacity, or no endpoints at all).',
      };
  }
}
