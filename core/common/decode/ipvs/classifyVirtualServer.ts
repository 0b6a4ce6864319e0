import type { FrontendKind, L4Protocol, ServicePortId } from '../../model';
import type { IptablesNameTable } from '../../kube/iptablesNameTable';
import { frontendKey } from '../../kube/iptablesNameTable';
import type { IpvsAddressFacts } from './ipvsAddressFacts';

// Which Service port and frontend kind one IPVS virtual server stands for. kube-proxy creates
// one virtual server per ClusterIP:port, external IP:port, LB IP:port and node address:NodePort
// (pkg/proxy/ipvs/proxier.go syncProxyRules) and writes no name anywhere, so the only join key
// is (protocol, address, port) against the Service list (the name table's byFrontend).

export interface VirtualServerIdentity {
  kind: FrontendKind;
  /** null when nothing in the Service list has this address:port (or there is no list). */
  id: ServicePortId | null;
}

const VIP_KINDS: readonly FrontendKind[] = ['cluster-ip', 'external-ip', 'load-balancer'];

export function classifyVirtualServer(
  proto: L4Protocol,
  ip: string,
  port: number,
  names: IptablesNameTable | null,
  facts: IpvsAddressFacts,
): VirtualServerIdentity {
  const hint = facts.kindHint(proto, ip, port);
  const nodeAddress = facts.isNodeAddress(ip);
  if (names !== null) {
    // The kind kube-proxy put it in the ipset for first, then every VIP kind.
    if (hint !== undefined && hint !== 'node-port') {
      const id = names.byFrontend.get(frontendKey(hint, ip, proto, port));
      if (id !== undefined) return { kind: hint, id };
    }
    for (const kind of VIP_KINDS) {
      const id = names.byFrontend.get(frontendKey(kind, ip, proto, port));
      if (id !== undefined) return { kind, id };
    }
    // A NodePort VS sits on a node address. Without ip-addr the node may have addresses the
    // caller does not know (docker0, a second NIC), so any address that is neither on
    // kube-ipvs0 nor in a VIP set may be one too.
    if (nodeAddress || (hint === undefined && !facts.isDummyAddress(ip))) {
      const id = names.byFrontend.get(frontendKey('node-port', undefined, proto, port));
      if (id !== undefined) return { kind: 'node-port', id };
    }
  }
  if (nodeAddress) return { kind: 'node-port', id: null };
  if (hint !== undefined) return { kind: hint, id: null };
  if (!facts.isDummyAddress(ip) && facts.nodePortHint(proto, ip, port)) return { kind: 'node-port', id: null };
  return { kind: 'cluster-ip', id: null };
}
