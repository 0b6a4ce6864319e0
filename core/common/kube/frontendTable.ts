import type { FrontendKind, L4Protocol, Service, ServicePort, ServicePortId } from '../model';
import { namespaceOf } from './clusterIndex';
import { clusterIPByFamily, familyIPs, l4Protocol, loadBalancerVIPs } from './serviceFamilyView';

// Walks Service ports the way every name table needs them, and builds the frontend lookup
// (`cluster-ip|10.0.0.1|tcp|80`, `node-port|*|tcp|30001` -> Service port) that the iptables,
// nftables and IPVS decoders share, so all modes agree on what an address:port belongs to.

/**
 * Key of a frontend: `cluster-ip|10.0.0.1|tcp|80`, `node-port|*|tcp|30001`. A `/32` or `/128`
 * suffix (as iptables-save prints destinations) is dropped; IPv6 is lower-cased.
 */
export function frontendKey(kind: FrontendKind, ip: string | undefined, proto: L4Protocol, port: number): string {
  let addr = ip ?? '*';
  const slash = addr.indexOf('/');
  if (slash !== -1) addr = addr.slice(0, slash);
  if (addr.includes(':')) addr = addr.toLowerCase();
  return `${kind}|${addr === '' ? '*' : addr}|${proto}|${port}`;
}

/**
 * Calls `visit` for every port of every Service, LAST Service first: with plain Map#set the first
 * Service then wins a duplicate key (e.g. one external IP:port claimed by two Services) and each
 * key is computed once. `clusterIP` is the Service's ClusterIP of `family`, undefined when it has
 * none: kube-proxy programs a family only for Services with a ClusterIP of that family.
 */
export function eachServicePort(
  services: Service[],
  family: 4 | 6,
  visit: (id: ServicePortId, port: ServicePort, service: Service, clusterIP: string | undefined) => void,
): void {
  for (let s = services.length - 1; s >= 0; s--) {
    const service = services[s];
    if (!service || !service.metadata || !service.spec) continue;
    const ports = service.spec.ports;
    if (!ports || ports.length === 0) continue;
    const clusterIP = clusterIPByFamily(service, family);
    const namespace = namespaceOf(service.metadata);
    const name = service.metadata.name;
    for (const port of ports) {
      if (!port) continue;
      visit({ namespace, name, portName: port.name ?? '', protocol: l4Protocol(port.protocol) }, port, service, clusterIP);
    }
  }
}

/** Adds the frontends of one Service port (ClusterIP, external IPs, LB IPs, NodePort) to `table`. */
export function addFrontends(table: Map<string, ServicePortId>, id: ServicePortId, port: ServicePort, service: Service, clusterIP: string | undefined, family: 4 | 6): void {
  if (clusterIP === undefined || typeof port.port !== 'number') return;
  table.set(frontendKey('cluster-ip', clusterIP, id.protocol, port.port), id);
  for (const ip of familyIPs(service.spec.externalIPs, family)) table.set(frontendKey('external-ip', ip, id.protocol, port.port), id);
  for (const ip of loadBalancerVIPs(service, family)) table.set(frontendKey('load-balancer', ip, id.protocol, port.port), id);
  if (typeof port.nodePort === 'number' && port.nodePort > 0) {
    table.set(frontendKey('node-port', undefined, id.protocol, port.nodePort), id);
  }
}
