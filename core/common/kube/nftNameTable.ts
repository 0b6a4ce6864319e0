import type { Service, ServicePortId } from '../model';
import { hashAndTruncate, nftServiceChainBase } from './chainNames';
import { namespaceOf } from './clusterIndex';
import { frontendKey } from './iptablesNameTable';
import { clusterIPByFamily, familyIPs, l4Protocol, loadBalancerVIPs } from './serviceFamilyView';

// Reverse lookup from what an nftables dump shows to the Service port it belongs to. kube-proxy's
// nftables proxier names the service-, local-, external- and firewall- chains of a port
// `PREFIX-HASH8-ns/name/proto/portName` (pkg/proxy/nftables/proxier.go servicePortChainNameBase +
// hashAndTruncate). The readable part can be cut to fit nft's name limit, so the table is keyed
// on the 8-character hash and keeps the full `HASH8-base` to verify a hit against the chain name.
// Frontends use the iptables table's keys (frontendKey), so both modes agree on address kinds.

export interface NftNameEntry {
  id: ServicePortId;
  /** `HASH8-ns/name/proto/portName` (truncated like kube-proxy's), the part after `service-`. */
  suffix: string;
}

export interface NftNameTable {
  /** 8-character base32 hash of `ns/name/proto/portName` -> Service port. */
  byHash: Map<string, NftNameEntry>;
  /** `cluster-ip|10.0.0.1|tcp|80`, `node-port|*|tcp|30001` (see frontendKey) -> Service port. */
  byFrontend: Map<string, ServicePortId>;
}

const NONE: string[] = [];

export function buildNftNameTable(services: Service[], family: 4 | 6): NftNameTable {
  const byHash = new Map<string, NftNameEntry>();
  const byFrontend = new Map<string, ServicePortId>();
  // Walked last to first with plain `set`, so the first Service wins a duplicate key.
  for (let s = services.length - 1; s >= 0; s--) {
    const service = services[s];
    if (!service || !service.metadata || !service.spec) continue;
    const ports = service.spec.ports;
    if (!ports || ports.length === 0) continue;
    // kube-proxy programs a family only for Services with a ClusterIP of that family.
    const clusterIP = clusterIPByFamily(service, family);
    const externalIPs = clusterIP === undefined ? NONE : familyIPs(service.spec.externalIPs, family);
    const lbIPs = clusterIP === undefined ? NONE : loadBalancerVIPs(service, family);
    const namespace = namespaceOf(service.metadata);
    const name = service.metadata.name;
    for (const port of ports) {
      if (!port) continue;
      const id: ServicePortId = { namespace, name, portName: port.name ?? '', protocol: l4Protocol(port.protocol) };
      // Every Service port, proxied or not: a chain for it is still *its* chain.
      const suffix = hashAndTruncate(nftServiceChainBase(namespace, name, id.protocol, id.portName));
      byHash.set(suffix.slice(0, 8), { id, suffix });
      if (clusterIP === undefined || typeof port.port !== 'number') continue;
      byFrontend.set(frontendKey('cluster-ip', clusterIP, id.protocol, port.port), id);
      for (const ip of externalIPs) byFrontend.set(frontendKey('external-ip', ip, id.protocol, port.port), id);
      for (const ip of lbIPs) byFrontend.set(frontendKey('load-balancer', ip, id.protocol, port.port), id);
      if (typeof port.nodePort === 'number' && port.nodePort > 0) {
        byFrontend.set(frontendKey('node-port', undefined, id.protocol, port.nodePort), id);
      }
    }
  }
  return { byHash, byFrontend };
}
