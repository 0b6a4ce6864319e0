// Kubernetes API object shapes, as `kubectl get ... -o json` prints them.
// Only the fields Proxyscope reads are typed; everything is optional where the API allows
// it to be absent, because snapshots come from many cluster versions.

export type KubeProtocol = 'TCP' | 'UDP' | 'SCTP';
export type IpFamily = 'IPv4' | 'IPv6';

export interface OwnerReference {
  kind?: string;
  name?: string;
  uid?: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: OwnerReference[];
}

export interface ServicePort {
  name?: string;
  protocol?: KubeProtocol;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
  ipMode?: 'VIP' | 'Proxy';
}

export interface ServiceSpec {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: IpFamily[];
  ipFamilyPolicy?: string;
  ports?: ServicePort[];
  selector?: Record<string, string>;
  externalIPs?: string[];
  externalName?: string;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  loadBalancerSourceRanges?: string[];
  healthCheckNodePort?: number;
  publishNotReadyAddresses?: boolean;
  trafficDistribution?: string;
}

export interface Service {
  apiVersion?: string;
  kind: 'Service';
  metadata: ObjectMeta;
  spec: ServiceSpec;
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

export interface EndpointConditions {
  ready?: boolean | null;
  serving?: boolean | null;
  terminating?: boolean | null;
}

export interface ObjectReference {
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  hints?: { forZones?: { name: string }[]; forNodes?: { name: string }[] };
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string | null;
  port?: number | null;
  protocol?: KubeProtocol | null;
  appProtocol?: string;
}

export interface EndpointSlice {
  apiVersion?: string;
  kind: 'EndpointSlice';
  metadata: ObjectMeta;
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints?: Endpoint[] | null;
  ports?: EndpointPort[] | null;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: KubeProtocol;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
}

export interface Pod {
  apiVersion?: string;
  kind: 'Pod';
  metadata: ObjectMeta;
  spec?: { nodeName?: string; hostNetwork?: boolean; containers?: { name: string; ports?: ContainerPort[] }[] };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    conditions?: PodCondition[];
  };
}

export interface NodeAddress {
  type: string;
  address: string;
}

export interface KubeNode {
  apiVersion?: string;
  kind: 'Node';
  metadata: ObjectMeta;
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: NodeAddress[]; nodeInfo?: { kubeProxyVersion?: string; kubeletVersion?: string } };
}

/** The API side of a snapshot: the four lists `cluster.json` holds. */
export interface ClusterState {
  services: Service[];
  endpointSlices: EndpointSlice[];
  pods: Pod[];
  nodes: KubeNode[];
}
