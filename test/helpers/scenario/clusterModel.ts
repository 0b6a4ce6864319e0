import type { KubeProtocol } from '../../../core/common/model';

// The builder's plain-data model of a test cluster. clusterBuilder.ts edits it, kubeObjects.ts
// turns it into the API objects `kubectl get ... -o json` would print.

export interface ClusterOptions {
  /** Pod network; node podCIDRs are carved out of it. */
  clusterCIDR?: string;
  /** Mask size of each node's podCIDR (kube-controller-manager --node-cidr-mask-size). */
  nodeCIDRMaskSize?: number;
  serviceCIDR?: string;
  /** Subnet the node InternalIPs come from. */
  nodeNetwork?: string;
  /** Creation time of the first object; later objects are a minute apart. */
  createdAt?: string;
  kubeVersion?: string;
  /** 'lean' writes only the Pod fields Proxyscope reads (benchmarks with 100k+ pods). */
  podDetail?: 'full' | 'lean';
}

export interface NodeOptions {
  zone?: string;
  region?: string;
  ip?: string;
  controlPlane?: boolean;
}

export interface PortOptions {
  /** Omit for an unnamed port (only allowed when the Service has one port). */
  name?: string;
  port: number;
  /** Number, or the name of a container port. Defaults to `port`. */
  targetPort?: number | string;
  /** The container port a named targetPort resolves to (defaults to `port`). */
  containerPort?: number;
  protocol?: KubeProtocol;
  /** NodePort; auto-allocated for NodePort/LoadBalancer Services when omitted. */
  nodePort?: number;
}

export type Workload = 'Deployment' | 'StatefulSet' | 'DaemonSet';

export interface ServiceOptions {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  ports: PortOptions[];
  /** `clusterIP: None`. */
  headless?: boolean;
  /** Auto-allocated from the service CIDR when omitted. */
  clusterIP?: string;
  externalIPs?: string[];
  /** status.loadBalancer.ingress IPs (type LoadBalancer). */
  loadBalancerIPs?: string[];
  loadBalancerSourceRanges?: string[];
  externalTrafficPolicy?: 'Cluster' | 'Local';
  internalTrafficPolicy?: 'Cluster' | 'Local';
  /** ClientIP session affinity with this timeout (kube default 10800). */
  affinitySeconds?: number;
  publishNotReadyAddresses?: boolean;
  labels?: Record<string, string>;
  workload?: Workload;
  /** Selector and pods shared with another Service (e.g. a headless twin). */
  podsFrom?: string;
  /** Selector-less Service with a hand-made EndpointSlice (e.g. default/kubernetes). */
  manualEndpoints?: { ip: string; node?: string }[];
  /** Container image of the pods (cosmetic). */
  image?: string;
}

export interface PodModel {
  name: string;
  namespace: string;
  /** `ns/name` of the Service whose workload owns the pod. */
  owner: string;
  ip: string;
  node: string;
  ready: boolean;
  terminating: boolean;
  /** Creation order within the cluster (drives timestamps). */
  seq: number;
}

export interface NodeModel {
  name: string;
  index: number;
  zone: string;
  region: string;
  ip: string;
  podCIDR: string;
  /** Next free host offset in podCIDR. */
  nextPodOffset: number;
  controlPlane: boolean;
}

export interface ServiceModel {
  namespace: string;
  name: string;
  options: ServiceOptions;
  clusterIP: string | null;
  /** Allocated NodePorts, parallel to options.ports (0 = none). */
  nodePorts: number[];
  healthCheckNodePort: number;
  pods: PodModel[];
  /** Pods ever created for this Service (keeps generated names unique after scale-down). */
  podCounter: number;
  seq: number;
}

export interface ClusterModel {
  options: Required<ClusterOptions>;
  nodes: NodeModel[];
  services: ServiceModel[];
  nextServiceOffset: number;
  nextNodePort: number;
  nextSeq: number;
}

export const DEFAULT_CLUSTER_OPTIONS: Required<ClusterOptions> = {
  clusterCIDR: '10.244.0.0/16',
  nodeCIDRMaskSize: 24,
  serviceCIDR: '10.96.0.0/12',
  nodeNetwork: '172.18.0.0/16',
  createdAt: '2025-09-01T08:00:00Z',
  kubeVersion: 'v1.34.1',
  podDetail: 'full',
};

export function splitRef(ref: string): { namespace: string; name: string } {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) throw new Error(`expected ns/name, got ${JSON.stringify(ref)}`);
  return { namespace: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

export function cloneModel(model: ClusterModel): ClusterModel {
  return structuredClone(model);
}
