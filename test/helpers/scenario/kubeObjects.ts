import type {
  ClusterState,
  Endpoint,
  EndpointPort,
  EndpointSlice,
  KubeNode,
  ObjectMeta,
  Pod,
  Service,
  ServicePort,
} from '../../../core/common/model';
import type { ClusterModel, NodeModel, PodModel, PortOptions, ServiceModel } from './clusterModel';
import { nameSuffix, templateHash, timestamp, uid } from './ids';
import { replicaSetName } from './podNames';

// Turns the builder model into the objects the API server returns, with the fields the
// controllers set: EndpointSlice conditions follow staging/src/k8s.io/endpointslice/utils.go
// (serving = pod Ready, terminating = deletionTimestamp set, ready = serving && !terminating, or
// true with publishNotReadyAddresses); slices hold at most 100 endpoints (controller default).

const MAX_ENDPOINTS_PER_SLICE = 100;
const CONTROLLER = 'endpointslice-controller.k8s.io';

/** ObjectMeta plus the bookkeeping fields kubectl prints that the engine's types leave out. */
type FullMeta = ObjectMeta & { resourceVersion: string; generateName?: string; deletionGracePeriodSeconds?: number };

function meta(model: ClusterModel, kind: string, seq: number, name: string, namespace: string | undefined, extra: Partial<FullMeta> = {}): FullMeta {
  const key = `${kind}/${namespace ?? ''}/${name}/${seq}`;
  return {
    creationTimestamp: timestamp(model.options.createdAt, seq),
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    resourceVersion: String(1000 + seq * 7),
    uid: uid(key),
    ...extra,
  };
}

