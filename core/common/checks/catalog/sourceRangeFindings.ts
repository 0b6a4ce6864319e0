import type { Evidence, ExpectedServicePort, Finding } from '../../model';
import { findingPort, serviceRef, servicePortLabel } from '../keys';
import { listSome, makeFinding } from '../makeFinding';
import { describeService, kubeProxyLogs, restartKubeProxy } from '../nextSteps';
import { normalizeCidr } from './cidr';
import { evidenceForService } from './serviceEvidence';

// Findings of source-ranges (C25), shared by the model-based check (iptables, nftables) and the
// IPVS one (ipset KUBE-LOAD-BALANCER-SOURCE-CIDR).

export type RangeProblem =
  /** The Service has ranges and LB IPs, the node has no firewall for them: the LB IP is open to all. */
  | { kind: 'not-enforced' }
  /** The node filters LB traffic by ranges the Service no longer has. */
  | { kind: 'residue'; have: string[] }
  /** Both sides have ranges, but not the same ones. */
  | { kind: 'diff'; missing: string[]; extra: string[] };

/** Ranges in `want` not in `have` (missing) and the other way round (extra), compared normalised. */
export function diffRanges(want: readonly string[], have: readonly string[]): { missing: string[]; extra: string[] } {
  const w = new Set(want.map(normalizeCidr));
  const h = new Set(have.map(normalizeCidr));
  return { missing: [...w].filter((c) => !h.has(c)), extra: [...h].filter((c) => !w.has(c)) };
}

/**
 * The problem for one Service port on one node, or null when the rules match the spec. `want` is
 * what kube-proxy should enforce: the Service's ranges when it has LoadBalancer IPs, else none.
 */
export function rangeProblem(want: readonly string[], enforced: boolean, have: readonly string[]): RangeProblem | null {
  if (want.length > 0 && !enforced) return { kind: 'not-enforced' };
  if (want.length === 0) return enforced ? { kind: 'residue', have: [...have] } : null;
  const d = diffRanges(want, have);
  return d.missing.length > 0 || d.extra.length > 0 ? { kind: 'diff', ...d } : null;
}

export function sourceRangeFinding(node: string, e: ExpectedServicePort, p: RangeProblem, evidence: Evidence[], steps: string[]): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  const lbs = e.loadBalancerIPs.length > 0 ? listSome(e.loadBalancerIPs) : 'its LoadBalancer IP';
  let title: string;
  let what: string;
  if (p.kind === 'not-enforced') {
    title = `${label} on ${node} does not enforce loadBalancerSourceRanges`;
    what = `Service ${serviceRef(e.id)} allows only ${listSome(e.sourceRanges)} to reach LoadBalancer IP ${lbs}, but ${node} has no firewall rules for it: any client reaching ${lbs} through this node gets in.`;
  } else if (p.kind === 'residue') {
    title = `${label} on ${node} still filters by old loadBalancerSourceRanges`;
    what = `Service ${serviceRef(e.id)} has ${e.sourceRanges.length > 0 ? 'no LoadBalancer IP' : 'no loadBalancerSourceRanges'}, but ${node} still only lets ${p.have.length ? listSome(p.have) : 'no source'} through its load-balancer firewall: other clients are dropped.`;
  } else {
    title = `${label} on ${node} filters by different source ranges than the Service`;
    what =
      `Service ${serviceRef(e.id)} allows ${listSome(e.sourceRanges)} to reach ${lbs}. On ${node}` +
      (p.missing.length ? `, ${listSome(p.missing)} ${p.missing.length === 1 ? 'is' : 'are'} missing (those clients are dropped)` : '') +
      (p.extra.length ? `${p.missing.length ? ' and' : ','} ${listSome(p.extra)} ${p.extra.length === 1 ? 'is' : 'are'} still allowed although no longer in the spec` : '') +
      '.';
  }
  const bypass = e.nodePort ? ` Note that NodePort ${e.nodePort} is not filtered by loadBalancerSourceRanges on any node.` : '';
  return makeFinding({
    check: 'source-ranges',
    severity: 'medium',
    node,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title,
    message: `${what} kube-proxy rewrites these rules on every sync, so a lasting difference means kube-proxy on ${node} is not applying Service updates.${bypass}`,
    nextSteps: [describeService(e.id.namespace, e.id.name), ...steps, ...kubeProxyLogs(node), restartKubeProxy(node)],
    evidence: [evidenceForService(e.service, `loadBalancerSourceRanges ${e.sourceRanges.length ? e.sourceRanges.join(',') : '(none)'}, LoadBalancer IPs ${e.loadBalancerIPs.join(',') || '(none)'}`), ...evidence],
  });
}

/** info, node null: the NodePort of a Service with source ranges is open to every source (same on all nodes). */
export function nodePortBypassFinding(e: ExpectedServicePort): Finding {
  const portLabel = findingPort(e.id, e);
  const label = servicePortLabel(e.id, portLabel);
  return makeFinding({
    check: 'source-ranges',
    severity: 'info',
    node: null,
    service: serviceRef(e.id),
    port: portLabel,
    protocol: e.id.protocol,
    title: `${label}: NodePort ${e.nodePort} bypasses loadBalancerSourceRanges`,
    message:
      `Service ${serviceRef(e.id)} limits its LoadBalancer IP to ${listSome(e.sourceRanges)}, but kube-proxy applies the ranges only to traffic for the ` +
      `LoadBalancer IP. NodePort ${e.nodePort} on every node accepts any source. If the ranges are a security boundary, block the NodePort in the node ` +
      'firewall / security group, or set spec.allocateLoadBalancerNodePorts=false when the load balancer does not need it.',
    nextSteps: [describeService(e.id.namespace, e.id.name)],
    evidence: [evidenceForService(e.service, `loadBalancerSourceRanges ${e.sourceRanges.join(',')}, nodePort ${e.nodePort}`)],
  });
}
