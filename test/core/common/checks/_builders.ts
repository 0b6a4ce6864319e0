// Hand-built inputs for the check unit tests: a small, consistent "healthy" world (Services,
// EndpointSlices, Pods, what kube-proxy should program and what it did program) that each test
// then breaks in one place. Expected endpoint sets follow pkg/proxy/topology.go closely enough
// for these cases (no topology); the real computation lives in core/common/kube.
import type {
  ClusterIndex,
  EndpointSlice,
  Evidence,
  ExpectedEndpoint,
  ExpectedServicePort,
  LbStep,
  Pod,
  ProgrammedBackend,
  ProgrammedFrontend,
  ProgrammedMarker,
  ProgrammedNode,
  ProgrammedPath,
  ProgrammedServicePort,
  Service,
  ServicePortId,
} from '../../../../core/common/model';
import { buildNodeCheckContext } from '../../../../core/common/checks/context';
import type { NodeCheckContext } from '../../../../core/common/checks/context';

export const NODE = 'n1';
export const FILE = `nodes/${NODE}/iptables-save.txt`;

let line = 0;
export function ev(raw: string): Evidence {
  line += 1;
  return { node: NODE, file: FILE, line, raw };
}

export interface EpSpec {
  ip: string;
  port?: number;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  pod?: string | null;
}

export interface SvcSpec {
  ns?: string;
  name: string;
  portName?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: 'TCP' | 'UDP';
  clusterIP: string;
  nodePort?: number;
  externalIPs?: string[];
  lbIPs?: { ip: string; ipMode?: 'VIP' | 'Proxy' }[];
  itpLocal?: boolean;
  etpLocal?: boolean;
  selector?: Record<string, string> | null;
  endpoints: EpSpec[];
  /** Not proxied by design. */
  notProxied?: ExpectedServicePort['notProxiedReason'];
}

export interface World {
  services: Service[];
  slices: EndpointSlice[];
  pods: Pod[];
  expected: ExpectedServicePort[];
  programmed: ProgrammedNode;
}