function sortByRef<T extends { metadata: ObjectMeta }>(items: T[]): T[] {
  const key = (o: T) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function containerPortOf(p: PortOptions): number {
  return typeof p.targetPort === 'number' ? p.targetPort : (p.containerPort ?? p.port);
}

function podOwnerOf(model: ClusterModel, svc: ServiceModel): ServiceModel {
  if (!svc.options.podsFrom) return svc;
  const owner = model.services.find((s) => `${s.namespace}/${s.name}` === svc.options.podsFrom);
  if (!owner) throw new Error(`${svc.namespace}/${svc.name}: podsFrom ${svc.options.podsFrom} does not exist`);
  return owner;
}

function serviceObject(model: ClusterModel, svc: ServiceModel): Service {
  const o = svc.options;
  const type = o.type ?? 'ClusterIP';
  const external = type !== 'ClusterIP';
  const ports: ServicePort[] = o.ports.map((p, i) => ({
    ...(p.name ? { name: p.name } : {}),
    ...(svc.nodePorts[i] ? { nodePort: svc.nodePorts[i] } : {}),
    port: p.port,
    protocol: p.protocol ?? 'TCP',
    targetPort: p.targetPort ?? p.port,
  }));
  const owner = podOwnerOf(model, svc);
  const spec: Service['spec'] & { allocateLoadBalancerNodePorts?: boolean } = {
    ...(type === 'LoadBalancer' ? { allocateLoadBalancerNodePorts: true } : {}),
    clusterIP: svc.clusterIP ?? 'None',
    clusterIPs: [svc.clusterIP ?? 'None'],
    ...(o.externalIPs?.length ? { externalIPs: o.externalIPs } : {}),
    ...(external ? { externalTrafficPolicy: o.externalTrafficPolicy ?? 'Cluster' } : {}),
    ...(svc.healthCheckNodePort ? { healthCheckNodePort: svc.healthCheckNodePort } : {}),
    internalTrafficPolicy: o.internalTrafficPolicy ?? 'Cluster',
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    ...(o.loadBalancerSourceRanges?.length ? { loadBalancerSourceRanges: o.loadBalancerSourceRanges } : {}),
    ports,
    ...(o.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
    ...(o.manualEndpoints ? {} : { selector: { app: owner.name } }),
    sessionAffinity: o.affinitySeconds !== undefined ? 'ClientIP' : 'None',
    ...(o.affinitySeconds !== undefined ? { sessionAffinityConfig: { clientIP: { timeoutSeconds: o.affinitySeconds } } } : {}),
    type,
  };
  const ingress = type === 'LoadBalancer' ? (o.loadBalancerIPs ?? []).map((ip) => ({ ip, ipMode: 'VIP' as const })) : [];
  const metadata = meta(model, 'Service', svc.seq, svc.name, svc.namespace, { labels: o.labels ?? { app: svc.name } });
  return { apiVersion: 'v1', kind: 'Service', metadata, spec, status: { loadBalancer: ingress.length ? { ingress } : {} } };
}

function endpointOf(model: ClusterModel, svc: ServiceModel, pod: PodModel, nodes: Map<string, NodeModel>): Endpoint {
  const serving = pod.ready;
  const ready = svc.options.publishNotReadyAddresses ? true : serving && !pod.terminating;
  const sts = (podOwnerOf(model, svc).options.workload ?? 'Deployment') === 'StatefulSet' && svc.options.headless;
  return {
    addresses: [pod.ip],
    conditions: { ready, serving, terminating: pod.terminating },
    ...(sts ? { hostname: pod.name } : {}),
    nodeName: pod.node,
    targetRef: { kind: 'Pod', name: pod.name, namespace: pod.namespace, uid: uid(`Pod/${pod.namespace}/${pod.name}/${pod.seq}`) },
    ...(nodes.has(pod.node) ? { zone: nodes.get(pod.node)?.zone } : {}),
  };
}

function sliceObjects(model: ClusterModel, svc: ServiceModel, nodes: Map<string, NodeModel>): EndpointSlice[] {
  const ref = `${svc.namespace}/${svc.name}`;
  const o = svc.options;
  if (o.manualEndpoints) {
    // The API server's own reconciler writes default/kubernetes: no managed-by label, ready only.
    const metadata = meta(model, 'EndpointSlice', svc.seq, svc.name, svc.namespace, {
      labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true', 'kubernetes.io/service-name': svc.name },
    });
    const ports: EndpointPort[] = o.ports.map((p) => ({ name: p.name ?? '', port: containerPortOf(p), protocol: p.protocol ?? 'TCP' }));
    const endpoints: Endpoint[] = o.manualEndpoints.map((e) => ({ addresses: [e.ip], conditions: { ready: true } }));
    return [{ addressType: 'IPv4', apiVersion: 'discovery.k8s.io/v1', endpoints, kind: 'EndpointSlice', metadata, ports }];
  }
  const ports: EndpointPort[] = o.ports.map((p) => ({ name: p.name ?? '', port: containerPortOf(p), protocol: p.protocol ?? 'TCP' }));
  const pods = podOwnerOf(model, svc).pods;
  const chunks: PodModel[][] = [];
  for (let i = 0; i < pods.length; i += MAX_ENDPOINTS_PER_SLICE) chunks.push(pods.slice(i, i + MAX_ENDPOINTS_PER_SLICE));
  if (chunks.length === 0) chunks.push([]);
  return chunks.map((chunk, i) => {
    const metadata = meta(model, 'EndpointSlice', svc.seq, `${svc.name}-${nameSuffix(`${ref}#slice${i}`)}`, svc.namespace, {
      generateName: `${svc.name}-`,
      labels: {
        'endpointslice.kubernetes.io/managed-by': CONTROLLER,
        'kubernetes.io/service-name': svc.name,
        ...(svc.options.headless ? { 'service.kubernetes.io/headless': '' } : {}),
      },
      ownerReferences: [{ kind: 'Service', name: svc.name, uid: uid(`Service/${svc.namespace}/${svc.name}/${svc.seq}`) }],
    });
    // An empty placeholder slice has null endpoints and null ports, as the controller writes it.
    const endpoints = chunk.length ? chunk.map((p) => endpointOf(model, svc, p, nodes)) : null;
    return {
      addressType: 'IPv4',
      apiVersion: 'discovery.k8s.io/v1',
      endpoints,
      kind: 'EndpointSlice',
      metadata,
      ports: chunk.length ? ports : null,
    } satisfies EndpointSlice;
  });
}

function podObject(model: ClusterModel, owner: ServiceModel, pod: PodModel, nodes: Map<string, NodeModel>): Pod {
  const workload = owner.options.workload ?? 'Deployment';
  const labels: Record<string, string> =
    workload === 'StatefulSet'
      ? { app: owner.name, 'apps.kubernetes.io/pod-index': pod.name.slice(owner.name.length + 1), 'statefulset.kubernetes.io/pod-name': pod.name }
      : workload === 'DaemonSet'
        ? { app: owner.name, 'controller-revision-hash': templateHash(owner.name).slice(0, 8) }
        : { app: owner.name, 'pod-template-hash': replicaSetName(owner).slice(owner.name.length + 1) };
  const ownerName = workload === 'Deployment' ? replicaSetName(owner) : owner.name;
  const ownerKind = workload === 'Deployment' ? 'ReplicaSet' : workload;
  const since = timestamp(model.options.createdAt, pod.seq);
  const metadata = meta(model, 'Pod', pod.seq, pod.name, pod.namespace, {
    ...(workload === 'StatefulSet' ? {} : { generateName: pod.name.slice(0, pod.name.lastIndexOf('-') + 1) }),
    labels,
    ownerReferences: [{ kind: ownerKind, name: ownerName, uid: uid(`${owner.namespace}/${ownerName}`) }],
    ...(pod.terminating ? { deletionGracePeriodSeconds: 30, deletionTimestamp: timestamp(model.options.createdAt, pod.seq + 600) } : {}),
  });
  if (model.options.podDetail === 'lean') {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { labels, name: pod.name, namespace: pod.namespace, uid: metadata.uid, ...(pod.terminating ? { deletionTimestamp: metadata.deletionTimestamp } : {}) },
      spec: { nodeName: pod.node },
      status: { conditions: [{ status: pod.ready ? 'True' : 'False', type: 'Ready' }], phase: 'Running', podIP: pod.ip, podIPs: [{ ip: pod.ip }] },
    };
  }
  const cond = (type: string, ok: boolean) => ({ lastTransitionTime: since, status: ok ? ('True' as const) : ('False' as const), type });
  const hostIP = nodes.get(pod.node)?.ip ?? '';
  const containerPorts = owner.options.ports.map((p) => ({
    containerPort: containerPortOf(p),
    ...(typeof p.targetPort === 'string' ? { name: p.targetPort } : {}),
    protocol: p.protocol ?? 'TCP',
  }));
  const spec = {
    containers: [{ image: owner.options.image ?? `registry.example.com/${owner.namespace}/${owner.name}:1.4.2`, name: owner.name, ports: containerPorts }],
    nodeName: pod.node,
    restartPolicy: 'Always',
    serviceAccountName: 'default',
  };
  const status = {
    conditions: [
      cond('PodReadyToStartContainers', true),
      cond('Initialized', true),
      cond('Ready', pod.ready),
      cond('ContainersReady', pod.ready),
      cond('PodScheduled', true),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    phase: 'Running',
    podIP: pod.ip,
    podIPs: [{ ip: pod.ip }],
    qosClass: 'BestEffort',
    startTime: since,
  };
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec, status };
}

