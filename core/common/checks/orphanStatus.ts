import type { NotProxiedReason, ProgrammedServicePort, Service } from '../model';
import type { ClusterCheckData } from './context';
import { servicePortKey } from './keys';

// Whether rules belong to a Service port that the API no longer has (or that kube-proxy must not
// proxy). Shared by orphan-rules, which reports it, and the backend checks, which then stay quiet
// so an orphan is one finding rather than one per backend.

const PROTO: Record<string, string> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

export type OrphanReason = 'service-gone' | 'port-gone' | 'not-proxied' | 'unmapped';

export interface OrphanStatus {
  reason: OrphanReason;
  service?: Service;
  notProxiedReason?: NotProxiedReason;
}

export function orphanStatus(cluster: ClusterCheckData, sp: ProgrammedServicePort): OrphanStatus | null {
  const id = sp.id;
  if (!id) return { reason: 'unmapped' };
  const service = cluster.index.services.get(`${id.namespace}/${id.name}`);
  if (!service) return { reason: 'service-gone' };
  let hasPort = false;
  for (const p of service.spec.ports ?? []) {
    if ((p.name ?? '') === id.portName && PROTO[p.protocol ?? 'TCP'] === id.protocol) {
      hasPort = true;
      break;
    }
  }
  if (!hasPort) return { reason: 'port-gone', service };
  const e = cluster.expectedByKey.get(servicePortKey(id));
  if (e && !e.proxied) return { reason: 'not-proxied', service, notProxiedReason: e.notProxiedReason };
  return null;
}

export const NOT_PROXIED_TEXT: Record<NotProxiedReason, string> = {
  headless: 'it is headless (clusterIP: None), so DNS returns pod IPs and kube-proxy writes no rules',
  'external-name': 'it is an ExternalName Service (a DNS CNAME), which kube-proxy never programs',
  'service-proxy-name':
    'it carries the label service.kubernetes.io/service-proxy-name, which hands it to another proxy',
  'no-cluster-ip-family': 'it has no ClusterIP of this address family',
};
