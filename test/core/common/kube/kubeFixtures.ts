import type { Endpoint, EndpointSlice, KubeNode, Pod, Service, ServicePort } from '../../../../core/common/model';

// Small local builders for the kube/ tests (the shared scenario builder lives in test/helpers).

export function svc(ns: string, name: string, spec: Partial<Service['spec']> = {}, extra: Partial<Service> = {}): Service {
  const ports: ServicePort[] = spec.ports ?? [{ name: 'http', port: 80, protocol: 'TCP' }];
  return {
    kind: 'Service',
    metadata: { name, namespace: ns, ...(extra.metadata ?? {}) },
    spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ...spec, ports },
    status: extra.status,
  };
}

export function ep(ip: string, opts: Partial<Endpoint> & { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null } = {}): Endpoint {
  const { ready, serving, terminating, ...rest } = opts;
  const e: Endpoint = { addresses: [ip], ...rest };
  if (ready !== undefined || serving !== undefined || terminating !== undefined) e.conditions = { ready, serving, terminating };
  return e;
}

export function slice(
  ns: string,
  service: string,
  name: string,
  endpoints: Endpoint[],
  opts: { addressType?: EndpointSlice['addressType']; ports?: EndpointSlice['ports']; labels?: Record<string, string> } = {},
): EndpointSlice {
  return {
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': service, ...(opts.labels ?? {}) } },
    addressType: opts.addressType ?? 'IPv4',
    ports: opts.ports ?? [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints,
  };
}

export function node(name: string, zone?: string, addresses: { type: string; address: string }[] = []): KubeNode {
  return {
    kind: 'Node',
    metadata: { name, labels: zone ? { 'topology.kubernetes.io/zone': zone } : {} },
    status: { addresses },
  };
}

export function pod(ns: string, name: string, ips: string[], ready = true, extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    kind: 'Pod',
    metadata: { name, namespace: ns, ...extra },
    spec: { nodeName: 'n1' },
    status: {
      phase: 'Running',
      podIP: ips[0],
      podIPs: ips.map((ip) => ({ ip })),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
}
