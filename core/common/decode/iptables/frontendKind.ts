import type { FrontendKind, L4Protocol } from '../../model';
import type { IptablesNameTable } from '../../kube/iptablesNameTable';
import { frontendKey } from '../../kube/iptablesNameTable';
import type { ServiceRole } from './chainShape';
import type { CommentRole } from './commentNames';

// Which kind of frontend a KUBE-SERVICES jump (or a filter REJECT/DROP) is. The comment says it
// when present ("… cluster IP" / "… external IP" / "… loadbalancer IP"); otherwise the Service
// list (name table) is asked for each kind the target chain allows, in the order kube-proxy
// most likely wrote it (pkg/proxy/iptables/proxier.go: ClusterIP -> SVC/SVL, externalIPs ->
// EXT, LB ingress -> EXT or FW; before 1.24 externalIPs went to SVC and LB IPs to FW/XLB).

const CANDIDATES: Record<ServiceRole, readonly FrontendKind[]> = {
  svc: ['cluster-ip', 'external-ip', 'load-balancer'],
  svl: ['cluster-ip', 'external-ip', 'load-balancer'],
  ext: ['external-ip', 'load-balancer', 'cluster-ip'],
  fw: ['load-balancer', 'external-ip'],
  xlb: ['load-balancer', 'external-ip'],
};

export function kindFromComment(role: CommentRole | undefined): FrontendKind | undefined {
  switch (role) {
    case 'cluster-ip': return 'cluster-ip';
    case 'external-ip': return 'external-ip';
    case 'load-balancer': return 'load-balancer';
    default: return undefined;
  }
}

/** First candidate the name table knows for this address, else the first candidate. */
export function pickKind(
  candidates: readonly FrontendKind[],
  names: IptablesNameTable | null,
  ip: string,
  proto: L4Protocol,
  port: number,
): FrontendKind {
  if (names !== null && candidates.length > 1) {
    for (const kind of candidates) if (names.byFrontend.has(frontendKey(kind, ip, proto, port))) return kind;
  }
  return candidates[0];
}

export function candidateKinds(role: ServiceRole): readonly FrontendKind[] {
  return CANDIDATES[role];
}