function nodeObject(model: ClusterModel, node: NodeModel): KubeNode {
  const labels: Record<string, string> = {
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    ...(node.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
    'topology.kubernetes.io/region': node.region,
    'topology.kubernetes.io/zone': node.zone,
  };
  const metadata = meta(model, 'Node', node.index, node.name, undefined, { labels });
  const status = {
    addresses: [
      { address: node.ip, type: 'InternalIP' },
      { address: node.name, type: 'Hostname' },
    ],
    conditions: [{ lastTransitionTime: metadata.creationTimestamp, status: 'True', type: 'Ready', reason: 'KubeletReady' }],
    nodeInfo: {
      architecture: 'amd64',
      containerRuntimeVersion: 'containerd://2.1.4',
      kernelVersion: '6.8.0-1031-aws',
      kubeProxyVersion: model.options.kubeVersion,
      kubeletVersion: model.options.kubeVersion,
      operatingSystem: 'linux',
      osImage: 'Ubuntu 24.04.3 LTS',
    },
  };
  return { apiVersion: 'v1', kind: 'Node', metadata, spec: { podCIDR: node.podCIDR, podCIDRs: [node.podCIDR] }, status };
}

export function buildClusterState(model: ClusterModel): ClusterState {
  const nodes = new Map(model.nodes.map((n) => [n.name, n]));
  const services = model.services.map((s) => serviceObject(model, s));
  const endpointSlices = model.services.flatMap((s) => sliceObjects(model, s, nodes));
  const pods = model.services.flatMap((s) => s.pods.map((p) => podObject(model, s, p, nodes)));
  return {
    services: sortByRef(services),
    endpointSlices: sortByRef(endpointSlices),
    pods: sortByRef(pods),
    nodes: sortByRef(model.nodes.map((n) => nodeObject(model, n))),
  };
}
