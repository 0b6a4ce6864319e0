import type { ExpectedServicePort, FrontendKind } from '../../model';
import type { NodeCheckContext } from '../context';

// Service frontends of a node (both families) as conntrack, ipvsadm and ipset print them, built
// once per node: address -> port -> Service port for ClusterIPs, external IPs and LB IPs, per
// protocol, and NodePort -> Service port per protocol and family (a NodePort matches any local
// address). Nested Maps keyed by the parsed values, so a 100k-entry conntrack dump is looked up
// without building a key string per entry. Only proxied Service ports.

export interface FrontendRef {
  e: ExpectedServicePort;
  kind: FrontendKind;
  family: 4 | 6;
}

export type PortMap = Map<number, FrontendRef>;

export interface ServiceFrontends {
  /** protocol (`tcp`/`udp`/`sctp`) -> lower-case address -> port. */
  byAddress: Map<string, Map<string, PortMap>>;
  /** `udp4`, `tcp6`, ... -> NodePort. */
  byNodePort: Map<string, PortMap>;
  /** Whether any frontend was indexed. */
  empty: boolean;
}

/** The Service port at address:port/protocol (address as printed, IPv6 lower-case). */
export function frontendAt(fe: ServiceFrontends, ip: string, port: number, protocol: string): FrontendRef | undefined {
  return fe.byAddress.get(protocol)?.get(ip)?.get(port) ?? (ip.includes(':') ? fe.byAddress.get(protocol)?.get(ip.toLowerCase())?.get(port) : undefined);
}

export function nodePortAt(fe: ServiceFrontends, port: number, protocol: string, family: 4 | 6): FrontendRef | undefined {
  return fe.byNodePort.get(`${protocol}${family}`)?.get(port);
}

const cache = new WeakMap<readonly NodeCheckContext[], ServiceFrontends>();

export function serviceFrontends(perFamily: readonly NodeCheckContext[]): ServiceFrontends {
  const cached = cache.get(perFamily);
  if (cached) return cached;
  const out: ServiceFrontends = { byAddress: new Map(), byNodePort: new Map(), empty: true };
  for (const ctx of perFamily) {
    const cluster = ctx.cluster;
    if (!cluster) continue;
    const family = ctx.programmed.family;
    for (const e of cluster.expected) {
      if (!e.proxied) continue;
      const port = e.servicePort.port;
      const proto = e.id.protocol;
      let byIp = out.byAddress.get(proto);
      if (!byIp) out.byAddress.set(proto, (byIp = new Map()));
      const add = (ip: string, kind: FrontendKind): void => {
        const key = ip.toLowerCase();
        let ports = byIp.get(key);
        if (!ports) byIp.set(key, (ports = new Map()));
        if (!ports.has(port)) ports.set(port, { e, kind, family });
        out.empty = false;
      };
      if (e.clusterIP) add(e.clusterIP, 'cluster-ip');
      for (const ip of e.externalIPs) add(ip, 'external-ip');
      for (const ip of e.loadBalancerIPs) add(ip, 'load-balancer');
      if (e.nodePort) {
        const k = `${proto}${family}`;
        let ports = out.byNodePort.get(k);
        if (!ports) out.byNodePort.set(k, (ports = new Map()));
        if (!ports.has(e.nodePort)) ports.set(e.nodePort, { e, kind: 'node-port', family });
        out.empty = false;
      }
    }
  }
  cache.set(perFamily, out);
  return out;
}
