import type { ClusterIndex, Finding } from '../../model';
import { notProxiedReason } from '../../kube/serviceFamilyView';
import { podReady, podTerminating } from '../../kube/podReadiness';
import { apiEvidence, listSome, makeFinding, plural } from '../makeFinding';
import { describeService, getSlices } from '../nextSteps';
import { evidenceForService } from './serviceEvidence';
import type { SliceEndpoint } from './sliceEndpoints';
import { describeSliceEndpoint, forEachSliceEndpoint, keepSliceEndpoint } from './sliceEndpoints';

// publish-not-ready (C15): a Service kube-proxy proxies (not headless) with
// publishNotReadyAddresses=true. The EndpointSlice controller then marks every endpoint ready
// (staging/src/k8s.io/endpointslice/utils.go), so kube-proxy load-balances to Pods whose readiness
// probe fails: by design, but rarely what a ClusterIP Service wants (the flag is meant for headless
// StatefulSet peer discovery). Reported only when at least one Pod behind it is not ready now.

export function checkPublishNotReady(index: ClusterIndex): Finding[] {
  const notReady = new Map<string, SliceEndpoint[]>();
  forEachSliceEndpoint(
    index,
    (se) => {
      const podNotReady = se.pod !== undefined && (!podReady(se.pod) || podTerminating(se.pod));
      if (!podNotReady && se.serving) return;
      const list = notReady.get(se.serviceKey);
      if (list) list.push(keepSliceEndpoint(se));
      else notReady.set(se.serviceKey, [keepSliceEndpoint(se)]);
    },
    // Only proxied Services with the flag: the rest is skipped before any Pod lookup.
    (svc) => svc !== undefined && svc.spec.publishNotReadyAddresses === true && notProxiedReason(svc) === undefined,
  );
  const out: Finding[] = [];
  for (const [key, eps] of notReady) {
    const svc = eps[0].service!;
    const [ns, name] = key.split('/');
    const who = [...new Set(eps.map((se) => (se.podKey ? `${se.podKey} (${se.address})` : se.address)))];
    out.push(
      makeFinding({
        check: 'publish-not-ready',
        severity: 'medium',
        node: null,
        service: key,
        title: `${key} sends traffic to ${plural(who.length, 'not-ready pod')} (publishNotReadyAddresses=true)`,
        message:
          `Service ${key} has a ClusterIP and publishNotReadyAddresses=true, so its EndpointSlices mark every endpoint ready and kube-proxy ` +
          `load-balances to Pods that are not ready: ${listSome(who)}. Requests that land there can fail or time out. ` +
          'The flag is meant for headless Services (StatefulSet peer discovery); on a proxied Service it is usually a mistake, ' +
          'unless the application must be reachable before it reports ready.',
        nextSteps: [
          describeService(ns, name),
          getSlices(ns, name),
          `kubectl -n ${ns} patch service ${name} --type=merge -p '{"spec":{"publishNotReadyAddresses":false}}'   # if not-ready pods should get no traffic`,
        ],
        evidence: [evidenceForService(svc, 'publishNotReadyAddresses=true'), ...eps.slice(0, 10).map((se) => apiEvidence(describeSliceEndpoint(se)))],
      }),
    );
  }
  return out;
}