export function idOf(s: SvcSpec): ServicePortId {
  return { namespace: s.ns ?? 'default', name: s.name, portName: s.portName ?? 'http', protocol: (s.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' };
}

function podName(s: SvcSpec, e: EpSpec, i: number): string | undefined {
  if (e.pod === null) return undefined;
  return e.pod ?? `${s.name}-${i}`;
}

export function serviceOf(s: SvcSpec): Service {
  const ns = s.ns ?? 'default';
  const svc: Service = {
    kind: 'Service',
    metadata: { name: s.name, namespace: ns, labels: s.notProxied === 'service-proxy-name' ? { 'service.kubernetes.io/service-proxy-name': 'other' } : {} },
    spec: {
      type: s.nodePort || s.lbIPs ? (s.lbIPs ? 'LoadBalancer' : 'NodePort') : 'ClusterIP',
      clusterIP: s.notProxied === 'headless' ? 'None' : s.clusterIP,
      ports: [{ name: s.portName ?? 'http', port: s.port ?? 80, protocol: s.protocol ?? 'TCP', targetPort: s.targetPort ?? 8080, ...(s.nodePort ? { nodePort: s.nodePort } : {}) }],
      ...(s.selector === null ? {} : { selector: s.selector ?? { app: s.name } }),
      ...(s.externalIPs ? { externalIPs: s.externalIPs } : {}),
      ...(s.itpLocal ? { internalTrafficPolicy: 'Local' as const } : {}),
      ...(s.etpLocal ? { externalTrafficPolicy: 'Local' as const } : {}),
    },
  };
  if (s.lbIPs) svc.status = { loadBalancer: { ingress: s.lbIPs } };
  return svc;
}

function expectedEp(s: SvcSpec, e: EpSpec, i: number): ExpectedEndpoint {
  const pod = podName(s, e, i);
  return {
    ip: e.ip,
    port: e.port ?? (typeof s.targetPort === 'number' ? s.targetPort : 8080),
    ready: e.ready ?? true,
    serving: e.serving ?? e.ready ?? true,
    terminating: e.terminating ?? false,
    ...(e.node ? { nodeName: e.node } : {}),
    ...(pod ? { pod: `${s.ns ?? 'default'}/${pod}` } : {}),
    slice: `${s.name}-abcde`,
  };
}

/** kube-proxy's selection without topology: ready, else serving+terminating; Local = on this node. */
function select(eps: ExpectedEndpoint[]): { set: ExpectedEndpoint[]; fallback: boolean } {
  const ready = eps.filter((e) => e.ready);
  if (ready.length > 0) return { set: ready, fallback: false };
  const term = eps.filter((e) => e.serving && e.terminating);
  return { set: term, fallback: term.length > 0 };
}

export function expectedOf(s: SvcSpec, node = NODE): ExpectedServicePort {
  const all = s.endpoints.map((e, i) => expectedEp(s, e, i));
  const hasExternal = !!(s.nodePort || s.externalIPs?.length || s.lbIPs?.length);
  const usesCluster = !s.itpLocal || (hasExternal && !s.etpLocal);
  const usesLocal = !!s.itpLocal || (hasExternal && !!s.etpLocal);
  const cluster = usesCluster ? select(all) : { set: [], fallback: false };
  const local = usesLocal ? select(all.filter((e) => e.nodeName === node)) : { set: [], fallback: false };
  const proxied = !s.notProxied;
  const svc = serviceOf(s);
  return {
    id: idOf(s),
    service: svc,
    servicePort: svc.spec.ports![0],
    proxied,
    ...(s.notProxied ? { notProxiedReason: s.notProxied } : {}),
    clusterIP: proxied ? s.clusterIP : undefined,
    externalIPs: s.externalIPs ?? [],
    loadBalancerIPs: (s.lbIPs ?? []).filter((l) => l.ipMode !== 'Proxy').map((l) => l.ip),
    nodePort: s.nodePort,
    internalPolicyLocal: !!s.itpLocal,
    externalPolicyLocal: !!s.etpLocal,
    hasExternal,
    sourceRanges: [],
    allEndpoints: all,
    clusterEndpoints: proxied ? cluster.set : [],
    localEndpoints: proxied ? local.set : [],
    clusterUsesTerminatingFallback: cluster.fallback,
    localUsesTerminatingFallback: local.fallback,
    topology: 'none',
  };
}

export function backend(ip: string, port: number, chain = `KUBE-SEP-${ip.replace(/\W/g, '')}`): ProgrammedBackend {
  return { ip, port, chain, evidence: [ev(`-A KUBE-SVC-X -j ${chain}`), ev(`-A ${chain} -p tcp -j DNAT --to-destination ${ip}:${port}`)] };
}

/** Steps written the way kube-proxy writes them: 1/(n-i), last unconditional. */
export function pathOf(policy: 'cluster' | 'local', chain: string, backends: ProgrammedBackend[]): ProgrammedPath {
  const n = backends.length;
  const steps: LbStep[] = backends.map((b, i) => ({
    target: b.chain ?? '',
    ...(i < n - 1 ? { probability: Number((1 / (n - i)).toFixed(10)) } : {}),
    evidence: b.evidence[0],
  }));
  return { policy, chain, backends, steps, evidence: [ev(`-A ${chain} ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ`)] };
}

export function frontendsOf(e: ExpectedServicePort, target: string): ProgrammedFrontend[] {
  const port = e.servicePort.port;
  const out: ProgrammedFrontend[] = [];
  const fe = (kind: ProgrammedFrontend['kind'], ip: string | undefined, p: number): ProgrammedFrontend => ({
    kind,
    ...(ip ? { ip } : {}),
    port: p,
    protocol: e.id.protocol,
    path: 'cluster',
    target,
    evidence: ev(`-A KUBE-SERVICES -d ${ip ?? '0/0'} --dport ${p} -j ${target}`),
  });
  if (e.clusterIP) out.push(fe('cluster-ip', e.clusterIP, port));
  for (const ip of e.externalIPs) out.push(fe('external-ip', ip, port));
  for (const ip of e.loadBalancerIPs) out.push(fe('load-balancer', ip, port));
  if (e.nodePort) out.push(fe('node-port', undefined, e.nodePort));
  return out;
}

/** What a healthy kube-proxy programs for one expected Service port (undefined when nothing). */
export function programmedOf(e: ExpectedServicePort): ProgrammedServicePort | undefined {
  if (!e.proxied) return undefined;
  const svc = `KUBE-SVC-${e.id.name.toUpperCase()}`;
  const svl = `KUBE-SVL-${e.id.name.toUpperCase()}`;
  const sp: ProgrammedServicePort = { id: e.id, idSource: 'hash', label: `${e.id.namespace}/${e.id.name}:${e.id.portName}`, frontends: [], markers: [], chains: [] };
  const hasAny = e.clusterEndpoints.length + e.localEndpoints.length > 0;
  if (!hasAny) {
    for (const f of frontendsOf(e, 'REJECT')) sp.markers.push(marker('reject', 'no-endpoints', f));
    return sp;
  }
  sp.frontends = frontendsOf(e, e.internalPolicyLocal ? svl : svc);
  if (e.clusterEndpoints.length > 0) {
    sp.clusterPath = pathOf('cluster', svc, e.clusterEndpoints.map((x) => backend(x.ip, x.port)));
    sp.chains.push(svc);
  }
  if (e.localEndpoints.length > 0) {
    sp.localPath = pathOf('local', svl, e.localEndpoints.map((x) => backend(x.ip, x.port)));
    sp.chains.push(svl);
  }
  if (e.internalPolicyLocal && e.localEndpoints.length === 0) {
    sp.frontends = sp.frontends.filter((f) => f.kind !== 'cluster-ip');
    sp.markers.push(marker('drop', 'no-local-endpoints', frontendsOf(e, 'DROP')[0]));
  }
  return sp;
}

export function marker(kind: 'reject' | 'drop', reason: ProgrammedMarker['reason'], f?: ProgrammedFrontend): ProgrammedMarker {
  return {
    kind,
    reason,
    ...(f ? { frontend: { kind: f.kind, ...(f.ip ? { ip: f.ip } : {}), port: f.port, protocol: f.protocol } } : {}),
    evidence: ev(`-A KUBE-SERVICES -m comment --comment "${reason}" -d ${f?.ip ?? ''} -j ${kind.toUpperCase()}`),
  };
}

export function podOf(ns: string, name: string, ip: string, opts: { ready?: boolean; labels?: Record<string, string>; node?: string; deleting?: boolean } = {}): Pod {
  return {
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: opts.labels ?? {}, ...(opts.deleting ? { deletionTimestamp: '2024-05-01T10:00:00Z' } : {}) },
    spec: { nodeName: opts.node ?? NODE, containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

export function sliceOf(s: SvcSpec): EndpointSlice {
  return {
    kind: 'EndpointSlice',
    metadata: { name: `${s.name}-abcde`, namespace: s.ns ?? 'default', labels: { 'kubernetes.io/service-name': s.name } },
    addressType: 'IPv4',
    ports: [{ name: s.portName ?? 'http', port: typeof s.targetPort === 'number' ? s.targetPort : 8080, protocol: s.protocol ?? 'TCP' }],
    endpoints: s.endpoints.map((e, i) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      ...(e.node ? { nodeName: e.node } : {}),
      ...(podName(s, e, i) ? { targetRef: { kind: 'Pod', name: podName(s, e, i), namespace: s.ns ?? 'default' } } : {}),
    })),
  };
}

/** A consistent healthy world for the given Services (pods for every endpoint with a pod name). */
export function world(specs: SvcSpec[], node = NODE): World {
  const expected = specs.map((s) => expectedOf(s, node));
  const services = specs.map(serviceOf);
  const slices = specs.filter((s) => s.endpoints.length > 0).map(sliceOf);
  const pods: Pod[] = [];
  for (const s of specs) {
    s.endpoints.forEach((e, i) => {
      const name = podName(s, e, i);
      if (name) pods.push(podOf(s.ns ?? 'default', name, e.ip, { ready: e.serving ?? e.ready ?? true, labels: s.selector === null ? {} : (s.selector ?? { app: s.name }), node: e.node ?? 'n9', deleting: e.terminating }));
    });
  }
  const servicePorts = expected.map(programmedOf).filter((x): x is ProgrammedServicePort => x !== undefined);
  return { services, slices, pods, expected, programmed: nodeOf(servicePorts, node) };
}

export function nodeOf(servicePorts: ProgrammedServicePort[], node = NODE): ProgrammedNode {
  return { node, mode: 'iptables', family: 4, servicePorts, nameMismatches: [], facts: { unmappedChains: [], endpointCommentsPresent: true, file: FILE } };
}

export function indexOf(w: Pick<World, 'services' | 'slices' | 'pods'>): ClusterIndex {
  const services = new Map(w.services.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const sl of w.slices) {
    const k = `${sl.metadata.namespace}/${sl.metadata.labels!['kubernetes.io/service-name']}`;
    slicesByService.set(k, [...(slicesByService.get(k) ?? []), sl]);
  }
  const podsByIp = new Map<string, Pod[]>();
  const podsByName = new Map<string, Pod>();
  for (const p of w.pods) {
    podsByName.set(`${p.metadata.namespace}/${p.metadata.name}`, p);
    const ip = p.status!.podIP!;
    podsByIp.set(ip, [...(podsByIp.get(ip) ?? []), p]);
  }
  return { services, slicesByService, podsByIp, podsByName, nodeNames: new Set([NODE]), nodeZones: new Map(), nodeAddresses: new Map() };
}

export function ctxOf(w: World, withCluster = true): NodeCheckContext {
  return buildNodeCheckContext(w.programmed, withCluster ? { index: indexOf(w), expected: w.expected } : null);
}

/** The programmed Service port of a Service name (first). */
export function spOf(w: World, name: string): ProgrammedServicePort {
  const sp = w.programmed.servicePorts.find((x) => x.id?.name === name);
  if (!sp) throw new Error(`no programmed ${name}`);
  return sp;
}

export const WEB: SvcSpec = {
  ns: 'shop',
  name: 'web',
  clusterIP: '10.96.0.10',
  endpoints: [
    { ip: '10.244.1.5', node: 'n1' },
    { ip: '10.244.2.6', node: 'n2' },
    { ip: '10.244.3.7', node: 'n3' },
  ],
};
