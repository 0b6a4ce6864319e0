import type { Service, ServicePortId } from '../model';
import { hashAndTruncate, nftServiceChainBase } from './chainNames';
import { addFrontends, eachServicePort } from './frontendTable';

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

export function buildNftNameTable(services: Service[], family: 4 | 6): NftNameTable {
  const byHash = new Map<string, NftNameEntry>();
  const byFrontend = new Map<string, ServicePortId>();
  eachServicePort(services, family, (id, port, service, clusterIP) => {
    // Every Service port, proxied or not: a chain for it is still *its* chain.
    const suffix = hashAndTruncate(nftServiceChainBase(id.namespace, id.name, id.protocol, id.portName));
    byHash.set(suffix.slice(0, 8), { id, suffix });
    addFrontends(byFrontend, id, port, service, clusterIP, family);
  });
  return { byHash, byFrontend };
}
