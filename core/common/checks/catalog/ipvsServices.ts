import type { IpvsVirtualService } from '../../model';
import type { NodeLevelContext } from '../nodeLevel';
import { formatEndpoint } from '../keys';
import type { FrontendRef } from './serviceFrontends';
import { frontendAt, nodePortAt, serviceFrontends } from './serviceFrontends';

// The IPVS virtual servers of a node joined with the Service ports they serve. kube-proxy creates
// one virtual server per ClusterIP / external IP / LB IP and port, and one per node IP and
// NodePort (pkg/proxy/ipvs/proxier.go syncProxyRules); FWM services are not kube-proxy's.

export interface VsRef {
  vs: IpvsVirtualService;
  /** Address and port as printed, e.g. `10.96.0.10:53`. */
  label: string;
  /** lower-case protocol (`tcp`, `udp`, `sctp`). */
  protocol: string;
  /** The Service port behind it; undefined without cluster.json or for a virtual server of no Service. */
  ref: FrontendRef | undefined;
  /** The address is one of the node's own (a NodePort virtual server). */
  onNodeIp: boolean;
}

/** The node's own addresses: every address of ip-addr.txt not on kube-ipvs0, plus the Node object's. */
export function nodeAddresses(ctx: NodeLevelContext): Set<string> {
  const out = new Set<string>();
  for (const a of ctx.dumps.ipAddr?.dump.addresses ?? []) if (a.ifname !== 'kube-ipvs0') out.add(a.address.toLowerCase());
  for (const ip of ctx.index?.nodeAddresses.get(ctx.node) ?? []) out.add(ip.toLowerCase());
  return out;
}

const cache = new WeakMap<NodeLevelContext, VsRef[]>();

export function virtualServers(ctx: NodeLevelContext): VsRef[] {
  const cached = cache.get(ctx);
  if (cached) return cached;
  const out: VsRef[] = [];
  const ipvs = ctx.dumps.ipvs?.dump;
  if (ipvs) {
    const fe = serviceFrontends(ctx.perFamily);
    const own = nodeAddresses(ctx);
    for (const vs of ipvs.services) {
      const a = vs.address;
      if (!a || vs.protocol === 'FWM') continue;
      const protocol = vs.protocol.toLowerCase();
      const onNodeIp = own.has(a.ip.toLowerCase());
      // Not a Service address but a NodePort's port: a NodePort virtual server on some node IP.
      const ref = frontendAt(fe, a.ip, a.port, protocol) ?? nodePortAt(fe, a.port, protocol, a.family);
      out.push({ vs, label: formatEndpoint(a.ip, a.port), protocol, ref, onNodeIp: onNodeIp || ref?.kind === 'node-port' });
    }
  }
  cache.set(ctx, out);
  return out;
}
