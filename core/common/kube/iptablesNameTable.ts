import type { FrontendKind, L4Protocol, Service, ServicePortId } from '../model';
import { iptablesChainSuffix, servicePortName } from './chainNames';
import type { ServicePortNameForm } from './chainNames';
import { namespaceOf } from './clusterIndex';
import { clusterIPByFamily, familyIPs, l4Protocol, loadBalancerVIPs } from './serviceFamilyView';

// Reverse lookup from what an iptables dump shows to the Service port it belongs to:
// chain-name hash suffixes (KUBE-SVC/SVL/EXT/FW/XLB share one, pkg/proxy/iptables/proxier.go
// portProtoHash) and frontends (`-d VIP --dport P`, NodePorts). Built once per snapshot+family.

export interface IptablesNameTable {
  bySuffix: Map<string, { id: ServicePortId; form: 'current' | 'legacy' }>;
  byFrontend: Map<string, ServicePortId>;
}

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

const NONE: string[] = [];

export function buildIptablesNameTable(services: Service[], family: 4 | 6): IptablesNameTable {
  const bySuffix = new Map<string, { id: ServicePortId; form: ServicePortNameForm }>();
  const byFrontend = new Map<string, ServicePortId>();
  // Services are walked last to first with plain `set`, so the first Service wins a duplicate
  // (e.g. one external IP:port claimed by two Services) while each key is hashed only once.
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
      // Every Service port, proxied or not: a chain for it is still *its* chain (C09/C32 explain why).
      bySuffix.set(iptablesChainSuffix(servicePortName(namespace, name, id.portName), id.protocol), { id, form: 'current' });
      if (id.portName === '') {
        bySuffix.set(iptablesChainSuffix(servicePortName(namespace, name, '', 'legacy'), id.protocol), { id, form: 'legacy' });
      }
      if (clusterIP === undefined || typeof port.port !== 'number') continue;
      byFrontend.set(frontendKey('cluster-ip', clusterIP, id.protocol, port.port), id);
      for (const ip of externalIPs) byFrontend.set(frontendKey('external-ip', ip, id.protocol, port.port), id);
      for (const ip of lbIPs) byFrontend.set(frontendKey('load-balancer', ip, id.protocol, port.port), id);
      if (typeof port.nodePort === 'number' && port.nodePort > 0) {
        byFrontend.set(frontendKey('node-port', undefined, id.protocol, port.nodePort), id);
      }
    }
  }
  return { bySuffix, byFrontend };
}

/**
 * Reads the Service port name that starts a kube-proxy rule comment: `ns/name:port`, `ns/name`
 * (current unnamed form) or `ns/name:` (legacy unnamed form). Anything after the first space
 * (` cluster IP`, ` -> 10.0.0.1:80`) is ignored. Null when the text does not start with one.
 */
export function parseServicePortName(
  s: string,
): { namespace: string; name: string; portName: string; form: ServicePortNameForm } | null {
  const text = s.trimStart();
  const space = text.search(/\s/);
  const token = space === -1 ? text : text.slice(0, space);
  const slash = token.indexOf('/');
  if (slash <= 0 || token.indexOf('/', slash + 1) !== -1) return null;
  const namespace = token.slice(0, slash);
  const rest = token.slice(slash + 1);
  const colon = rest.indexOf(':');
  const name = colon === -1 ? rest : rest.slice(0, colon);
  const portName = colon === -1 ? '' : rest.slice(colon + 1);
  // Namespace, Service and port names are DNS labels ([a-z0-9-], dots allowed in names).
  if (!NAME.test(namespace) || !NAME.test(name) || (portName !== '' && !NAME.test(portName))) return null;
  const form: ServicePortNameForm = colon !== -1 && portName === '' ? 'legacy' : 'current';
  return { namespace, name, portName, form };
}

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
