import type { Evidence, Service } from '../../model';
import { namespaceOf } from '../../kube/clusterIndex';
import { apiEvidence } from '../makeFinding';

// One-line API evidence for a Service: its kind of address and the spec fields a check is about.

export function evidenceForService(svc: Service, facts: string): Evidence {
  const spec = svc.spec;
  const ip = spec.clusterIPs?.join(',') ?? spec.clusterIP ?? 'None';
  return apiEvidence(`Service ${namespaceOf(svc.metadata)}/${svc.metadata.name}: type ${spec.type ?? 'ClusterIP'}, clusterIP ${ip}, ${facts}`);
}
