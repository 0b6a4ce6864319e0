import type { EndpointSlice, Pod, Service, ServicePort } from './kube';
import type { ServicePortId } from './programmed';

// What kube-proxy *should* program on a node, computed from the API objects with
// kube-proxy's own endpoint selection (pkg/proxy/topology.go CategorizeEndpoints).

export type NotProxiedReason = 'headless' | 'external-name' | 'service-proxy-name' | 'no-cluster-ip-family';

export interface ExpectedEndpoint {
  ip: string;
  /** The EndpointSlice port (the resolved targetPort). */
  port: number;
  /** Conditions after kube-proxy's nil defaults (nil ready/serving = true, nil terminating = false). */
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  zone?: string;
  /** `ns/name` of the targetRef Pod, when the slice names one. */
  pod?: string;
  /** Name of the EndpointSlice this endpoint came from. */
  slice: string;
}

export interface ExpectedServicePort {
  id: ServicePortId;
  service: Service;
  servicePort: ServicePort;
  /** False for Services kube-proxy legitimately leaves alone. */
  proxied: boolean;
  notProxiedReason?: NotProxiedReason;
  /** Addresses of this family only. */
  clusterIP?: string;
  externalIPs: string[];
  /** LB ingress IPs that get rules (ipMode Proxy excluded). */
  loadBalancerIPs: string[];
  nodePort?: number;
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  /** True when the Service has external frontends (external IPs, LB IPs, NodePort). */
  hasExternal: boolean;
  affinitySeconds?: number;
  sourceRanges: string[];
  /** Every endpoint of this family and port in the Service's slices. */
  allEndpoints: ExpectedEndpoint[];
  /** What the cluster path (KUBE-SVC / service- chain) should reach on this node. */
  clusterEndpoints: ExpectedEndpoint[];
  /** What the local path (KUBE-SVL / local- chain) should reach on this node. */
  localEndpoints: ExpectedEndpoint[];
  /** True when the cluster set is the serving+terminating fallback (no ready endpoints). */
  clusterUsesTerminatingFallback: boolean;
  localUsesTerminatingFallback: boolean;
  /** Why topology did or did not narrow the cluster set. */
  topology: 'none' | 'prefer-same-zone' | 'prefer-same-node' | 'hints-incomplete';
}

/** API objects indexed once per snapshot, shared by every node's checks. */
export interface ClusterIndex {
  services: Map<string, Service>; // key `ns/name`
  slicesByService: Map<string, EndpointSlice[]>; // key `ns/name`
  podsByIp: Map<string, Pod[]>;
  podsByName: Map<string, Pod>; // key `ns/name`
  nodeNames: Set<string>;
  nodeZones: Map<string, string>;
  /** Node addresses (InternalIP/ExternalIP) per node. */
  nodeAddresses: Map<string, string[]>;
}
