import type { ClusterState } from '../../../core/common/model';
import type {
  ClusterModel,
  ClusterOptions,
  NodeOptions,
  PodModel,
  ServiceModel,
  ServiceOptions,
} from './clusterModel';
import { DEFAULT_CLUSTER_OPTIONS, cloneModel, splitRef } from './clusterModel';
import { intToIp, ipToInt, parseCidr, subnet } from './ids';
import { buildClusterState } from './kubeObjects';
import { podName } from './podNames';

export type { ClusterOptions, NodeOptions, PortOptions, ServiceOptions, Workload } from './clusterModel';
export { toClusterJson } from './clusterJson';

// A small fluent builder for realistic test clusters. Every mutation keeps the objects
// consistent the way the controllers would (EndpointSlices follow pods, IPs are never reused),
// so "before" and "after" states of one story can be built from one builder with clone():
//
//   const b = clusterBuilder().node('n1').node('n2')
//     .service('shop/web', { ports: [{ name: 'http', port: 80, targetPort: 8080 }] })
//     .pods('shop/web', 3);
//   const before = b.build();
//   const after = b.clone().scale('shop/web', 2).build();

export interface PodInfo {
  name: string;
  ip: string;
  node: string;
  ready: boolean;
  terminating: boolean;
}

export interface ClusterBuilder {
  readonly clusterCIDR: string;
  node(name: string, opts?: NodeOptions): ClusterBuilder;
  service(ref: string, opts: ServiceOptions): ClusterBuilder;
  /** Adds `count` pods spread round-robin over `nodes` (default: every node). */
  pods(ref: string, count: number, opts?: { nodes?: string[]; ready?: boolean }): ClusterBuilder;
  pod(ref: string, opts: { node: string; ready?: boolean; terminating?: boolean }): ClusterBuilder;
  podsOf(ref: string): PodInfo[];
  setPod(name: string, patch: { ready?: boolean; terminating?: boolean }): ClusterBuilder;
  removePod(name: string): ClusterBuilder;
  /** Removes the newest pods (like a ReplicaSet scale-down) or adds pods round-robin. */
  scale(ref: string, count: number): ClusterBuilder;
  removeService(ref: string): ClusterBuilder;
  clone(): ClusterBuilder;
  build(): ClusterState;
}

export function clusterBuilder(opts: ClusterOptions = {}): ClusterBuilder {
  const options = { ...DEFAULT_CLUSTER_OPTIONS, ...opts };
  const svcCidr = parseCidr(options.serviceCIDR);
  return wrap({
    options,
    nodes: [],
    services: [],
    // .1 is the kubernetes Service and .10 kube-dns by convention; auto-allocation starts above.
    nextServiceOffset: svcCidr.bits <= 24 ? 100 : 20,
    nextNodePort: 30000,
    nextSeq: 0,
  });
}

