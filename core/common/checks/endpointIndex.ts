import type { ExpectedEndpoint, ExpectedServicePort, ProgrammedPath, ProgrammedServicePort } from '../model';

// Lookups are keyed by IP (strings the models already hold), then by port, so checking 50k
// backends allocates nothing on the healthy path.

export interface EndpointIndex {
  /** Every endpoint of the Service port in its slices, by IP (one IP may sit in two slices). */
  all: Map<string, ExpectedEndpoint[]>;
  /** Ports selected per IP for the cluster / local path of this node. */
  cluster: Map<string, number[]>;
  local: Map<string, number[]>;
  clusterCount: number;
  localCount: number;
}

// Expected Service ports that cannot depend on the node are one shared (read-only) object for
// every node (kube/expectedServicePorts.ts), so the index is cached per object across nodes.
const endpointIndexCache = new WeakMap<ExpectedServicePort, EndpointIndex>();

function portsByIp(eps: ExpectedEndpoint[]): { map: Map<string, number[]>; count: number } {
  const map = new Map<string, number[]>();
  let count = 0;
  for (const ep of eps) {
    const ports = map.get(ep.ip);
    if (!ports) map.set(ep.ip, [ep.port]);
    else if (!ports.includes(ep.port)) ports.push(ep.port);
    else continue;
    count++;
  }
  return { map, count };
}

export function endpointIndex(e: ExpectedServicePort): EndpointIndex {
  let idx = endpointIndexCache.get(e);
  if (idx) return idx;
  const all = new Map<string, ExpectedEndpoint[]>();
  for (const ep of e.allEndpoints) {
    const list = all.get(ep.ip);
    if (list) list.push(ep);
    else all.set(ep.ip, [ep]);
  }
  const cluster = portsByIp(e.clusterEndpoints);
  const local = portsByIp(e.localEndpoints);
  idx = { all, cluster: cluster.map, local: local.map, clusterCount: cluster.count, localCount: local.count };
  endpointIndexCache.set(e, idx);
  return idx;
}

/** The endpoint(s) of the Service at ip:port; a serving one first when two slices list it. */
export function endpointAt(idx: EndpointIndex, ip: string, port: number): ExpectedEndpoint | undefined {
  const list = idx.all.get(ip);
  if (!list) return undefined;
  let found: ExpectedEndpoint | undefined;
  for (const ep of list) {
    if (ep.port !== port) continue;
    if (ep.serving) return ep;
    found ??= ep;
  }
  return found;
}

export function hasPort(map: Map<string, number[]>, ip: string, port: number): boolean {
  const ports = map.get(ip);
  return ports !== undefined && ports.includes(port);
}

const pathIndexCache = new WeakMap<ProgrammedPath, Map<string, number[]>>();

/** Whether a programmed path reaches ip:port (linear for small paths, an indexed Map for big ones). */
export function pathReaches(path: ProgrammedPath, ip: string, port: number): boolean {
  const backends = path.backends;
  if (backends.length <= 32) {
    for (const b of backends) if (b.ip === ip && b.port === port) return true;
    return false;
  }
  let idx = pathIndexCache.get(path);
  if (!idx) {
    idx = new Map();
    for (const b of backends) {
      const ports = idx.get(b.ip);
      if (ports) ports.push(b.port);
      else idx.set(b.ip, [b.port]);
    }
    pathIndexCache.set(path, idx);
  }
  return hasPort(idx, ip, port);
}

/** The cluster or local paths of the given programmed Service ports. */
export function pathsOf(sps: ProgrammedServicePort[], policy: 'cluster' | 'local'): ProgrammedPath[] {
  const out: ProgrammedPath[] = [];
  for (const sp of sps) {
    const p = policy === 'cluster' ? sp.clusterPath : sp.localPath;
    if (p) out.push(p);
  }
  return out;
}

