import type { Evidence, Finding } from '../../model';
import { listSome, makeFinding, plural } from '../makeFinding';
import { kubeProxyLogs, restartKubeProxy } from '../nextSteps';

// Findings of masquerade-hairpin (C26), shared by the iptables, nftables and IPVS readers.

/** Endpoints of one Service port whose hairpin masquerade is missing. */
export interface HairpinGap {
  service: string | null;
  port: string | null;
  protocol: Finding['protocol'];
  /** `ns/name:port` or the rules' own label. */
  label: string;
  /** `ip:port (chain)` per endpoint. */
  endpoints: string[];
  evidence: Evidence[];
}

export function hairpinFinding(node: string, gap: HairpinGap, how: string, steps: string[]): Finding {
  const n = gap.endpoints.length;
  return makeFinding({
    check: 'masquerade-hairpin',
    severity: 'medium',
    node,
    service: gap.service,
    port: gap.port,
    protocol: gap.protocol,
    title: `${gap.label} on ${node}: ${plural(n, 'endpoint')} without hairpin masquerade`,
    message:
      `kube-proxy gives every endpoint ${how}, so that a Pod calling its own Service and being picked as the backend gets replies through the Service address. ` +
      `On ${node} ${n === 1 ? 'it is' : 'they are'} missing for ${listSome(gap.endpoints)}: such hairpin connections hang, because the Pod answers itself directly ` +
      'and the client drops the reply (k/k#23322). kube-proxy writes these rules on every sync, so missing ones point at rules not written by kube-proxy or a failed sync.',
    nextSteps: [...steps, ...kubeProxyLogs(node)],
    evidence: gap.evidence,
  });
}

/** Node-wide masquerading pieces missing (KUBE-POSTROUTING MASQUERADE, masquerading chain, ...). */
export function masqueradeFinding(node: string, family: 4 | 6, problems: string[], evidence: Evidence[], steps: string[]): Finding {
  return makeFinding({
    check: 'masquerade-hairpin',
    severity: 'medium',
    node,
    title: `kube-proxy's masquerading is incomplete on ${node}${family === 6 ? ' (IPv6)' : ''}`,
    message:
      `kube-proxy marks Service traffic that needs SNAT and masquerades it in POSTROUTING. On ${node}: ${problems.join('; ')}. ` +
      'Marked traffic then leaves with its original source: NodePort and external traffic forwarded to another node, off-cluster clients of ClusterIPs ' +
      'and hairpin connections get replies that never find their way back.',
    nextSteps: [...steps, ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence,
  });
}
