import type { ServiceModel } from './clusterModel';
import { nameSuffix, templateHash } from './ids';

// Pod names as the workload controllers generate them: Deployment pods are
// `<name>-<pod-template-hash>-<5 chars>`, StatefulSet pods `<name>-<ordinal>`, DaemonSet pods
// `<name>-<5 chars>`.

export function workloadName(svc: ServiceModel): string {
  return svc.name;
}

export function replicaSetName(svc: ServiceModel): string {
  return `${svc.name}-${templateHash(`${svc.namespace}/${svc.name}`)}`;
}

export function podName(svc: ServiceModel, counter: number): string {
  const seed = `${svc.namespace}/${svc.name}#${counter}`;
  switch (svc.options.workload ?? 'Deployment') {
    case 'StatefulSet':
      return `${svc.name}-${counter}`;
    case 'DaemonSet':
      return `${svc.name}-${nameSuffix(seed)}`;
    default:
      return `${replicaSetName(svc)}-${nameSuffix(seed)}`;
  }
}
