import type { Service, ServicePortId } from '../model';
import { iptablesChainSuffix, servicePortName } from './chainNames';
import type { ServicePortNameForm } from './chainNames';
import { addFrontends, eachServicePort } from './frontendTable';

// Reverse lookup from what an iptables dump shows to the Service port it belongs to:
// chain-name hash suffixes (KUBE-SVC/SVL/EXT/FW/XLB share one, pkg/proxy/iptables/proxier.go
// portProtoHash) and frontends (`-d VIP --dport P`, NodePorts). Built once per snapshot+family.

export interface IptablesNameTable {
  bySuffix: Map<string, { id: ServicePortId; form: 'current' | 'legacy' }>;
  byFrontend: Map<string, ServicePortId>;
}

export { frontendKey } from './frontendTable';

export function buildIptablesNameTable(services: Service[], family: 4 | 6): IptablesNameTable {
  const bySuffix = new Map<string, { id: ServicePortId; form: ServicePortNameForm }>();
  const byFrontend = new Map<string, ServicePortId>();
  eachServicePort(services, family, (id, port, service, clusterIP) => {
    // Every Service port, proxied or not: a chain for it is still *its* chain (C09/C32 explain why).
    bySuffix.set(iptablesChainSuffix(servicePortName(id.namespace, id.name, id.portName), id.protocol), { id, form: 'current' });
    if (id.portName === '') {
      bySuffix.set(iptablesChainSuffix(servicePortName(id.namespace, id.name, '', 'legacy'), id.protocol), { id, form: 'legacy' });
    }
    addFrontends(byFrontend, id, port, service, clusterIP, family);
  });
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
