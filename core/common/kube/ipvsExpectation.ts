import type { ExpectedServicePort } from '../model';

// What differs in IPVS mode from the endpoint sets kube-proxy's shared selection computes
// (expectedServicePorts.ts). IPVS syncEndpoint (pkg/proxy/ipvs/proxier.go, since
// kubernetes/kubernetes#97081) uses the cluster endpoints for a Local-policy virtual server when
// the node has no local endpoint: "Allow access from local PODs even if no local endpoints
// exist". iptables and nftables DROP that traffic instead. The cluster set is the one
// CategorizeEndpoints computed, so it is empty when the Service needs no cluster path
// (ITP=Local without external frontends): such a virtual server then has no real server at all.

/** kube-proxy's UsesLocalEndpoints (pkg/proxy/serviceport.go). */
function usesLocalEndpoints(e: ExpectedServicePort): boolean {
  return e.internalPolicyLocal || (e.hasExternal && e.externalPolicyLocal);
}

/**
 * The expected Service ports as an IPVS node programs them. Inputs are shared, read-only objects
 * (one per Service port across nodes): ports that change are returned as new objects, the others
 * as they are, in a new array.
 */
export function adjustExpectedForIpvs(expected: readonly ExpectedServicePort[]): ExpectedServicePort[] {
  const out = expected.slice();
  for (let i = 0; i < out.length; i++) {
    const e = out[i];
    if (!e.proxied || e.localEndpoints.length > 0 || e.clusterEndpoints.length === 0 || !usesLocalEndpoints(e)) continue;
    out[i] = { ...e, localEndpoints: e.clusterEndpoints, localUsesTerminatingFallback: e.clusterUsesTerminatingFallback };
  }
  return out;
}