function wrap(model: ClusterModel): ClusterBuilder {
  const serviceIndex = new Map<string, ServiceModel>();
  for (const s of model.services) serviceIndex.set(`${s.namespace}/${s.name}`, s);

  const findService = (ref: string): ServiceModel => {
    const svc = serviceIndex.get(ref);
    if (!svc) throw new Error(`no Service ${ref} in the builder`);
    return svc;
  };
  const podOwner = (ref: string): ServiceModel => {
    const svc = findService(ref);
    return svc.options.podsFrom ? findService(svc.options.podsFrom) : svc;
  };
  const findPod = (name: string): { svc: ServiceModel; index: number } => {
    for (const svc of model.services) {
      const index = svc.pods.findIndex((p) => p.name === name);
      if (index >= 0) return { svc, index };
    }
    throw new Error(`no pod ${name} in the builder`);
  };
  const addPod = (svc: ServiceModel, nodeName: string, ready: boolean, terminating: boolean): void => {
    const node = model.nodes.find((n) => n.name === nodeName);
    if (!node) throw new Error(`no node ${nodeName} in the builder`);
    const cidr = parseCidr(node.podCIDR);
    if (node.nextPodOffset >= 2 ** (32 - cidr.bits) - 1) throw new Error(`podCIDR ${node.podCIDR} of ${nodeName} is full`);
    const pod: PodModel = {
      name: podName(svc, svc.podCounter),
      namespace: svc.namespace,
      owner: `${svc.namespace}/${svc.name}`,
      ip: intToIp(cidr.base + node.nextPodOffset),
      node: nodeName,
      ready,
      terminating,
      seq: model.nextSeq++,
    };
    node.nextPodOffset++;
    svc.podCounter++;
    svc.pods.push(pod);
  };
  const spread = (svc: ServiceModel, count: number, nodes: string[], ready: boolean): void => {
    if (nodes.length === 0) throw new Error('add nodes before pods');
    for (let i = 0; i < count; i++) {
      addPod(svc, nodes[(svc.seq + svc.podCounter) % nodes.length], ready, false);
    }
  };

  const builder: ClusterBuilder = {
    clusterCIDR: model.options.clusterCIDR,
    node(name, opts = {}) {
      const index = model.nodes.length;
      const podCIDR = subnet(parseCidr(model.options.clusterCIDR), model.options.nodeCIDRMaskSize, index);
      const zones = ['a', 'b', 'c'];
      const region = opts.region ?? 'eu-west-1';
      model.nodes.push({
        name,
        index,
        zone: opts.zone ?? `${region}${zones[index % zones.length]}`,
        region,
        ip: opts.ip ?? intToIp(parseCidr(model.options.nodeNetwork).base + 2 + index),
        podCIDR: podCIDR.text,
        nextPodOffset: 2,
        controlPlane: opts.controlPlane ?? false,
      });
      return builder;
    },
    service(ref, opts) {
      const { namespace, name } = splitRef(ref);
      if (serviceIndex.has(ref)) throw new Error(`Service ${ref} already exists`);
      if (opts.ports.length > 1 && opts.ports.some((p) => !p.name)) throw new Error(`${ref}: every port of a multi-port Service needs a name`);
      const type = opts.type ?? 'ClusterIP';
      let clusterIP: string | null = null;
      if (!opts.headless) {
        clusterIP = opts.clusterIP ?? intToIp(parseCidr(model.options.serviceCIDR).base + model.nextServiceOffset++);
      }
      const external = type === 'NodePort' || type === 'LoadBalancer';
      const nodePorts = opts.ports.map((p) => (external ? (p.nodePort ?? model.nextNodePort++) : 0));
      const healthCheckNodePort = type === 'LoadBalancer' && opts.externalTrafficPolicy === 'Local' ? model.nextNodePort++ : 0;
      const svc: ServiceModel = { namespace, name, options: structuredClone(opts), clusterIP, nodePorts, healthCheckNodePort, pods: [], podCounter: 0, seq: model.nextSeq++ };
      model.services.push(svc);
      serviceIndex.set(ref, svc);
      return builder;
    },
    pods(ref, count, opts = {}) {
      spread(podOwner(ref), count, opts.nodes ?? model.nodes.map((n) => n.name), opts.ready ?? true);
      return builder;
    },
    pod(ref, opts) {
      addPod(podOwner(ref), opts.node, opts.ready ?? true, opts.terminating ?? false);
      return builder;
    },
    podsOf(ref) {
      return podOwner(ref).pods.map(({ name, ip, node, ready, terminating }) => ({ name, ip, node, ready, terminating }));
    },
    setPod(name, patch) {
      const { svc, index } = findPod(name);
      Object.assign(svc.pods[index], patch);
      return builder;
    },
    removePod(name) {
      const { svc, index } = findPod(name);
      svc.pods.splice(index, 1);
      return builder;
    },
    scale(ref, count) {
      const svc = podOwner(ref);
      if (count < svc.pods.length) svc.pods.splice(count);
      else spread(svc, count - svc.pods.length, model.nodes.map((n) => n.name), true);
      return builder;
    },
    removeService(ref) {
      const svc = findService(ref);
      model.services.splice(model.services.indexOf(svc), 1);
      serviceIndex.delete(ref);
      return builder;
    },
    clone() {
      return wrap(cloneModel(model));
    },
    build() {
      return buildClusterState(model);
    },
  };
  return builder;
}

/** InternalIP of a node in a built state (what kube-proxy uses as its node IP). */
export function nodeIpOf(state: ClusterState, nodeName: string): string | undefined {
  const node = state.nodes.find((n) => n.metadata.name === nodeName);
  return node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

/** True when `ip` parses as dotted IPv4. */
export function isIPv4(ip: string): boolean {
  try {
    ipToInt(ip);
    return true;
  } catch {
    return false;
  }
}
